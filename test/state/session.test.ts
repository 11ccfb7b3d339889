import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseState } from '../../src/state/document.js';
import { LocalBackend } from '../../src/state/local.js';
import { StateSession } from '../../src/state/session.js';
import { StateLockedError, type LockInfo, type StateBackend, type StateDocument } from '../../src/state/types.js';
import { deferred, resource, tempDir } from './helpers.js';

/** A LocalBackend that counts writes and can be made to fail or pause its next writes. */
class CountingBackend implements StateBackend {
  readonly inner: LocalBackend;
  writes = 0;
  failNext = 0;
  gate: Promise<void> | null = null;
  constructor(file: string) {
    this.inner = new LocalBackend(file);
  }
  describe() {
    return this.inner.describe();
  }
  read() {
    return this.inner.read();
  }
  async write(doc: StateDocument) {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('write failed');
    }
    await this.inner.write(doc);
    this.writes++;
  }
  lock(operation: string, timeoutMs: number) {
    return this.inner.lock(operation, timeoutMs);
  }
  unlock(lock: LockInfo) {
    return this.inner.unlock(lock);
  }
  forceUnlock(id: string) {
    return this.inner.forceUnlock(id);
  }
  readLock() {
    return this.inner.readLock();
  }
}

async function setup() {
  const dir = await tempDir();
  const file = path.join(dir, 'state.json');
  return { file, backend: new CountingBackend(file) };
}

function onDisk(file: string): StateDocument {
  return parseState(readFileSync(file, 'utf8'), file);
}

describe('StateSession serial', () => {
  it('writes nothing for a new state with nothing in it', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    expect(s.serial).toBe(0);
    expect(s.exists).toBe(false);
    await s.close();
    expect(backend.writes).toBe(0);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });

  it('bumps the serial by one per write that changes something, never otherwise', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    const lineage = s.lineage;
    s.put(resource('bucket.a', { v: 1 }));
    await s.persist();
    expect(s.serial).toBe(1);
    expect(onDisk(file).serial).toBe(1);
    expect(onDisk(file).lineage).toBe(lineage);

    await s.persist();
    await s.flush();
    expect(backend.writes).toBe(1);

    // Re-recording the same resource (even with a new appliedAt) is not a change.
    s.put({ ...resource('bucket.a', { v: 1 }), appliedAt: '2030-01-01T00:00:00.000Z' });
    await s.persist();
    expect(backend.writes).toBe(1);
    expect(s.get('bucket.a')?.appliedAt).toBe('2026-01-01T00:00:00.000Z');

    s.put(resource('bucket.a', { v: 2 }));
    s.put(resource('bucket.b'));
    await s.persist();
    expect(s.serial).toBe(2);
    expect(s.remove('bucket.b')).toBe(true);
    expect(s.remove('bucket.nope')).toBe(false);
    await s.close();
    expect(onDisk(file).serial).toBe(3);
    expect(Object.keys(onDisk(file).resources)).toEqual(['bucket.a']);
    expect(backend.writes).toBe(3);
  });

  it('an apply that changes nothing leaves an existing state byte for byte alone', async () => {
    const { file, backend } = await setup();
    const first = await StateSession.open(backend);
    first.put(resource('bucket.a'));
    await first.close();
    const before = await readFile(file);
    const again = await StateSession.open(new CountingBackend(file), { lock: { operation: 'apply', timeoutMs: 0 } });
    again.put(resource('bucket.a'));
    again.put(resource('bucket.b'));
    again.remove('bucket.b');
    await again.close();
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(onDisk(file).serial).toBe(1);
  });

  it('initialize() makes a new state (and its lineage) durable before anything is applied', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    await s.initialize();
    expect(onDisk(file)).toMatchObject({ lineage: s.lineage, serial: 1, resources: {} });
    await s.initialize();
    await s.close();
    expect(backend.writes).toBe(1);
  });

  it('a failed write keeps the change in memory; the next persist writes it with a single bump', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    s.put(resource('bucket.a'));
    backend.failNext = 1;
    await expect(s.persist()).rejects.toThrow('write failed');
    expect(s.serial).toBe(0);
    expect(s.dirty).toBe(true);
    await s.persist();
    expect(onDisk(file)).toMatchObject({ serial: 1 });
    expect(Object.keys(onDisk(file).resources)).toEqual(['bucket.a']);
    await s.close();
  });
});

