/**
 * Ownership on every path: a rename onto something made by hand is refused
 * like a create; a delete checks, right before deleting, that what is there is
 * still s3repl's, and leaves it otherwise; a bucket left half-made (a run
 * stopped after CreateBucket) is shown and completed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, GetBucketTaggingCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const config = (opts: { role?: string; prefix?: string } = {}) => `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  own-src: { create: true }
  own-dst: { create: true }
roles:
  replication: { name: ${opts.role ?? 's3repl-own'} }
${opts.prefix ? `alarms: { namePrefix: ${opts.prefix} }\n` : ''}replications:
  - source: own-src
    role: replication
    rules:
      - id: all
        destination: { bucket: own-dst }
        metrics: true
        alarms: { failedOperations: 1 }
`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

const emulators: Emulator[] = [];
async function emulator(): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 10 });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const state = (cwd: string) => JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8'));
const handAlarm = (name: string) =>
  new PutMetricAlarmCommand({
    AlarmName: name,
    AlarmDescription: 'paged by the storage team',
    Namespace: 'AWS/S3',
    MetricName: 'OperationsFailedReplication',
    Dimensions: [{ Name: 'SourceBucket', Value: 'own-src' }, { Name: 'DestinationBucket', Value: 'own-dst' }, { Name: 'RuleId', Value: 'all' }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 42,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });

describe('a new identity is checked like a create', () => {
  it('renaming the role onto a hand-made role is a plan error, not a raw EntityAlreadyExists; nothing changes', async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await clients(emu.url).iam.send(new CreateRoleCommand({ RoleName: 'their-role', AssumeRolePolicyDocument: TRUST }));
    writeFileSync(path.join(cwd, 'replication.yaml'), config({ role: 'their-role' }));
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('s3repl will not take over resources it does not manage');
    expect(r.stderr).toContain('IAM role their-role already exists and it was not created by s3repl');
    expect(r.stderr).not.toContain('EntityAlreadyExists');
    const theirs = await clients(emu.url).iam.send(new GetRoleCommand({ RoleName: 'their-role' }));
    expect(theirs.Role?.Tags ?? []).toEqual([]);
    expect((await clients(emu.url).iam.send(new GetRoleCommand({ RoleName: 's3repl-own' }))).Role).toBeDefined();
  });

  it("changing alarms.namePrefix onto hand-made alarms' names is refused; their threshold and description stay", async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await clients(emu.url).cloudwatch.send(handAlarm('ops-own-src-all-failed-operations'));
    writeFileSync(path.join(cwd, 'replication.yaml'), config({ prefix: 'ops' }));
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CloudWatch alarm ops-own-src-all-failed-operations already exists and was not created by s3repl');
    const [theirs] = (await clients(emu.url).cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['ops-own-src-all-failed-operations'] }))).MetricAlarms!;
    expect(theirs!.Threshold).toBe(42);
    expect(theirs!.AlarmDescription).toBe('paged by the storage team');
  });
});

describe('delete and destroy check ownership right before deleting', () => {
  it('a role deleted and made again by hand (with its own inline policy) is left in AWS and said so; the rest is destroyed', async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const iam = clients(emu.url).iam;
    // Someone deletes the role and makes their own under the same name.
    for (const p of (await iam.send(new ListRolePoliciesCommand({ RoleName: 's3repl-own' }))).PolicyNames ?? []) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: 's3repl-own', PolicyName: p }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: 's3repl-own' }));
    await iam.send(new CreateRoleCommand({ RoleName: 's3repl-own', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 's3repl-own', PolicyName: 's3repl-replication', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));

    const r = await runCli(['destroy', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('left in AWS');
    expect(r.stderr).toMatch(/role\.replication: IAM role s3repl-own was left in AWS: it has no s3repl ownership tags/);
    expect(r.stderr).toMatch(/role-policy\.replication: inline policy s3repl-replication of IAM role s3repl-own was left in AWS/);
    expect((await iam.send(new GetRoleCommand({ RoleName: 's3repl-own' }))).Role).toBeDefined();
    expect((await iam.send(new GetRolePolicyCommand({ RoleName: 's3repl-own', PolicyName: 's3repl-replication' }))).PolicyDocument).toBeDefined();
    // No longer managed; everything else s3repl made is gone.
    expect(Object.keys(state(cwd).resources).filter((a) => a.startsWith('role'))).toEqual([]);
    const alarms = (await clients(emu.url).cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
    expect(alarms).toEqual([]);
  });

  it('an alarm deleted and made again by hand is left, with its settings', async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const cw = clients(emu.url).cloudwatch;
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['s3repl-own-src-all-failed-operations'] }));
    await cw.send(handAlarm('s3repl-own-src-all-failed-operations'));
    const r = await runCli(['destroy', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('CloudWatch alarm s3repl-own-src-all-failed-operations (us-east-1) was left in AWS');
    const [theirs] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['s3repl-own-src-all-failed-operations'] }))).MetricAlarms!;
    expect(theirs!.Threshold).toBe(42);
  });
});

describe('a bucket left half-made is completed', () => {
  it('created by a run stopped after CreateBucket (no tags): the plan shows it and apply finishes it', async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    const s3 = clients(emu.url).s3;
    await s3.send(new CreateBucketCommand({ Bucket: 'own-src' }));
    const plan = await runCli(['plan', '--format', 'json'], { cwd, endpoint: emu.url });
    const b = JSON.parse(plan.stdout).changes.find((c: { address: string }) => c.address === 'bucket.own-src');
    expect(b.action).toBe('adopt');
    expect(b.changes).toEqual([{ path: 'tagged', kind: 'changed', before: false, after: true }]);
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
    const tags = Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: 'own-src' }))).TagSet ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ team: 'platform', 'managed-by': 's3repl', 's3repl:lineage': state(cwd).lineage });
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url })).code).toBe(0);
  });

  it("tags removed by hand: plan compares them, apply puts them back and keeps the bucket's other tags", async () => {
    const emu = await emulator();
    const cwd = workdir(config());
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const s3 = clients(emu.url).s3;
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'own-dst', Tagging: { TagSet: [{ Key: 'cost-center', Value: '42' }] } }));
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('# bucket.own-dst will be updated in-place');
    expect(plan.stdout).toMatch(/~ tagged\W+false\W+true/);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const tags = Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: 'own-dst' }))).TagSet ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ 'cost-center': '42', team: 'platform', 'managed-by': 's3repl' });
  });
});
