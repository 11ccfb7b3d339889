/**
 * An apply SIGKILLed while a Multi-Region Access Point is being created (the
 * asynchronous CreateMultiRegionAccessPoint accepted, its operation still in
 * progress): the state already records the operation with AWS's request
 * token, the next plan says the creation is in progress (not an adoption), and
 * the next apply polls that very request, sending no second
 * CreateMultiRegionAccessPoint, and then finishes the job.
 *
 * The emulator keeps every access point operation in progress until the test
 * drains it, so the kill always lands while the creation is under way, and the
 * second apply is the one that sees it through.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetMultiRegionAccessPointCommand, GetMultiRegionAccessPointRoutesCommand } from '@aws-sdk/client-s3-control';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { s3, s3control } from '../emulator/s3-testkit.js';
import { BIN, awsEnv, runCli, workdir, type RunResult } from '../helpers/cli.js';
import { runCliSignalled } from '../helpers/signals.js';

const ACCOUNT = '111111111111';
const MEMBERS: Array<[string, string]> = [
  ['kill-use1', 'us-east-1'],
  ['kill-euw1', 'eu-west-1'],
  ['kill-apse2', 'ap-southeast-2'],
];
const CONFIG = `
version: 1
defaults: { region: us-east-1 }
buckets:
  kill-use1: { create: true }
  kill-euw1: { region: eu-west-1, create: true }
  kill-apse2: { region: ap-southeast-2, create: true }
roles:
  mesh: { name: s3repl-kill-mesh }
multiRegionAccessPoints:
  kill-global:
    buckets: [kill-use1, kill-euw1, kill-apse2]
    role: mesh
    mesh: true
    routes: { active: [eu-west-1] }
`;

/** The progress line apply prints while it polls the creation, and the request it names. */
const CREATING = /creating Multi-Region Access Point kill-global: INPROGRESS, [^\n]*\(request (arn:[^)\s]+)\)/;

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

