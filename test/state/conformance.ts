/**
 * One conformance suite every state backend passes (as Terraform's statemgr
 * TestFull is for its state managers): reading and writing the document, the
 * backup of the version replaced, refusing what it cannot read or must not
 * overwrite, and the lock. local.test.ts and s3.test.ts run it against the local
 * file backend and the S3 backend (on the emulator), and keep beside it only
 * what is particular to each (atomic rename and crashes for files, conditional
 * requests and the CLI for S3).
 */
import { hostname } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { newState, serializeState } from '../../src/state/document.js';
import { StateSession } from '../../src/state/session.js';
import { StateLockedError, type LockInfo, type StateBackend, type StateDocument } from '../../src/state/types.js';
import { deferred, resource } from './helpers.js';

/** One place a state can live, seen through as many backend instances as a test wants. */
export interface Location {
  /** A new backend instance for this location, as another run would make. */
  backend(): StateBackend & { readLock(): Promise<LockInfo | null> };
  /** The raw text stored at the state ('') or beside it ('.backup', '.lock'); null when absent. */
  raw(suffix: '' | '.backup' | '.lock'): Promise<string | null>;
  /** Stores raw text there, as a person or a broken tool might. */
  putRaw(suffix: '' | '.lock', text: string): Promise<void>;
}

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

