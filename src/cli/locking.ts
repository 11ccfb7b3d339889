/**
 * Opening a locked state session from a command: progress while waiting for
 * the lock (--lock-timeout), an interrupt during the wait ends it cleanly, and
 * once the lock is held a second Ctrl-C still releases it.
 */
import { StateSession } from '../state/session.js';
import type { StateBackend } from '../state/types.js';
import { Interrupted, type InterruptScope } from './interrupt.js';
import type { Output } from './output.js';

export async function openLockedSession(
  backend: StateBackend,
  o: Output,
  opts: { operation: string; timeoutMs: number; scope: InterruptScope },
): Promise<StateSession> {
  const { scope } = opts;
  let session: StateSession;
  try {
    session = await StateSession.open(backend, {
      lock: {
        operation: opts.operation,
        timeoutMs: opts.timeoutMs,
        signal: scope.signal,
        onWait: (holder, waitedMs, leftMs) =>
          o.err(
            o.c.dim(
              `${waitedMs < 1000 ? 'Waiting' : `Still waiting (${Math.round(waitedMs / 1000)}s)`} for the state lock at ${backend.describe()}, held by ` +
                `${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" since ${holder.created}; giving up in ${Math.ceil(leftMs / 1000)}s (--lock-timeout)`,
            ),
          ),
      },
    });
  } catch (e) {
    if (scope.exitCode !== undefined) throw new Interrupted(scope.exitCode, 'stopped while waiting for the state lock; nothing was changed');
    throw e;
  }
  // From here a second signal (or the end of the grace period) still writes what is done and releases the lock.
  scope.setEmergency(() => session.close());
  return session;
}
