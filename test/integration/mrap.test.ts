/**
 * Multi-Region Access Points end to end, as a new user would: a three-Region
 * access point with mesh: true applies, objects written to any member reach
 * the others, failover moves traffic and --status shows it, drift reports the
 * routing until the configuration follows, and an apply killed while the
 * access point is being created resumes the operation it recorded in state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import * as path from 'node:path';
import { GetBucketReplicationCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateMultiRegionAccessPointCommand,
  GetMultiRegionAccessPointCommand,
  GetMultiRegionAccessPointPolicyCommand,
  GetMultiRegionAccessPointRoutesCommand,
} from '@aws-sdk/client-s3-control';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { s3, s3control } from '../emulator/s3-testkit.js';
import { BIN, ROOT, awsEnv, runCli, workdir } from '../helpers/cli.js';

const ACCOUNT = '111111111111';
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validateStatus = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/status.schema.json', import.meta.url), 'utf8')) as object);
const MEMBERS: Array<[string, string]> = [
  ['media-use1', 'us-east-1'],
  ['media-euw1', 'eu-west-1'],
  ['media-apse2', 'ap-southeast-2'],
];

const CONFIG = `
version: 1
defaults: { region: us-east-1 }
buckets:
  media-use1: { create: true }
  media-euw1: { region: eu-west-1, create: true }
  media-apse2: { region: ap-southeast-2, create: true }
roles:
  mesh: { name: s3repl-media-mesh }
multiRegionAccessPoints:
  media:
    buckets: [media-use1, media-euw1, media-apse2]
    role: mesh
    mesh: true
    routes: { active: [us-east-1] }
    policy:
      Version: '2012-10-17'
      Statement:
        - Effect: Allow
          Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }
          Action: ['s3:GetObject', 's3:PutObject']
          Resource: 'arn:aws:s3::${ACCOUNT}:accesspoint/*/object/*'
`;

const emulators: Emulator[] = [];
async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 5, jobStepDelayMs: 5, ...opts });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const control = (emu: Emulator) => s3control(emu, 'us-west-2', ACCOUNT);
async function accessPoint(emu: Emulator) {
  return (await control(emu).send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: 'media' }))).AccessPoint!;
}
async function routes(emu: Emulator): Promise<Record<string, number>> {
  const ap = await accessPoint(emu);
  const r = await s3control(emu, 'eu-west-1', ACCOUNT).send(
    new GetMultiRegionAccessPointRoutesCommand({ AccountId: ACCOUNT, Mrap: `arn:aws:s3::${ACCOUNT}:accesspoint/${ap.Alias!}` }),
  );
  return Object.fromEntries(r.Routes!.map((x) => [x.Region!, x.TrafficDialPercentage!]));
}

describe('a three-Region access point with mesh: true', () => {
  it('applies, replicates every way, fails over, shows it, and drift reports the routing until the configuration follows', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: ACCOUNT });

    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    const ap = await accessPoint(emu);
    expect(ap.Status).toBe('READY');
    expect(ap.Regions!.map((r) => r.Bucket).sort()).toEqual(MEMBERS.map(([b]) => b).sort());
    expect(await routes(emu)).toEqual({ 'us-east-1': 100, 'eu-west-1': 0, 'ap-southeast-2': 0 });
    for (const [bucket, region] of MEMBERS) {
      const rules = (await s3(emu, region, ACCOUNT).send(new GetBucketReplicationCommand({ Bucket: bucket }))).ReplicationConfiguration!.Rules!;
      expect(rules.map((r) => r.Destination!.Bucket).sort()).toEqual(MEMBERS.filter(([b]) => b !== bucket).map(([b]) => `arn:aws:s3:::${b}`).sort());
      for (const r of rules) {
        expect(r.SourceSelectionCriteria?.ReplicaModifications?.Status).toBe('Enabled');
        expect(r.DeleteMarkerReplication?.Status).toBe('Enabled');
        expect(r.Destination?.ReplicationTime?.Status).toBe('Enabled');
      }
    }

    // Written to any member, found in every other.
    for (const [bucket, region] of MEMBERS) {
      await s3(emu, region, ACCOUNT).send(new PutObjectCommand({ Bucket: bucket, Key: `from-${bucket}.txt`, Body: bucket }));
    }
    await emu.settled();
    for (const [bucket, region] of MEMBERS) {
      for (const [from] of MEMBERS) {
        const got = await s3(emu, region, ACCOUNT).send(new GetObjectCommand({ Bucket: bucket, Key: `from-${from}.txt` }));
        expect(await got.Body!.transformToString()).toBe(from);
      }
    }

    const plan = await run(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    const failover = await run(['failover', 'media', '--to', 'eu-west-1']);
    expect(failover.code, failover.stderr).toBe(0);
    expect(failover.stdout).toContain('media now sends its traffic to eu-west-1');
    expect(failover.stdout).toContain('routes.active: [us-east-1]');
    expect(await routes(emu)).toEqual({ 'us-east-1': 0, 'eu-west-1': 100, 'ap-southeast-2': 0 });
    expect(failover.stdout).toContain('Recorded in state as lastFailover of mrap-routes.media');
    const shown = await run(['state', 'show', 'mrap-routes.media']);
    expect(shown.stdout).toMatch(/lastFailover[\s\S]*eu-west-1[\s\S]*us-east-1/);

    const status = await run(['failover', 'media', '--status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/eu-west-1\s+media-euw1\s+active/);
    expect(status.stdout).toMatch(/us-east-1\s+media-use1\s+passive/);
    expect(status.stdout).toContain('media-use1 → media-euw1');

    const health = await run(['status', '--format', 'json']);
    expect([0, 2], health.stderr).toContain(health.code);
    expect(validateStatus(JSON.parse(health.stdout)), JSON.stringify(validateStatus.errors)).toBe(true);
    const report = JSON.parse(health.stdout) as { accessPoints: Array<{ name: string; status: string; regions: Array<{ region: string; trafficDialPercentage: number }>; replication: unknown[] }> };
    expect(report.accessPoints).toHaveLength(1);
    expect(report.accessPoints[0]).toMatchObject({ name: 'media', status: 'READY' });
    expect(Object.fromEntries(report.accessPoints[0]!.regions.map((r) => [r.region, r.trafficDialPercentage]))).toEqual({ 'us-east-1': 0, 'eu-west-1': 100, 'ap-southeast-2': 0 });
    expect(report.accessPoints[0]!.replication).toHaveLength(6);
    const text = await run(['status']);
    expect(text.stdout).toMatch(/Multi-Region Access Point media/);
    expect(text.stdout).toMatch(/eu-west-1\s+media-euw1\s+active/);

    const drift = await run(['drift']);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stdout).toContain('mrap-routes.media');

    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('active: [us-east-1]', 'active: [eu-west-1]'));
    const follow = await run(['apply', '--auto-approve']);
    expect(follow.code, follow.stderr).toBe(0);
    expect(await routes(emu)).toEqual({ 'us-east-1': 0, 'eu-west-1': 100, 'ap-southeast-2': 0 });
    const clean = await run(['drift']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });

  it('changing the member buckets is a replace that says the alias changes; policy and routes are set again', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG);
    const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: ACCOUNT });
    expect((await run(['apply', '--auto-approve'])).code).toBe(0);
    const before = await accessPoint(emu);

    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('buckets: [media-use1, media-euw1, media-apse2]', 'buckets: [media-use1, media-euw1]'));
    const plan = await run(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/mrap\.media[^\n]*replaced/);
    expect(plan.stdout).toContain(`its alias (${before.Alias!}) and ARN change`);

    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    const after = await accessPoint(emu);
    expect(after.Alias).not.toBe(before.Alias);
    expect(after.Regions!.map((r) => r.Bucket).sort()).toEqual(['media-euw1', 'media-use1']);
    expect(await routes(emu)).toEqual({ 'us-east-1': 100, 'eu-west-1': 0 });
    const policy = await control(emu).send(new GetMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, Name: 'media' }));
    expect(policy.Policy?.Established?.Policy).toContain('accesspoint/*/object/*');
    const again = await run(['plan', '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);

    const destroy = await run(['destroy', '--auto-approve']);
    expect(destroy.code, destroy.stderr).toBe(0);
    const gone = await control(emu).send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: 'media' })).catch((e: Error) => e);
    expect((gone as Error).name).toBe('NoSuchMultiRegionAccessPoint');
  });

  it('refuses to fail over into a Region that nothing replicates to', async () => {
    const emu = await emulator();
    const cwd = workdir(CONFIG.replace('mesh: true', 'mesh: false').replace('    role: mesh\n', ''));
    const apply = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(apply.code, apply.stderr).toBe(0);
    const refused = await runCli(['failover', 'media', '--to', 'ap-southeast-2'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing replicates media-use1 → media-apse2');
    expect(await routes(emu)).toEqual({ 'us-east-1': 100, 'eu-west-1': 0, 'ap-southeast-2': 0 });
    const forced = await runCli(['failover', 'media', '--to', 'ap-southeast-2', '--force'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await routes(emu)).toEqual({ 'us-east-1': 0, 'eu-west-1': 0, 'ap-southeast-2': 100 });
  });

  it('an apply killed while the access point is being created resumes the operation it recorded, sending no second Create', async () => {
    // Each asynchronous step waits until drained: the first apply is killed while it polls.
    const emu = await emulator({ jobStepDelayMs: 3_600_000 });
    const cwd = workdir(CONFIG);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'apply', '--auto-approve'], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, ...awsEnv(emu.url, ACCOUNT) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.setEncoding('utf8');
      let err = '';
      child.stderr.on('data', (d: string) => {
        err += d;
        if (err.includes('creating Multi-Region Access Point media: INPROGRESS')) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`apply ended (${code}) before it was killed:\n${err}`))));
    });
    const operations = () => emu.services.s3control.mrap.snapshot().operations.filter((o) => o.Operation === 'CreateMultiRegionAccessPoint');
    expect(operations()).toHaveLength(1);
    expect((await accessPoint(emu)).Status).toBe('CREATING');

    const second = spawn(process.execPath, [BIN, 'apply', '--auto-approve'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...awsEnv(emu.url, ACCOUNT) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    second.stdout.setEncoding('utf8');
    second.stderr.setEncoding('utf8');
    second.stdout.on('data', (d: string) => (out += d));
    const done = new Promise<number>((resolve) => second.on('close', (code) => resolve(code ?? -1)));
    // Let the asynchronous work finish whenever the second apply waits for it.
    second.stderr.on('data', (d: string) => {
      out += d;
      if (/INPROGRESS|to take effect/.test(d)) emu.drain();
    });
    const code = await done;
    expect(code, out).toBe(0);
    // The killed run had recorded the creation: it is resumed by polling, not sent again.
    expect(out).toMatch(/mrap\.media will be updated in-place\s*#\s*\(creation in progress \(request\s*(#\s*)?arn:aws:s3:us-west-2:111111111111:async-request\/mrap\/create\//);
    expect(out).toContain('creating Multi-Region Access Point media: resuming the operation an earlier apply started');
    expect(out).not.toContain('mrap.media will be adopted');
    expect(emu.calls()['s3control:CreateMultiRegionAccessPoint']).toBe(1);
    expect(operations()).toHaveLength(1);
    expect((await accessPoint(emu)).Status).toBe('READY');
  });

  describe('an access point that already exists, made outside s3repl', () => {
    /** Buckets made by hand (versioned), and an access point over `members` created with the console's defaults, waited for. */
    async function madeByHand(emu: Emulator, members: Array<[string, string]>): Promise<string> {
      for (const [bucket, region] of MEMBERS) {
        const c = s3(emu, region, ACCOUNT);
        await c.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }) }));
        await c.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      }
      await control(emu).send(
        new CreateMultiRegionAccessPointCommand({
          AccountId: ACCOUNT,
          ClientToken: 'made-by-hand',
          Details: {
            Name: 'media',
            PublicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
            Regions: members.map(([Bucket]) => ({ Bucket })),
          },
        }),
      );
      await emu.settled();
      const ap = await accessPoint(emu);
      expect(ap.Status).toBe('READY');
      return ap.Alias!;
    }
    const HAND_CONFIG = CONFIG.replaceAll('{ create: true }', '{}').replaceAll(', create: true }', ' }');

    it('with the configured buckets: the plan adopts it, apply records it and creates no second one', async () => {
      const emu = await emulator();
      const alias = await madeByHand(emu, MEMBERS);
      const cwd = workdir(HAND_CONFIG);
      const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: ACCOUNT });

      const plan = await run(['plan']);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/# mrap\.media will be adopted/);
      const apply = await run(['apply', '--auto-approve']);
      expect(apply.code, apply.stderr).toBe(0);
      expect((await accessPoint(emu)).Alias).toBe(alias);
      expect(emu.services.s3control.mrap.snapshot().operations.filter((o) => o.Operation === 'CreateMultiRegionAccessPoint')).toHaveLength(1);
      const shown = await run(['state', 'show', 'mrap.media']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('members: media-apse2,media-euw1,media-use1');
      // Its routing and policy are now the configured ones.
      expect(await routes(emu)).toEqual({ 'us-east-1': 100, 'eu-west-1': 0, 'ap-southeast-2': 0 });
      const again = await run(['plan', '--detailed-exitcode']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it('with other buckets: refused before anything changes, saying why and what to do', async () => {
      const emu = await emulator();
      const alias = await madeByHand(emu, MEMBERS.slice(0, 2));
      const cwd = workdir(HAND_CONFIG);
      const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: ACCOUNT });
      const calls = () => emu.calls()['s3:PutBucketReplication'] ?? 0;

      const apply = await run(['apply', '--auto-approve']);
      expect(apply.code).toBe(1);
      expect(apply.stderr).toContain("mrap.media: Multi-Region Access Point media (media-apse2, media-euw1, media-use1) exists and is not s3repl's, and buckets cannot be changed in place (buckets: the member buckets are fixed when an access point is created)");
      expect(apply.stderr).toContain('make the configuration match it, or delete it yourself');
      expect(apply.stderr).not.toMatch(/\n\s+at /);
      // Refused when planning: nothing was created or changed.
      expect(calls()).toBe(0);
      expect(emu.calls()['iam:CreateRole'] ?? 0).toBe(0);
      expect((await accessPoint(emu)).Alias).toBe(alias);
    });
  });

  it('examples/multi-region-access-point.yaml, run as its comments and the guide say', async () => {
    const emu = await emulator();
    const cwd = workdir(readFileSync(path.join(ROOT, 'examples/multi-region-access-point.yaml'), 'utf8'));
    const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: ACCOUNT });
    const members: Array<[string, string]> = [
      ['acme-media-use1', 'us-east-1'],
      ['acme-media-euw1', 'eu-west-1'],
      ['acme-media-apse2', 'ap-southeast-2'],
    ];

    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/Multi-Region Access Point media is READY: alias [a-z0-9]+\.mrap/);
    await s3(emu, 'eu-west-1', ACCOUNT).send(new PutObjectCommand({ Bucket: 'acme-media-euw1', Key: 'cat.jpg', Body: 'meow' }));
    await emu.settled();
    for (const [bucket, region] of members) {
      const got = await s3(emu, region, ACCOUNT).send(new GetObjectCommand({ Bucket: bucket, Key: 'cat.jpg' }));
      expect(await got.Body!.transformToString()).toBe('meow');
    }

    const before = await run(['failover', 'media', '--status']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/us-east-1\s+acme-media-use1\s+active/);
    expect(before.stdout).toMatch(/eu-west-1\s+acme-media-euw1\s+passive/);

    const failover = await run(['failover', 'media', '--to', 'eu-west-1']);
    expect(failover.code, failover.stderr).toBe(0);
    const status = await run(['status']);
    expect(status.stdout).toMatch(/eu-west-1\s+acme-media-euw1\s+active/);
    expect(status.stdout).toMatch(/us-east-1\s+acme-media-use1\s+passive/);

    // The configuration still says us-east-1: plan reports the routing as changed outside s3repl and would restore it.
    const plan = await run(['plan', '--detailed-exitcode', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(2);
    const doc = JSON.parse(plan.stdout) as { drift: Array<{ address: string }>; changes: Array<{ address: string; action: string }> };
    expect(doc.drift.map((d) => d.address)).toContain('mrap-routes.media');
    expect(doc.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.address}`)).toEqual(['update mrap-routes.media']);
  });
});
