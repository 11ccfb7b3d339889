/**
 * Damaged state and hostile input: each is refused with a clear message naming
 * the file (no stack trace), nothing is changed in AWS or in the state, and no
 * lock is left behind. A lost state file is recovered from without duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';
import { CONFIG, STATE_BUCKET, STATE_KEY, expectConverged, inventory, lockLeft, project, readState } from './harness.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ replicationDelayMs: 10 });
});
afterAll(async () => {
  await emu?.stop();
});

const GOOD_RESOURCE = { address: 'bucket.rel-logs', kind: 'bucket', id: { bucket: 'rel-logs', region: 'us-east-1' }, attributes: {}, appliedAt: '2026-01-01T00:00:00.000Z' };
const doc = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ formatVersion: 1, lineage: '6f1c1d8e-0000-4000-8000-000000000001', serial: 3, s3replVersion: '0.1.0', resources, ...extra });

const DAMAGED: Array<[string, string, RegExp]> = [
  ['truncated', doc({ 'bucket.rel-logs': GOOD_RESOURCE }).slice(0, 60), /not valid JSON/],
  ['empty', '', /not valid JSON/],
  ['a newer format', doc({}, { formatVersion: 99 }), /formatVersion 99/],
  ['a resource of an unknown kind', doc({ 'constructor.x': { ...GOOD_RESOURCE, address: 'constructor.x', kind: 'constructor' } }), /unknown kind "constructor"/],
  ['a resource filed under another address', doc({ 'bucket.other': GOOD_RESOURCE }), /differs from its key/],
];

describe('damaged local state', () => {
  for (const [name, text, message] of DAMAGED) {
    it(`${name}: plan and apply refuse it, touch nothing, leave no lock`, async () => {
      const cwd = workdir(CONFIG);
      mkdirSync(path.join(cwd, '.s3repl'));
      const file = path.join(cwd, '.s3repl/state.json');
      writeFileSync(file, text);
      for (const args of [['plan'], ['apply', '--auto-approve'], ['destroy', '--auto-approve']]) {
        const r = await runCli(args, { cwd, endpoint: emu.url });
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(await lockLeft(emu, cwd, 'local')).toBe(false);
      expect((await inventory(emu)).buckets).toEqual([]);
    });
  }

  it('damaged S3 state is refused the same way, the object untouched, no lock object left', async () => {
    const cwd = await project(emu, 's3');
    const text = doc({}).slice(0, 40);
    await clients(emu.url).s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: text }));
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`s3://${STATE_BUCKET}/${STATE_KEY}`);
    expect(await lockLeft(emu, cwd, 's3')).toBe(false);
    const obj = await clients(emu.url).s3.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }));
    expect(await obj.Body!.transformToString()).toBe(text);
  });
});

describe('lost and restored state', () => {
  it('a deleted state file: the next apply recognises its own resources and creates nothing twice', async () => {
    const cwd = workdir(CONFIG.replaceAll('rel-', 'lost-').replace('s3repl-reliability', 's3repl-lost'));
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    rmSync(path.join(cwd, '.s3repl'), { recursive: true });
    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 added');
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(plan.code, plan.stdout).toBe(0);
    expect((await inventory(emu)).roles.filter((r) => r === 's3repl-lost')).toHaveLength(1);
  });

  it('a corrupted state restored from its .backup: apply converges', async () => {
    const cwd = workdir(CONFIG.replaceAll('rel-', 'bak-').replace('s3repl-reliability', 's3repl-bak'));
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const file = path.join(cwd, '.s3repl/state.json');
    writeFileSync(file, '{"formatVersion": 1, "lin');
    const refused = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${file}.backup`);
    writeFileSync(file, readFileSync(`${file}.backup`));
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url })).code).toBe(0);
  });
});

describe('hostile configuration files', () => {
  const cases: Array<[string, (cwd: string) => string, RegExp]> = [
    ['an endless file (/dev/zero)', () => '/dev/zero', /larger than 4 MiB/],
    ['a 5 MB file', (cwd) => write(cwd, 'big.yaml', `version: 1\n# ${'x'.repeat(5 * 1024 * 1024)}\n`), /larger than 4 MiB/],
    ['UTF-16', (cwd) => write(cwd, 'utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CONFIG, 'utf16le')])), /UTF-16/],
    ['Latin-1', (cwd) => write(cwd, 'latin1.yaml', Buffer.from(CONFIG.replace('team: platform', 'team: plateforme-é'), 'latin1')), /Latin-1/],
    ['an alias bomb', (cwd) => write(cwd, 'bomb.yaml', aliasBomb()), /alias|too many/i],
    ['deep nesting', (cwd) => write(cwd, 'deep.yaml', `version: 1\nbuckets: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), /nests lists or mappings too deeply/],
    // 100,000 keys in one mapping and one of them twice: a pairwise duplicate check would take minutes.
    ['100,000 keys with a duplicate', (cwd) => write(cwd, 'keys.yaml', `version: 1\nx-many:\n${Array.from({ length: 100_000 }, (_, i) => `  k${i}: ${i}\n`).join('')}  k99999: again\n`), /duplicate key "k99999"/],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: exit 1, one clear message, nothing touched`, async () => {
      const cwd = workdir(CONFIG);
      const file = make(cwd);
      const r = await runCli(['apply', '--auto-approve', '-c', file], { cwd, endpoint: emu.url });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at |RangeError|Maximum call stack/);
      expect(await readState(emu, cwd, 'local')).toBeNull();
      expect(await lockLeft(emu, cwd, 'local')).toBe(false);
    });
  }
});

function write(cwd: string, name: string, data: string | Buffer): string {
  const p = path.join(cwd, name);
  writeFileSync(p, data);
  return p;
}

/** "Billion laughs": nine levels of nine aliases each. */
function aliasBomb(): string {
  const lines = ['version: 1', 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}
