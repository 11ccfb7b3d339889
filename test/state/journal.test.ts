/**
 * The local state journal: persist() appends what changed; read() applies the
 * journal; close() folds it into the state. Crashes at any point keep every
 * confirmed change (see also the SIGKILL test in test/integration/apply.test.ts).
 */
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseState } from '../../src/state/document.js';
import { LocalBackend } from '../../src/state/local.js';
import { StateSession } from '../../src/state/session.js';
import type { StateDocument } from '../../src/state/types.js';
import { resource, runFixture, tempDir } from './helpers.js';

async function setup() {
  const dir = await tempDir();
  const file = path.join(dir, 'state.json');
  return { file, journal: `${file}.journal` };
}

function fileDoc(file: string): StateDocument {
  return parseState(readFileSync(file, 'utf8'), file);
}

const APPLY = { lock: { operation: 'apply', timeoutMs: 0 } };

describe('state journal (local backend)', () => {
  it('persist() appends only what changed, leaving the state file alone; a fresh read sees every change', async () => {
    const { file, journal } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    const stateBytes = readFileSync(file);
    for (let i = 0; i < 20; i++) {
      s.put(resource(`bucket.b${i}`, { i }));
      await s.persist();
    }
    s.remove('bucket.b3');
    await s.persist();
    expect(readFileSync(file).equals(stateBytes)).toBe(true);
    const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    // Each line holds its own change only.
    expect(lines.map((l) => (JSON.parse(l) as { put: unknown[] }).put.length)).toEqual([...Array(20).fill(1), 0]);

    const seen = await new LocalBackend(file).read();
    expect(seen?.serial).toBe(22);
    expect(s.serial).toBe(22);
    expect(Object.keys(seen!.resources)).toHaveLength(19);
    expect(seen!.resources['bucket.b7']?.attributes).toEqual({ i: 7 });
    expect(seen!.resources['bucket.b3']).toBeUndefined();
    await s.close();
  });

  it('close() folds the journal into the state, same serial, and removes it', async () => {
    const { file, journal } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    s.put(resource('bucket.a'));
    await s.persist();
    s.put(resource('bucket.b'));
    await s.persist();
    expect(existsSync(journal)).toBe(true);
    await s.close();
    expect(existsSync(journal)).toBe(false);
    expect(fileDoc(file)).toMatchObject({ serial: 3, lineage: s.lineage });
    expect(Object.keys(fileDoc(file).resources)).toEqual(['bucket.a', 'bucket.b']);
    expect(fileDoc(`${file}.backup`).serial).toBe(1);
  });

  it('a journal left by a killed run is applied by the next reader and folded in by the next locked session', async () => {
    const { file, journal } = await setup();
    const first = await StateSession.open(new LocalBackend(file), APPLY);
    await first.initialize();
    first.put(resource('bucket.a'));
    await first.persist();
    // Killed here: no close(), so the journal stays and so does the lock (removed by hand below).
    await new LocalBackend(file).forceUnlock(first.lockInfo!.id);
    expect(fileDoc(file).resources).toEqual({});

    const next = await StateSession.open(new LocalBackend(file), APPLY);
    expect(next.get('bucket.a')).toBeDefined();
    expect(next.serial).toBe(2);
    await next.close();
    expect(existsSync(journal)).toBe(false);
    expect(Object.keys(fileDoc(file).resources)).toEqual(['bucket.a']);
    expect(fileDoc(file).serial).toBe(2);
  });

  it('ignores a last line cut short by a crash, and cuts it off before appending', async () => {
    const { file, journal } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    s.put(resource('bucket.a'));
    await s.persist();
    await new LocalBackend(file).forceUnlock(s.lockInfo!.id);
    appendFileSync(journal, '{"lineage":"x","serial":3,"put":[{"addr');

    const next = await StateSession.open(new LocalBackend(file), APPLY);
    expect(Object.keys(next.doc.resources)).toEqual(['bucket.a']);
    next.put(resource('bucket.b'));
    await next.persist();
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines).toHaveLength(3); // two whole lines and the empty string after the last newline
    expect(lines.every((l) => l === '' || JSON.parse(l))).toBeTruthy();
    expect(Object.keys((await new LocalBackend(file).read())!.resources).sort()).toEqual(['bucket.a', 'bucket.b']);
    await next.close();
  });

  it('skips lines the state already holds (killed after the state was written, before the journal went)', async () => {
    const { file, journal } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    s.put(resource('bucket.a'));
    await s.persist();
    const kept = readFileSync(journal);
    await s.close();
    writeFileSync(journal, kept);
    const doc = await new LocalBackend(file).read();
    expect(doc?.serial).toBe(2);
    expect(Object.keys(doc!.resources)).toEqual(['bucket.a']);
  });

  it("ignores a journal of another lineage (a state replaced since), and removes it at the next write", async () => {
    const { file, journal } = await setup();
    const old = await StateSession.open(new LocalBackend(file), APPLY);
    await old.initialize();
    old.put(resource('bucket.old'));
    await old.persist();
    const leftover = readFileSync(journal);
    await old.close();

    const { file: other } = await setup();
    const fresh = await StateSession.open(new LocalBackend(other), APPLY);
    await fresh.initialize();
    await fresh.close();
    writeFileSync(file, readFileSync(other));
    writeFileSync(journal, leftover);

    expect(Object.keys((await new LocalBackend(file).read())!.resources)).toEqual([]);
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    s.put(resource('bucket.new'));
    await s.close();
    expect(existsSync(journal)).toBe(false);
    expect(Object.keys(fileDoc(file).resources)).toEqual(['bucket.new']);
  });

  it('refuses a journal damaged before its end, changing nothing', async () => {
    const { file, journal } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    s.put(resource('bucket.a'));
    await s.persist();
    s.put(resource('bucket.b'));
    await s.persist();
    await new LocalBackend(file).forceUnlock(s.lockInfo!.id);
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, ['{ not json', ...lines.slice(1)].join('\n'));
    const before = readFileSync(journal);
    await expect(new LocalBackend(file).read()).rejects.toThrow(UserError);
    await expect(new LocalBackend(file).read()).rejects.toThrow(/state journal at .*state\.json\.journal is unusable: line 1 is not a JSON object/);
    expect(readFileSync(journal).equals(before)).toBe(true);
  });

  it('an append notices a state file replaced by a writer that ignored the lock', async () => {
    const { file } = await setup();
    const s = await StateSession.open(new LocalBackend(file), APPLY);
    await s.initialize();
    const doc = fileDoc(file);
    doc.resources['bucket.intruder'] = resource('bucket.intruder');
    writeFileSync(file, JSON.stringify(doc));
    s.put(resource('bucket.a'));
    await expect(s.persist()).rejects.toThrow(/changed underneath this run/);
    expect(statSync(file).size).toBe(JSON.stringify(doc).length);
    await new LocalBackend(file).forceUnlock(s.lockInfo!.id);
  });

  it('SIGKILL at any moment: every change the writer was told is durable is in the state it left', async () => {
    for (const killAfter of [1, 7, 25]) {
      const { file } = await setup();
      const { child, lines, exited } = runFixture('journal-writer.ts', [file]);
      const confirmed: string[] = [];
      for (;;) {
        const next = await lines.next();
        if (next.done) break;
        confirmed.push(next.value);
        if (confirmed.length === killAfter) child.kill('SIGKILL');
      }
      await exited;
      expect(confirmed.length).toBeGreaterThanOrEqual(killAfter);
      const doc = await new LocalBackend(file).read();
      for (const address of confirmed) expect(doc!.resources[address], `${address} after a kill at ${killAfter}`).toBeDefined();
    }
  }, 60_000);
});
