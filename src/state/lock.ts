/**
 * What both backends share about locks: building the LockInfo, parsing a lock
 * someone else wrote, recognising a stale holder, and waiting with backoff.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { StateLockedError, type LockInfo, type LockWait } from './types.js';
import { sleepUnlessAborted } from '../abort.js';

export function newLockInfo(operation: string): LockInfo {
  return {
    id: randomUUID(),
    operation,
    who: currentUser(),
    host: hostname(),
    pid: process.pid,
    created: new Date().toISOString(),
    s3replVersion: VERSION,
  };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Parses a lock file's text; a lock we cannot read is reported, not guessed at. */
export function parseLockInfo(text: string, where: string): LockInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = v as Partial<LockInfo> | undefined;
  if (
    !o ||
    typeof o !== 'object' ||
    typeof o.id !== 'string' ||
    typeof o.operation !== 'string' ||
    typeof o.who !== 'string' ||
    typeof o.host !== 'string' ||
    typeof o.pid !== 'number' ||
    typeof o.created !== 'string'
  ) {
    throw new UserError(
      `the state lock at ${where} exists but is not an s3repl lock (unreadable content)`,
      `If no s3repl run is active, delete ${where} by hand.`,
    );
  }
  return { ...o, s3replVersion: typeof o.s3replVersion === 'string' ? o.s3replVersion : 'unknown' } as LockInfo;
}

/** True when the holder ran on this host and its process is gone. */
export function looksStale(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function lockedError(holder: LockInfo, where: string): StateLockedError {
  return new StateLockedError(holder, where, looksStale(holder));
}

export type TryLock = () => Promise<{ acquired: true } | { acquired: false; holder: LockInfo | null }>;

/**
 * Calls `attempt` until it acquires the lock or `timeoutMs` has passed,
 * polling with backoff (100 ms doubling to 2 s, never past the deadline).
 * With timeoutMs 0 it fails at once. `holder: null` means the lock vanished
 * between our attempt and reading it: retry immediately.
 */
export async function acquireWithRetry(attempt: TryLock, timeoutMs: number, where: string, wait: LockWait = {}): Promise<void> {
  const start = Date.now();
  const deadline = start + Math.max(0, timeoutMs);
  let delay = 100;
  let vanished = 0;
  let reported: number | undefined;
  for (;;) {
    wait.signal?.throwIfAborted();
    const r = await attempt();
    if (r.acquired) return;
    if (r.holder === null) {
      // Released between our attempt and our read; a few immediate retries, then back off as usual.
      if (++vanished < 5) continue;
      if (Date.now() >= deadline) {
        throw new UserError(`could not take the state lock at ${where}: it keeps changing hands`, 'Retry, or raise --lock-timeout.');
      }
    } else if (Date.now() >= deadline) {
      throw lockedError(r.holder, where);
    } else if (wait.onWait && (reported === undefined || Date.now() - reported >= REPORT_EVERY_MS)) {
      reported = Date.now();
      wait.onWait(r.holder, reported - start, deadline - reported);
    }
    const ms = Math.min(delay, Math.max(0, deadline - Date.now()));
    await sleepUnlessAborted(ms, wait.signal);
    delay = Math.min(delay * 2, 2000);
  }
}

/** How often a long wait for the lock is reported. */
const REPORT_EVERY_MS = 10_000;