describe('StateSession group commit', () => {
  it('N concurrent persist() calls: each resolves only once its change is durable, with fewer writes than calls', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend, { lock: { operation: 'apply', timeoutMs: 0 } });
    const n = 25;
    const gate = deferred();
    backend.gate = gate.promise;
    const durableWhenResolved: boolean[] = [];
    const calls = Array.from({ length: n }, (_, i) => {
      const address = `bucket.b${i}`;
      s.put(resource(address, { i }));
      return s.persist().then(() => {
        durableWhenResolved[i] = address in onDisk(file).resources;
      });
    });
    gate.resolve();
    await Promise.all(calls);
    expect(durableWhenResolved).toEqual(Array.from({ length: n }, () => true));
    expect(Object.keys(onDisk(file).resources)).toHaveLength(n);
    expect(backend.writes).toBeLessThan(n);
    expect(backend.writes).toBe(2); // the first change alone, then everything that queued behind it
    expect(onDisk(file).serial).toBe(2);
    await s.close();
  });

  it('changes made while a write is in flight go into the next write, started right after it', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    const gate = deferred();
    backend.gate = gate.promise;
    s.put(resource('bucket.first'));
    const first = s.persist();
    s.put(resource('bucket.second'));
    const second = s.persist();
    s.put(resource('bucket.third'));
    const third = s.persist();
    expect(third).toBe(second);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    gate.resolve();
    await first;
    expect(Object.keys(onDisk(file).resources)).toEqual(['bucket.first']);
    await second;
    expect(firstDone).toBe(true);
    expect(Object.keys(onDisk(file).resources).sort()).toEqual(['bucket.first', 'bucket.second', 'bucket.third']);
    expect(backend.writes).toBe(2);
    await s.close();
  });

  it('when the in-flight write fails, the queued write still runs and carries every change', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend);
    const gate = deferred();
    backend.gate = gate.promise;
    backend.failNext = 1;
    s.put(resource('bucket.a'));
    const first = s.persist();
    s.put(resource('bucket.b'));
    const second = s.persist();
    gate.resolve();
    await expect(first).rejects.toThrow('write failed');
    await second;
    expect(Object.keys(onDisk(file).resources).sort()).toEqual(['bucket.a', 'bucket.b']);
    expect(onDisk(file).serial).toBe(1);
    await s.close();
  });
});

describe('StateSession lock', () => {
  it('holds the lock from open to close; a second session fails fast', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend, { lock: { operation: 'apply', timeoutMs: 0 } });
    expect(s.lockInfo?.operation).toBe('apply');
    await expect(StateSession.open(new LocalBackend(file), { lock: { operation: 'apply', timeoutMs: 0 } })).rejects.toBeInstanceOf(
      StateLockedError,
    );
    await s.close();
    const t = await StateSession.open(new LocalBackend(file), { lock: { operation: 'apply', timeoutMs: 0 } });
    await t.close();
  });

  it('close() unlocks even when the final write fails, and reports the failure', async () => {
    const { file, backend } = await setup();
    const s = await StateSession.open(backend, { lock: { operation: 'apply', timeoutMs: 0 } });
    s.put(resource('bucket.a'));
    backend.failNext = 5;
    await expect(s.close()).rejects.toThrow('write failed');
    expect(await new LocalBackend(file).readLock()).toBeNull();
    expect(() => s.put(resource('bucket.b'))).toThrow('closed');
  });

  it('a corrupt state is refused at open, untouched, and the lock released', async () => {
    const { file, backend } = await setup();
    await writeFile(file, 'not json');
    await expect(StateSession.open(backend, { lock: { operation: 'apply', timeoutMs: 0 } })).rejects.toBeInstanceOf(UserError);
    expect(await readFile(file, 'utf8')).toBe('not json');
    expect(await backend.readLock()).toBeNull();
  });

  it('refuses to record a resource holding a credential', async () => {
    const { backend } = await setup();
    const s = await StateSession.open(backend);
    expect(() => s.put(resource('role.r', { AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }))).toThrow(/credential|secret/);
    expect(s.dirty).toBe(false);
    await s.close();
  });
});
