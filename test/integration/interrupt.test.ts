/**
 * Ctrl-C and SIGTERM: a mutating command finishes what is in flight, writes
 * state, releases the lock (local and S3 backends), says what finished and what
 * did not, and exits 130 / 143; the next unattended apply finishes the job
 * without force-unlock. A second signal stops at once and still releases the
 * lock. Read-only commands and a wait for the lock end cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';
import { runCliSignalled } from '../helpers/signals.js';

const CONFIG = `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  shop-orders: { create: true }
  shop-orders-dr: { region: us-west-2, create: true }
  shop-logs: { create: true }
  shop-log-archive: { create: true }
roles:
  replication: { name: s3repl-shop }
replications:
  - source: shop-orders
    role: replication
    rules:
      - id: orders-to-dr
        destination: { bucket: shop-orders-dr }
        metrics: true
        alarms: { failedOperations: 1 }
  - source: shop-logs
    role: replication
    rules:
      - id: logs
        destination: { bucket: shop-log-archive }
`;
const S3_STATE = `\nstate: { backend: s3, bucket: shop-tfstate, key: s3repl/shop.json, region: us-east-1 }\n`;
const BUCKETS = ['shop-log-archive', 'shop-logs', 'shop-orders', 'shop-orders-dr'];

const emulators: Emulator[] = [];
async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 10, ...opts });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const localState = (cwd: string) => path.join(cwd, '.s3repl/state.json');
const afterFirstStep = (s: string) => s.includes('Creation complete');

async function s3Objects(emu: Emulator): Promise<string[]> {
  const r = await clients(emu.url).s3.send(new ListObjectsV2Command({ Bucket: 'shop-tfstate' }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function s3State(emu: Emulator) {
  const r = await clients(emu.url).s3.send(new GetObjectCommand({ Bucket: 'shop-tfstate', Key: 's3repl/shop.json' }));
  return JSON.parse(await r.Body!.transformToString());
}

async function expectConverged(emu: Emulator, cwd: string) {
  const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
  expect(plan.stdout).toContain('No changes');
  expect(plan.code).toBe(0);
  const buckets = (await clients(emu.url).s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name).filter((n) => n !== 'shop-tfstate');
  expect(buckets.sort()).toEqual(BUCKETS);
}

describe('Ctrl-C during apply', () => {
  it('local state: finishes the steps in flight, writes state, releases the lock, says what did not run, exits 130; the next apply finishes', async () => {
    const emu = await emulator({ latencyMs: 40 });
    const cwd = workdir(CONFIG);
    const r = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url }, { steps: [{ when: afterFirstStep, signal: 'SIGINT' }] });
    expect(r.killedBy).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Interrupted (SIGINT)');
    expect(r.stderr).toMatch(/Apply interrupted: \d+ step\(s\) finished, \d+ stopped or failed, \d+ not started/);
    expect(r.stderr).toContain('Not started:');
    expect(r.stderr).toContain('the state lock is released');
    expect(existsSync(`${localState(cwd)}.lock`)).toBe(false);
    const recorded = Object.keys(JSON.parse(readFileSync(localState(cwd), 'utf8')).resources);
    expect(recorded.length).toBeGreaterThan(0);

    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('locked');
    await expectConverged(emu, cwd);
  });

  it('S3 state: the lock object is gone and an unattended apply finishes without force-unlock', async () => {
    const emu = await emulator({ latencyMs: 40 });
    await clients(emu.url).s3.send(new CreateBucketCommand({ Bucket: 'shop-tfstate' }));
    const cwd = workdir(CONFIG + S3_STATE);
    const r = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url }, { steps: [{ when: afterFirstStep, signal: 'SIGINT' }] });
    expect(r.code, r.stderr).toBe(130);
    expect(await s3Objects(emu)).not.toContain('s3repl/shop.json.lock');
    expect(Object.keys((await s3State(emu)).resources).length).toBeGreaterThan(0);

    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code, again.stderr).toBe(0);
    await expectConverged(emu, cwd);
    expect(await s3Objects(emu)).not.toContain('s3repl/shop.json.lock');
  });

  it('SIGTERM (a cancelled CI job) does the same and exits 143', async () => {
    const emu = await emulator({ latencyMs: 40 });
    const cwd = workdir(CONFIG);
    const r = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url }, { steps: [{ when: afterFirstStep, signal: 'SIGTERM' }] });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('Interrupted (SIGTERM)');
    expect(existsSync(`${localState(cwd)}.lock`)).toBe(false);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await expectConverged(emu, cwd);
  });

  it('a second Ctrl-C stops at once and still releases the S3 lock', async () => {
    // Slow calls, so that steps are still in flight when the second signal comes.
    const emu = await emulator({ latencyMs: 400 });
    await clients(emu.url).s3.send(new CreateBucketCommand({ Bucket: 'shop-tfstate' }));
    const cwd = workdir(CONFIG + S3_STATE);
    const r = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url }, {
      steps: [
        { when: (s) => s.includes('Creating...'), signal: 'SIGINT' },
        { when: (s) => s.includes('Press Ctrl-C again'), signal: 'SIGINT' },
      ],
    });
    expect(r.sent).toBe(2);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Stopping at once (second SIGINT)');
    expect(await s3Objects(emu)).not.toContain('s3repl/shop.json.lock');
    emu.setFaults({ latencyMs: 0 });
    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code, again.stderr).toBe(0);
    await expectConverged(emu, cwd);
  });

  it('destroy interrupted: exits 130 with the lock released; destroy again finishes', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    emu.setFaults({ latencyMs: 40 });
    const r = await runCliSignalled(['destroy', '--auto-approve'], { cwd, endpoint: emu.url }, { steps: [{ when: (s) => s.includes('Destruction complete'), signal: 'SIGINT' }] });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Destroy interrupted');
    expect(existsSync(`${localState(cwd)}.lock`)).toBe(false);
    const again = await runCli(['destroy', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(localState(cwd), 'utf8')).resources).toEqual({});
  });
});

describe('Ctrl-C elsewhere', () => {
  it('plan (read-only) exits 130 at once with one line and no stack trace', async () => {
    const emu = await emulator({ latencyMs: 2000 });
    const cwd = workdir(CONFIG);
    // Interrupt once plan is reading from AWS (the emulator has seen a call).
    const reading = (async () => {
      while (Object.keys(emu.calls()).length === 0) await new Promise((r) => setTimeout(r, 20));
    })();
    const r = await runCliSignalled(['plan'], { cwd, endpoint: emu.url }, { steps: [{ when: () => true, signal: 'SIGINT' }], trigger: reading });
    expect(r.killedBy).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr.trim()).toBe('Interrupted (SIGINT); nothing was being changed.');
  });

  it('while waiting for the lock: says who holds it and for how long it waits, and an interrupt ends the wait cleanly', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    mkdirSync(path.join(cwd, '.s3repl'));
    const lock = { id: 'held-by-test', operation: 'apply', who: 'ci', host: hostname(), pid: process.pid, created: new Date().toISOString(), s3replVersion: 'test' };
    writeFileSync(`${localState(cwd)}.lock`, JSON.stringify(lock));
    const r = await runCliSignalled(['apply', '--auto-approve', '--lock-timeout', '5m'], { cwd, endpoint: emu.url }, {
      steps: [{ when: (s) => s.includes('Waiting for the state lock'), signal: 'SIGINT' }],
    });
    expect(r.stderr).toContain('held by ci@');
    expect(r.stderr).toContain('"apply"');
    expect(r.stderr).toContain('--lock-timeout');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopped while waiting for the state lock; nothing was changed');
    // The other run's lock is untouched.
    expect(JSON.parse(readFileSync(`${localState(cwd)}.lock`, 'utf8')).id).toBe('held-by-test');
    expect((await clients(emu.url).s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });

  it('state rm waiting for the lock: an interrupt forgets nothing and leaves the holder\'s lock', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const before = readFileSync(localState(cwd), 'utf8');
    const lock = { id: 'held-by-test', operation: 'apply', who: 'ci', host: hostname(), pid: process.pid, created: new Date().toISOString(), s3replVersion: 'test' };
    writeFileSync(`${localState(cwd)}.lock`, JSON.stringify(lock));
    const r = await runCliSignalled(['state', 'rm', 'role.replication', '--lock-timeout', '5m'], { cwd, endpoint: emu.url }, {
      steps: [{ when: (s) => s.includes('Waiting for the state lock'), signal: 'SIGTERM' }],
    });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('nothing was changed');
    expect(readFileSync(localState(cwd), 'utf8')).toBe(before);
    expect(JSON.parse(readFileSync(`${localState(cwd)}.lock`, 'utf8')).id).toBe('held-by-test');
  });

  it('import waiting for the lock: an interrupt writes no configuration and records nothing', async () => {
    const emu = await emulator();
    const made = workdir(CONFIG);
    expect((await runCli(['apply', '--auto-approve'], { cwd: made, endpoint: emu.url })).code).toBe(0);
    const cwd = mkdtempSync(path.join(tmpdir(), 's3repl-import-'));
    mkdirSync(path.join(cwd, '.s3repl'));
    const lock = { id: 'held-by-test', operation: 'apply', who: 'ci', host: hostname(), pid: process.pid, created: new Date().toISOString(), s3replVersion: 'test' };
    writeFileSync(path.join(cwd, '.s3repl/state.json.lock'), JSON.stringify(lock));
    const r = await runCliSignalled(['import', '--bucket', 'shop-orders', '--lock-timeout', '5m'], { cwd, endpoint: emu.url }, {
      steps: [{ when: (s) => s.includes('Waiting for the state lock'), signal: 'SIGINT' }],
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('nothing was changed');
    expect(existsSync(path.join(cwd, 'replication.yaml'))).toBe(false);
    expect(existsSync(path.join(cwd, '.s3repl/state.json'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json.lock'), 'utf8')).id).toBe('held-by-test');
  });
});