/** Runs apply; whenever it reports waiting for an access point operation or a route change, lets the emulator finish that work. */
function applyDraining(emu: Emulator, cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'apply', '--auto-approve'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...awsEnv(emu.url, ACCOUNT) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (/INPROGRESS|to take effect/.test(d)) emu.drain();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('an apply killed while a Multi-Region Access Point is being created', () => {
  it('SIGKILL mid-creation: recorded in state, planned as in progress, resumed by polling the recorded request (no second Create), then converges', async () => {
    const emu = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 10, mrapStepDelayMs: 3_600_000 });
    emulators.push(emu);
    const cwd = workdir(CONFIG);
    const createOperations = () => emu.services.s3control.mrap.snapshot().operations.filter((o) => o.Operation === 'CreateMultiRegionAccessPoint');
    const createCalls = () => emu.calls()['s3control:CreateMultiRegionAccessPoint'] ?? 0;

    // 1. Killed (no handler can run) while it polls the creation.
    const killed = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url, env: { AWS_ACCESS_KEY_ID: ACCOUNT } }, {
      steps: [{ when: (stderr) => CREATING.test(stderr), signal: 'SIGKILL' }],
    });
    expect(killed.sent, killed.stderr).toBe(1);
    expect(killed.killedBy).toBe('SIGKILL');
    const firstRequest = CREATING.exec(killed.stderr)![1]!;
    expect(createCalls()).toBe(1);
    expect(createOperations().map((o) => [o.RequestTokenARN, o.RequestStatus])).toEqual([[firstRequest, 'INPROGRESS']]);
    const control = s3control(emu, 'us-west-2', ACCOUNT);
    expect((await control.send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: 'kill-global' }))).AccessPoint?.Status).toBe('CREATING');
    // The state records the creation under way, with AWS's request token, as soon as AWS accepted it.
    const recorded = await runCli(['state', 'show', 'mrap.kill-global', '--format', 'json'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(recorded.code, recorded.stderr).toBe(0);
    expect((JSON.parse(recorded.stdout) as { operation?: unknown }).operation).toMatchObject({ type: 'create', request: firstRequest });

    // 2. The next plan says the creation is in progress (s3repl's own, not something to adopt), in text and JSON.
    const inProgress = await runCli(['plan'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(inProgress.code, inProgress.stderr).toBe(0);
    // The reason as a reader sees it, once its comment lines (wrapped, highlighted) are joined.
    const words = inProgress.stdout.replace(/\x1b\[[0-9;]*m/g, '').replace(/\s*\n\s*#\s*/g, ' ');
    expect(words).toContain(`mrap.kill-global will be updated in-place (creation in progress (request ${firstRequest}), started by an earlier apply`);
    // The access point's own entry (the replication configurations the killed run made may still be adopted:
    // they carry no ownership marks, and whether the kill came before or after them depends on timing).
    const plain = inProgress.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    const start = plain.indexOf('# mrap.kill-global ');
    expect(start).toBeGreaterThanOrEqual(0);
    const entry = plain.slice(start, plain.indexOf('\n\n', start));
    expect(entry).not.toMatch(/will be adopted|carries no s3repl ownership marks/);
    const json = await runCli(['plan', '--format', 'json'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(json.code, json.stderr).toBe(0);
    const change = (JSON.parse(json.stdout) as { changes: Array<{ address: string; action: string; operation?: { type: string; request: string } }> }).changes.find((c) => c.address === 'mrap.kill-global')!;
    expect(change.action).not.toBe('adopt');
    expect(change.operation).toMatchObject({ type: 'create', request: firstRequest });

    // 3. The next apply polls the recorded request: no second CreateMultiRegionAccessPoint is sent.
    const resumed = await applyDraining(emu, cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(createCalls()).toBe(1);
    expect(resumed.stderr).toContain(`resuming the operation an earlier apply started`);
    expect(CREATING.exec(resumed.stderr)?.[1], resumed.stderr).toBe(firstRequest);
    expect(createOperations().map((o) => [o.RequestTokenARN, o.RequestStatus])).toEqual([[firstRequest, 'SUCCEEDED']]);
    const ap = (await control.send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: 'kill-global' }))).AccessPoint!;
    expect(ap.Status).toBe('READY');
    expect(ap.Regions!.map((r) => r.Bucket).sort()).toEqual(MEMBERS.map(([b]) => b).sort());

    // 4. Converged: nothing left to do, everything recorded, the routes and the mesh in place.
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url, account: ACCOUNT });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const after = JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as { resources: Record<string, { operation?: unknown }> };
    expect(Object.keys(after.resources).filter((a) => a.startsWith('mrap'))).toEqual(['mrap-routes.kill-global', 'mrap.kill-global'].sort());
    // The operation is over: no longer recorded.
    expect(after.resources['mrap.kill-global']!.operation).toBeUndefined();
    const routes = await s3control(emu, 'us-east-1', ACCOUNT).send(
      new GetMultiRegionAccessPointRoutesCommand({ AccountId: ACCOUNT, Mrap: `arn:aws:s3::${ACCOUNT}:accesspoint/${ap.Alias!}` }),
    );
    expect(Object.fromEntries(routes.Routes!.map((r) => [r.Region, r.TrafficDialPercentage]))).toEqual({ 'us-east-1': 0, 'eu-west-1': 100, 'ap-southeast-2': 0 });
    await s3(emu, 'ap-southeast-2', ACCOUNT).send(new PutObjectCommand({ Bucket: 'kill-apse2', Key: 'k.txt', Body: 'from apse2' }));
    await emu.settled();
    for (const [bucket, region] of MEMBERS) {
      const got = await s3(emu, region, ACCOUNT).send(new GetObjectCommand({ Bucket: bucket, Key: 'k.txt' }));
      expect(await got.Body!.transformToString()).toBe('from apse2');
    }
    // Still one creation, ever, and one request for it.
    expect(createOperations()).toHaveLength(1);
    expect(createCalls()).toBe(1);
  }, 120_000);
});
