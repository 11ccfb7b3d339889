import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { newState, serializeState } from '../../src/state/document.js';
import { LocalBackend } from '../../src/state/local.js';
import { StateLockedError, type StateDocument } from '../../src/state/types.js';
import { backendConformance } from './conformance.js';
import { deferred, holdLockInChild, resource, runFixture, tempDir } from './helpers.js';

function stateWith(...addresses: string[]): StateDocument {
  const d = newState();
  for (const a of addresses) d.resources[a] = resource(a, { n: a });
  return d;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const children: Array<{ kill(): void }> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

backendConformance('LocalBackend', async () => {
  const target = path.join(await tempDir(), 'state.json');
  return {
    backend: () => new LocalBackend(target),
    raw: async (suffix) => (existsSync(target + suffix) ? readFile(target + suffix, 'utf8') : null),
    putRaw: (suffix, text) => writeFile(target + suffix, text),
  };
});

describe('LocalBackend read/write', () => {
  it('reads null when there is no state, and creates the directory on write', async () => {
    const dir = await tempDir();
    const b = new LocalBackend(path.join(dir, 'nested/deeper/state.json'));
    expect(await b.read()).toBeNull();
    const d = stateWith('bucket.a');
    await b.write(d);
    expect(await new LocalBackend(b.path).read()).toEqual(d);
    expect(await readFile(b.path, 'utf8')).toBe(serializeState(d));
  });

  it('never shows a partial file: until the rename the target holds the old text, the temp file the whole new one', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const old = stateWith('bucket.a');
    await new LocalBackend(target).write(old);
    const big = stateWith(...Array.from({ length: 2000 }, (_, i) => `bucket.b${i}`));
    const seen: Array<{ target: string; tmp: string; tmpPath: string }> = [];
    const b = new LocalBackend(target, {
      beforeRename: async (tmpPath, to) => {
        if (to === target) seen.push({ target: await readFile(target, 'utf8'), tmp: await readFile(tmpPath, 'utf8'), tmpPath });
      },
    });
    await b.write(big);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.target).toBe(serializeState(old));
    expect(seen[0]!.tmp).toBe(serializeState(big));
    expect(path.dirname(seen[0]!.tmpPath)).toBe(dir);
    expect(await readFile(target, 'utf8')).toBe(serializeState(big));
  });

  it('a failure during the write keeps the old content byte for byte and leaves no temp file', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    await new LocalBackend(target).write(stateWith('bucket.a'));
    const before = await readFile(target);
    const b = new LocalBackend(target, {
      beforeRename: (_tmp, to) => {
        if (to === target) throw new Error('disk on fire');
      },
    });
    await b.read();
    await expect(b.write(stateWith('bucket.a', 'bucket.b'))).rejects.toThrow('disk on fire');
    expect((await readFile(target)).equals(before)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.backup']);
  });

  it('a process killed mid-write leaves the old state readable and writable', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const old = stateWith('bucket.a');
    await new LocalBackend(target).write(old);
    const before = await readFile(target);
    const { exited, lines } = runFixture('crash-mid-write.ts', [target]);
    expect(await exited).toBeNull(); // killed by a signal, not exited
    expect((await lines.next()).done).toBe(true);
    expect((await readFile(target)).equals(before)).toBe(true);
    const b = new LocalBackend(target);
    const read = await b.read();
    expect(read).toEqual(old);
    await b.write({ ...read!, serial: read!.serial + 1 });
    expect((await b.read())?.serial).toBe(old.serial + 1);
  });

  it('refuses a corrupt (binary) file and leaves it byte for byte untouched, with no file beside it', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const garbage = Buffer.from('{"formatVersion": 1, "lineage": "abc", "serial": \x00\xff trunc');
    await writeFile(target, garbage);
    const b = new LocalBackend(target);
    const e = await errorOf(b.read());
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain(target);
    expect(e.message).toContain('Nothing was overwritten');
    expect((e as UserError).hint).toContain(`${target}.backup`);
    expect((await readFile(target)).equals(garbage)).toBe(true);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

});

describe('LocalBackend lock across processes', () => {
  it('a second process fails fast naming the holder pid, host and operation', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const holder = await holdLockInChild(target, 'apply (child)');
    children.push(holder);
    expect(holder.info.pid).not.toBe(process.pid);
    const e = await errorOf(new LocalBackend(target).lock('apply', 0));
    expect(e).toBeInstanceOf(StateLockedError);
    expect(e.message).toContain(`pid ${holder.info.pid}`);
    expect(e.message).toContain(`@${hostname()}`);
    expect(e.message).toContain('"apply (child)"');
    expect(e.message).toContain(holder.info.id);
    expect((e as StateLockedError).stale).toBe(false);
    await holder.release();
  });

  it('with a timeout, the second process waits and gets the lock when the first releases it', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const holder = await holdLockInChild(target, 'apply');
    children.push(holder);
    const polled = deferred();
    const waiter = new LocalBackend(target);
    const readLock = waiter.readLock.bind(waiter);
    waiter.readLock = async () => {
      const r = await readLock();
      if (r) polled.resolve();
      return r;
    };
    const taking = waiter.lock('plan', 60_000);
    await polled.promise;
    await holder.release();
    const got = await taking;
    expect(got.pid).toBe(process.pid);
    await waiter.unlock(got);
  });

  it('breaks a lock left by a dead process on this host (a killed apply), saying so, and takes it', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const holder = await holdLockInChild(target, 'apply');
    holder.kill();
    await holder.exited;
    const warnings: string[] = [];
    const got = await new LocalBackend(target, { onWarning: (m) => warnings.push(m) }).lock('apply', 0);
    expect(got.pid).toBe(process.pid);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`pid ${holder.info.pid}`);
    expect(warnings[0]).toContain('no longer running');
    expect(await new LocalBackend(target).readLock()).toEqual(got);
  });

  it('never breaks a lock whose holder is alive, nor one held on another host', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const holder = await holdLockInChild(target, 'apply');
    expect(await errorOf(new LocalBackend(target).lock('plan', 0))).toBeInstanceOf(StateLockedError);
    holder.kill();
    await holder.exited;
    // Rewrite the dead holder's lock as if it ran on another machine: nothing says it is dead.
    const lockPath = `${target}.lock`;
    const info = JSON.parse(await readFile(lockPath, 'utf8'));
    await writeFile(lockPath, JSON.stringify({ ...info, host: 'another-host' }));
    const e = await errorOf(new LocalBackend(target).lock('apply', 0));
    expect(e).toBeInstanceOf(StateLockedError);
    expect(e.message).toContain('another-host');
    expect((e as StateLockedError).hint).toContain(`s3repl force-unlock ${holder.info.id}`);
  });
});