export function backendConformance(name: string, location: () => Promise<Location>): void {
  describe(`${name}: state backend conformance`, () => {
    it('reads null when there is no state; writes the stable text; another run reads it back', async () => {
      const at = await location();
      const b = at.backend();
      expect(await b.read()).toBeNull();
      const d = stateWith('bucket.a', 'role.r');
      await b.write(d);
      expect(await at.raw('')).toBe(serializeState(d));
      expect(await at.backend().read()).toEqual(d);
    });

    it('keeps the version it replaces as .backup', async () => {
      const at = await location();
      const b = at.backend();
      await b.read();
      const first = stateWith('bucket.a');
      await b.write(first);
      expect(await at.raw('.backup')).toBeNull();
      const second = { ...stateWith('bucket.a', 'bucket.b'), lineage: first.lineage, serial: 2 };
      await b.write(second);
      expect(await at.raw('.backup')).toBe(serializeState(first));
      expect(await at.raw('')).toBe(serializeState(second));
    });

    it('detects a writer that ignored the lock instead of overwriting its state', async () => {
      const at = await location();
      const a = at.backend();
      await a.write(stateWith('bucket.a'));
      const b = at.backend();
      const seenByA = await a.read();
      const seenByB = await b.read();
      await b.write({ ...seenByB!, serial: 2, resources: { ...seenByB!.resources, 'bucket.b': resource('bucket.b') } });
      const bText = await at.raw('');
      const e = await errorOf(a.write({ ...seenByA!, serial: 2 }));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain('changed underneath');
      expect(e.message).toContain(a.describe());
      expect(await at.raw('')).toBe(bText);
    });

    it('refuses a corrupt document, naming it and its backup, and leaves it untouched', async () => {
      const at = await location();
      const garbage = '{"formatVersion": 1, "lineage": "abc", "serial": trunc';
      await at.putRaw('', garbage);
      const b = at.backend();
      const e = await errorOf(b.read());
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(b.describe());
      expect((e as UserError).hint).toContain(`${b.describe()}.backup`);
      expect(await at.raw('')).toBe(garbage);
      // A session refuses it too, and leaves no lock behind.
      expect(await errorOf(StateSession.open(at.backend(), { lock: { operation: 'apply', timeoutMs: 0 } }))).toBeInstanceOf(UserError);
      expect(await at.raw('.lock')).toBeNull();
    });

    it('refuses an unknown formatVersion, leaving the document alone', async () => {
      const at = await location();
      const text = JSON.stringify({ ...stateWith('bucket.a'), formatVersion: 3 });
      await at.putRaw('', text);
      const e = await errorOf(at.backend().read());
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain('formatVersion 3');
      expect(await at.raw('')).toBe(text);
    });

    it('lock: writes LockInfo to .lock; a second locker fails fast naming the holder; unlock frees it', async () => {
      const at = await location();
      const a = at.backend();
      const lock = await a.lock('apply', 0);
      expect(lock).toMatchObject({ operation: 'apply', host: hostname(), pid: process.pid });
      expect(JSON.parse((await at.raw('.lock'))!)).toEqual(lock);
      expect(await at.backend().readLock()).toEqual(lock);
      const e = await errorOf(at.backend().lock('plan', 0));
      expect(e).toBeInstanceOf(StateLockedError);
      expect((e as StateLockedError).holder).toEqual(lock);
      expect((e as StateLockedError).stale).toBe(false);
      expect(e.message).toContain(`pid ${process.pid}`);
      expect(e.message).toContain('"apply"');
      expect(e.message).toContain(`${a.describe()}.lock`);
      expect((e as StateLockedError).hint).toContain(`s3repl force-unlock ${lock.id}`);
      await a.unlock(lock);
      expect(await at.raw('.lock')).toBeNull();
      expect(await at.backend().readLock()).toBeNull();
      const again = await at.backend().lock('plan', 0);
      expect(again.operation).toBe('plan');
      expect(again.id).not.toBe(lock.id);
    });

    it('lock with a timeout waits, and takes the lock once it is released', async () => {
      const at = await location();
      const holder = at.backend();
      const held = await holder.lock('apply', 0);
      const waiter = at.backend();
      const polled = deferred();
      const readLock = waiter.readLock.bind(waiter);
      waiter.readLock = async () => {
        const r = await readLock();
        if (r) polled.resolve();
        return r;
      };
      const taking = waiter.lock('apply', 60_000);
      await polled.promise; // the waiter has found the lock taken at least once
      await holder.unlock(held);
      const got = await taking;
      expect(JSON.parse((await at.raw('.lock'))!)).toEqual(got);
    });

    it('unlock removes only its own lock, and is done when the lock is already gone', async () => {
      const at = await location();
      const b = at.backend();
      const mine = await b.lock('apply', 0);
      const e = await errorOf(b.unlock({ ...mine, id: 'not-mine' }));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(mine.id);
      expect(await at.raw('.lock')).not.toBeNull();
      await b.unlock(mine);
      expect(await at.raw('.lock')).toBeNull();
      await b.unlock(mine);
    });

    it('forceUnlock says when there is no lock, and removes one only when the id matches', async () => {
      const at = await location();
      const b = at.backend();
      expect((await errorOf(b.forceUnlock('whatever'))).message).toContain('not locked');
      const lock = await b.lock('apply', 0);
      const e = await errorOf(at.backend().forceUnlock('0000-wrong'));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(`lock id ${lock.id}`);
      expect(e.message).toContain('"apply"');
      expect(await at.raw('.lock')).not.toBeNull();
      await at.backend().forceUnlock(lock.id);
      expect(await at.raw('.lock')).toBeNull();
    });

    it('refuses an unreadable lock with advice instead of guessing', async () => {
      const at = await location();
      await at.putRaw('.lock', 'garbage');
      const e = await errorOf(at.backend().lock('apply', 0));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain('not an s3repl lock');
      expect(await at.raw('.lock')).toBe('garbage');
    });

    it('a StateSession: locked while open, group-committed writes, unlocked on close, no secrets stored', async () => {
      const at = await location();
      const b = at.backend();
      const s = await StateSession.open(b, { lock: { operation: 'apply', timeoutMs: 0 } });
      await expect(StateSession.open(at.backend(), { lock: { operation: 'apply', timeoutMs: 0 } })).rejects.toBeInstanceOf(StateLockedError);
      const writes = vi.spyOn(b, 'write');
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          s.put(resource(`bucket.b${i}`));
          return s.persist();
        }),
      );
      expect(writes.mock.calls.length).toBeLessThan(10);
      await s.close();
      const read = await at.backend().read();
      expect(Object.keys(read!.resources)).toHaveLength(10);
      expect(read!.serial).toBe(writes.mock.calls.length);
      expect(await at.raw('.lock')).toBeNull();
      const text = [await at.raw(''), await at.raw('.backup')].join('');
      if (process.env.AWS_SECRET_ACCESS_KEY) expect(text).not.toContain(process.env.AWS_SECRET_ACCESS_KEY);
    });
  });
}
