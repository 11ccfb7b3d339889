/**
 * `s3repl apply` end to end against the emulator: convergence, idempotency,
 * faults, crashes (SIGKILL), lock contention, stale saved plans, corrupt state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { BIN, awsEnv, conformanceEnv, runCli, spawnCli, workdir } from '../helpers/cli.js';

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
        destination: { bucket: shop-orders-dr, storageClass: STANDARD_IA }
        deleteMarkers: true
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1, pendingOperations: 1000 }
  - source: shop-logs
    role: replication
    rules:
      - id: logs
        filter: { prefix: app/ }
        destination: { bucket: shop-log-archive }
`;
/** Resources CONFIG plans: 4 buckets, 4 versionings, role, policy, 2 replications, 3 alarms. */
const PLANNED = 15;

const emulators: Emulator[] = [];
async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 10, ...opts });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const statePath = (cwd: string) => path.join(cwd, '.s3repl/state.json');
const readState = (cwd: string) => JSON.parse(readFileSync(statePath(cwd), 'utf8'));

/** What exists in the emulator, counted by listing: duplicates would show here. */
async function inventory(emu: Emulator) {
  const east = clients(emu.url, 'us-east-1');
  const buckets = (await east.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
  const roles = (await east.iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName) ?? [];
  // Alarms stand in their metric's region: failed operations in the source's, the others in the destination's.
  const alarms: string[] = [];
  for (const region of ['us-east-1', 'us-west-2']) {
    const r = await clients(emu.url, region).cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 's3repl' }));
    for (const a of r.MetricAlarms ?? []) alarms.push(`${region}/${a.AlarmName}`);
  }
  return { buckets: buckets.sort(), roles, alarms: alarms.sort() };
}

async function expectConverged(emu: Emulator, cwd: string) {
  const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
  expect(plan.stdout + plan.stderr).toContain('No changes');
  expect(plan.code).toBe(0);
  const inv = await inventory(emu);
  expect(inv.buckets).toEqual(['shop-log-archive', 'shop-logs', 'shop-orders', 'shop-orders-dr']);
  expect(inv.roles).toEqual(['s3repl-shop']);
  expect(inv.alarms).toHaveLength(3);
  expect(Object.keys(readState(cwd).resources)).toHaveLength(PLANNED);
}

