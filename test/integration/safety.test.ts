/**
 * Safeguards around apply: another configuration's state is refused, plans made
 * before any state exists are the same on every run, a stale saved plan names
 * what moved, and the hints say the right command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetBucketReplicationCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const config = (src: string, dst: string, role: string) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  ${src}: { create: true }
  ${dst}: { create: true }
roles:
  replication: { name: ${role} }
replications:
  - source: ${src}
    role: replication
    rules:
      - id: all
        destination: { bucket: ${dst} }
`;
const TEAM_A = config('team-a-src', 'team-a-dst', 's3repl-team-a');
const TEAM_B = config('team-b-src', 'team-b-dst', 's3repl-team-b');

const emulators: Emulator[] = [];
async function emulator(): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 10 });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

describe('foreign state', () => {
  it("refuses to apply another configuration's state (which would delete its resources), unless told to", async () => {
    const emu = await emulator();
    const a = workdir(TEAM_A);
    expect((await runCli(['apply', '--auto-approve'], { cwd: a, endpoint: emu.url })).code).toBe(0);
    // Team B copies team A's state file by mistake.
    const b = workdir(TEAM_B);
    mkdirSync(path.join(b, '.s3repl'));
    writeFileSync(path.join(b, '.s3repl/state.json'), readFileSync(path.join(a, '.s3repl/state.json')));

    const plan = await runCli(['plan'], { cwd: b, endpoint: emu.url });
    expect(plan.code).toBe(0);
    // The text output wraps long lines.
    expect(plan.stdout.replace(/\s+/g, ' ')).toContain("This looks like another configuration's state (a copied state key or path). apply refuses this plan");

    const r = await runCli(['apply', '--auto-approve'], { cwd: b, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply');
    expect(r.stderr).toContain('replication.yaml names none of them');
    expect(r.stderr).toContain('role.replication');
    expect(r.stderr).toContain('--allow-foreign-state');
    // Team A's setup is untouched, and so is the copied state.
    const east = clients(emu.url);
    expect((await east.s3.send(new GetBucketReplicationCommand({ Bucket: 'team-a-src' }))).ReplicationConfiguration?.Rules).toHaveLength(1);
    expect((await east.iam.send(new GetRoleCommand({ RoleName: 's3repl-team-a' }))).Role).toBeDefined();
    expect(readFileSync(path.join(b, '.s3repl/state.json'), 'utf8')).toBe(readFileSync(path.join(a, '.s3repl/state.json'), 'utf8'));

    // On purpose: it goes ahead, and says so.
    const forced = await runCli(['apply', '--auto-approve', '--allow-foreign-state'], { cwd: b, endpoint: emu.url });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('going ahead (--allow-foreign-state)');
    await expect(east.iam.send(new GetRoleCommand({ RoleName: 's3repl-team-a' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('a configuration that keeps some of what the state records is not foreign', async () => {
    const emu = await emulator();
    const cwd = workdir(TEAM_A);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    // The role is renamed: a replace, plus everything else kept.
    writeFileSync(path.join(cwd, 'replication.yaml'), TEAM_A.replace('s3repl-team-a', 's3repl-team-a2'));
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('foreign');
  });
});

describe('plans before any state exists', () => {
  it('are the same on every run (no random lineage in the PR comment), and a first apply uses that lineage', async () => {
    const emu = await emulator();
    const cwd = workdir(TEAM_A);
    const first = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    const second = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const text1 = await runCli(['plan'], { cwd, endpoint: emu.url });
    const text2 = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(text2.stdout).toBe(text1.stdout);
    const lineage = /s3repl:lineage.*?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/s.exec(text1.stdout)?.[1];
    expect(lineage).toBeDefined();
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')).lineage).toBe(lineage);
    // drift before any state exists: the same report on every run, but for the time it was made.
    const fresh = workdir(TEAM_A.replaceAll('team-a', 'team-c'));
    const drifts = await Promise.all([0, 1].map(() => runCli(['drift', '--format', 'json'], { cwd: fresh, endpoint: emu.url })));
    const [d1, d2] = drifts.map((d) => ({ ...JSON.parse(d.stdout), generatedAt: '' }));
    expect(JSON.stringify(d1)).toContain('s3repl:lineage');
    expect(d2).toEqual(d1);
    // Another configuration gets another lineage.
    const other = await runCli(['plan', '--format', 'json'], { cwd: workdir(TEAM_B), endpoint: emu.url });
    expect(JSON.parse(other.stdout).state.lineage).not.toBe(lineage);
  });
});

describe('messages', () => {
  it('a stale saved plan names what moved in AWS', async () => {
    const emu = await emulator();
    const cwd = workdir(TEAM_A);
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd, endpoint: emu.url })).code).toBe(0);
    expect((await runCli(['apply', 'plan.json'], { cwd, endpoint: emu.url })).code).toBe(0);
    writeFileSync(path.join(cwd, 'replication.yaml'), TEAM_A.replace('destination: { bucket: team-a-dst }', 'destination: { bucket: team-a-dst, storageClass: GLACIER }'));
    expect((await runCli(['plan', '--out', 'plan2.json'], { cwd, endpoint: emu.url })).code).toBe(0);
    await clients(emu.url).s3.send(new PutBucketVersioningCommand({ Bucket: 'team-a-dst', VersioningConfiguration: { Status: 'Suspended' } }));
    const r = await runCli(['apply', 'plan2.json'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('resources in AWS changed since the plan was made');
    expect(r.stderr).toMatch(/versioning\.team-a-dst: status changed/);
    expect(r.stderr).not.toContain('replication.team-a-src:');
  });

  it('destroy without a terminal suggests plan --destroy --out, not the apply commands', async () => {
    const emu = await emulator();
    const cwd = workdir(TEAM_A);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const r = await runCli(['destroy'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('s3repl plan --destroy --out destroy.json');
    expect(r.stderr).toContain('s3repl apply destroy.json');
  });

  it('state list on a state with no resources says so', async () => {
    const emu = await emulator();
    const cwd = workdir(TEAM_A);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    expect((await runCli(['destroy', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const r = await runCli(['state', 'list'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/The state at .*state\.json records no resources \(serial \d+\)\./);
  });
});
