/** Shared pieces of the state tests. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StateResource } from '../../src/state/types.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 's3repl-state-'));
}

export function resource(address: string, attributes: StateResource['attributes'] = {}): StateResource {
  const [kind = 'bucket', name = address] = address.split('.');
  return {
    address,
    kind: kind as StateResource['kind'],
    id: { name },
    attributes,
    appliedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A promise with its resolve function, to sequence concurrent steps without timers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LockInfo } from '../../src/state/types.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a fixture under test/state/fixtures with tsx; returns the child and its stdout lines. */
export function runFixture(name: string, args: string[]): { child: ChildProcess; lines: AsyncIterator<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/state/fixtures', name), ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

/** A child process holding the lock on a local state file until release(). */
export async function holdLockInChild(statePath: string, operation: string) {
  const { child, lines, exited } = runFixture('hold-lock.ts', [statePath, operation]);
  const first = await lines.next();
  if (first.done) throw new Error('lock holder exited before taking the lock');
  const info = JSON.parse(first.value) as LockInfo;
  return {
    info,
    child,
    async release(): Promise<void> {
      child.stdin!.write('release\n');
      const next = await lines.next();
      if (next.value !== 'released') throw new Error(`lock holder said ${String(next.value)}`);
      await exited;
    },
    kill(): void {
      child.kill('SIGKILL');
    },
    exited,
  };
}