describe('apply', () => {
  it('creates everything on an empty account, then converges: a second apply changes nothing and keeps the serial', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    const first = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(first.stderr).toContain(`Apply complete! Resources: ${PLANNED} added, 0 changed, 0 destroyed.`);
    expect(first.code).toBe(0);
    await expectConverged(emu, cwd);
    const serial = readState(cwd).serial;
    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes');
    expect(readState(cwd).serial).toBe(serial);
    // The version the run replaced is kept beside the state: here the empty state
    // written (for its lineage) before anything was created.
    expect(JSON.parse(readFileSync(`${statePath(cwd)}.backup`, 'utf8'))).toMatchObject({ serial: 1, resources: {} });
    expect(existsSync(`${statePath(cwd)}.journal`)).toBe(false);
  });

  it('refuses to run without --auto-approve when there is no terminal', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    const r = await runCli(['apply'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--auto-approve');
    expect((await inventory(emu)).buckets).toEqual([]);
  });

  it('converges despite IAM propagation delay, 20% throttling and transient 500s, creating nothing twice', async () => {
    const emu = await emulator({ seed: 42, throttleRate: 0.2, internalErrorRate: 0.05, iamPropagationDelayMs: 500 });
    const cwd = workdir(CONFIG);
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.stderr).toContain('Apply complete!');
    expect(r.code).toBe(0);
    const calls = emu.calls();
    const faulted = Object.entries(calls).length > 0;
    expect(faulted).toBe(true);
    emu.setFaults({ throttleRate: 0, internalErrorRate: 0 });
    await expectConverged(emu, cwd);
  });

  it('finishes the job after being killed (SIGKILL) at any step, without duplicates', async () => {
    // Kill on the Nth progress line: before, during and right after AWS calls, and between a call and its state write.
    for (const killAt of [1, 4, 9, 14, 19, 23, 27]) {
      const emu = await emulator({ latencyMs: 25 });
      const cwd = workdir(CONFIG);
      const killed = await new Promise<{ lines: number; text: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'apply', '--auto-approve'], {
          cwd,
          env: { PATH: process.env.PATH ?? '', HOME: cwd, ...awsEnv(emu.url), ...conformanceEnv() },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let lines = 0;
        let text = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (d: string) => {
          text += d;
          lines += d.split('\n').filter((l) => l.includes(': ')).length;
          if (lines >= killAt) child.kill('SIGKILL');
        });
        child.on('error', reject);
        child.on('close', () => resolve({ lines, text }));
      });
      expect(killed.lines).toBeGreaterThanOrEqual(killAt);
      // Every step the killed run reported complete is in the state it left.
      const completed = [...killed.text.matchAll(/^(\S+): (?:Creation|Modifications) complete/gm)].map((m) => m[1]!);
      const listed = await runCli(['state', 'list'], { cwd, endpoint: emu.url });
      for (const address of completed) expect(listed.stdout, `after a kill at line ${killAt}`).toContain(address);
      const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
      expect(again.code, `after a kill at line ${killAt}: ${again.stderr}`).toBe(0);
      await expectConverged(emu, cwd);
      await Promise.all(emulators.splice(0).map((e) => e.stop()));
    }
  }, 300_000); // seven kill-and-resume rounds: several CLI runs each on two shared cores

  it('lets one of two concurrent applies win; the other exits 1 naming the lock holder', async () => {
    const emu = await emulator({ latencyMs: 30 });
    const cwd = workdir(CONFIG);
    // Two processes: each holds its own lock attempt.
    const [a, b] = await Promise.all([
      spawnCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url }),
      spawnCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url }),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(/locked by .*pid \d+.*"apply"/);
    await expectConverged(emu, cwd);
  });

  it('applies a fresh saved plan exactly, and refuses a stale one', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    const planned = await runCli(['plan', '--out', 'plan.json'], { cwd, endpoint: emu.url });
    expect(planned.code).toBe(0);
    writeFileSync(path.join(cwd, 'plan2.json'), readFileSync(path.join(cwd, 'plan.json')));
    const applied = await runCli(['apply', 'plan.json'], { cwd, endpoint: emu.url });
    expect(applied.code).toBe(0);
    await expectConverged(emu, cwd);

    // The same plan again: the state serial moved and AWS changed since.
    const stale = await runCli(['apply', 'plan2.json'], { cwd, endpoint: emu.url });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale');
    expect(stale.stderr).toContain('serial');

    // A plan made, then a change in AWS by hand: refused, nothing done.
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('storageClass: STANDARD_IA', 'storageClass: GLACIER'));
    expect((await runCli(['plan', '--out', 'plan3.json'], { cwd, endpoint: emu.url })).code).toBe(0);
    await clients(emu.url, 'us-west-2').s3.send(new PutBucketVersioningCommand({ Bucket: 'shop-orders-dr', VersioningConfiguration: { Status: 'Suspended' } }));
    const moved = await runCli(['apply', 'plan3.json'], { cwd, endpoint: emu.url });
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('resources in AWS changed');

    // And a plan whose configuration file changed since.
    expect((await runCli(['plan', '--out', 'plan4.json'], { cwd, endpoint: emu.url })).code).toBe(0);
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG);
    const edited = await runCli(['apply', 'plan4.json'], { cwd, endpoint: emu.url });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('configuration');
  });

  it('refuses a corrupt state file and leaves it untouched', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    mkdirSync(path.join(cwd, '.s3repl'));
    const garbage = '{"formatVersion": 1, "lineage": "x", "serial": 3, "resources": {';
    writeFileSync(statePath(cwd), garbage);
    for (const cmd of [['plan'], ['apply', '--auto-approve']]) {
      const r = await runCli(cmd, { cwd, endpoint: emu.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('state.json');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(statePath(cwd), 'utf8')).toBe(garbage);
    expect((await inventory(emu)).buckets).toEqual([]);
  });

  it('never takes over a role of the same name that s3repl did not create', async () => {
    const emu = await emulator();
    await clients(emu.url).iam.send(
      new (await import('@aws-sdk/client-iam')).CreateRoleCommand({
        RoleName: 's3repl-shop',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const cwd = workdir(CONFIG);
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('role.replication');
    expect(r.stderr).toContain('not created by s3repl');
    expect(r.stderr).toContain('import');
    const role = await clients(emu.url).iam.send(new GetRoleCommand({ RoleName: 's3repl-shop' }));
    expect(role.Role?.Tags ?? []).toEqual([]);
  });

  it('destroy removes what s3repl manages and nothing else: buckets stay, versioning stays on', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const refused = await runCli(['destroy'], { cwd, endpoint: emu.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--auto-approve');

    const r = await runCli(['destroy', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.stderr).toContain('Destroy complete!');
    expect(r.code).toBe(0);
    const inv = await inventory(emu);
    expect(inv.buckets).toEqual(['shop-log-archive', 'shop-logs', 'shop-orders', 'shop-orders-dr']);
    expect(inv.roles).toEqual([]);
    expect(inv.alarms).toEqual([]);
    const east = clients(emu.url, 'us-east-1');
    await expect(east.s3.send(new GetBucketReplicationCommand({ Bucket: 'shop-orders' }))).rejects.toMatchObject({ name: 'ReplicationConfigurationNotFoundError' });
    expect((await east.s3.send(new GetBucketVersioningCommand({ Bucket: 'shop-orders' }))).Status).toBe('Enabled');
    expect(readState(cwd).resources).toEqual({});
    // And apply brings it all back.
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await expectConverged(emu, cwd);
  });

  it('keeps state in S3 with backend: s3, and releases the lock object', async () => {
    const emu = await emulator();
    const east = clients(emu.url, 'us-east-1');
    await east.s3.send(new CreateBucketCommand({ Bucket: 'shop-tfstate' }));
    await east.s3.send(new PutBucketVersioningCommand({ Bucket: 'shop-tfstate', VersioningConfiguration: { Status: 'Enabled' } }));
    const cwd = workdir(`${CONFIG}\nstate: { backend: s3, bucket: shop-tfstate, key: s3repl/shop.json, region: us-east-1 }\n`);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const obj = await east.s3.send(new GetObjectCommand({ Bucket: 'shop-tfstate', Key: 's3repl/shop.json' }));
    const state = JSON.parse(await obj.Body!.transformToString());
    expect(Object.keys(state.resources)).toHaveLength(PLANNED);
    const keys = (await east.s3.send(new ListObjectsV2Command({ Bucket: 'shop-tfstate' }))).Contents?.map((o) => o.Key) ?? [];
    expect(keys).not.toContain('s3repl/shop.json.lock');
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(plan.code).toBe(0);
  });
});

