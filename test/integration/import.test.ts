/**
 * `s3repl import` end to end: setups made by hand through the SDK against the
 * emulator, imported with the built CLI, then checked the way a user would:
 * the file validates, `plan --detailed-exitcode` shows no changes (or, for V1
 * rules, only the explained format change), and state lists what was adopted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  type BucketLocationConstraint,
  type ReplicationRule,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand, PutRolePolicyCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { parseDocument } from 'yaml';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, spawnCli, type RunResult } from '../helpers/cli.js';
import { VERSION } from '../../src/version.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ replicationDelayMs: 10 });
});
afterAll(async () => {
  await emu.stop();
});

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

async function role(name: string): Promise<string> {
  const { iam } = clients(emu.url);
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'hand-written',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
    }),
  );
  return `arn:aws:iam::${ACCOUNT}:role/${name}`;
}

async function bucket(name: string, region = 'us-east-1', account = ACCOUNT): Promise<void> {
  const { s3 } = clients(emu.url, region, account);
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function replicate(source: string, region: string, roleArn: string, rules: ReplicationRule[]): Promise<void> {
  const { s3 } = clients(emu.url, region);
  await s3.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: roleArn, Rules: rules } }));
}

const dir = () => mkdtempSync(path.join(tmpdir(), 's3repl-import-'));
const run = (args: string[], cwd: string) => runCli(args, { cwd, endpoint: emu.url });
const bucketArgs = (names: string[]) => names.flatMap((n) => ['--bucket', n]);

interface RoundTrip {
  cwd: string;
  imported: RunResult;
  yaml: string;
  validate: RunResult;
  plan: RunResult;
  planJson: { summary: Record<string, number>; changes: Array<{ address: string; action: string; reasons: string[]; changes: Array<{ path: string; before?: unknown; after?: unknown }> }> };
  addresses: string[];
}

/** import, then validate, plan and state list, as a user would right after. */
async function roundTrip(sources: string[], extra: string[] = []): Promise<RoundTrip> {
  const cwd = dir();
  const imported = await run(['import', ...bucketArgs(sources), ...extra], cwd);
  expect(imported.code, imported.stderr).toBe(0);
  const yaml = readFileSync(path.join(cwd, 'replication.yaml'), 'utf8');
  const validate = await run(['validate', '--strict'], cwd);
  const plan = await run(['plan', '--detailed-exitcode'], cwd);
  const json = await run(['plan', '--format', 'json'], cwd);
  expect(json.code, json.stderr).toBe(0);
  const list = await run(['state', 'list', '--format', 'json'], cwd);
  expect(list.code, list.stderr).toBe(0);
  const addresses = (JSON.parse(list.stdout) as Array<{ address: string }>).map((r) => r.address).sort();
  return { cwd, imported, yaml, validate, plan, planJson: JSON.parse(json.stdout), addresses };
}

function expectNoChanges(r: RoundTrip): void {
  expect(r.validate.code, r.validate.stdout).toBe(0);
  expect(r.plan.stdout + r.plan.stderr).toContain('No changes');
  expect(r.plan.code, r.plan.stdout + r.plan.stderr).toBe(0);
  expect(r.planJson.changes.every((c) => c.action === 'no-op')).toBe(true);
}

describe('import round trips: import, validate, plan shows no changes, state lists what was adopted', () => {
  it('(a) converts V1 rules to the V2 form: the plan shows format V1 → V2 and priorities by position, and explains it', async () => {
    const roleArn = await role('v1-role');
    await bucket('v1-src');
    await bucket('v1-dst', 'us-west-2');
    // The legacy schema: rule-level Prefix, no Filter, no Priority, no DeleteMarkerReplication.
    await replicate('v1-src', 'us-east-1', roleArn, [
      { ID: 'logs', Prefix: 'logs/', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::v1-dst', StorageClass: 'STANDARD_IA' } },
      { ID: 'images', Prefix: 'img/', Status: 'Disabled', Destination: { Bucket: 'arn:aws:s3:::v1-dst' } },
    ]);
    const r = await roundTrip(['v1-src']);

    expect(r.imported.stdout).toContain('format: V1 → V2');
    expect(r.imported.stdout).toMatch(/V1 rules converted to the V2 form: logs, images/);
    expect(r.imported.stdout).toMatch(/delete markers stay replicated/);
    expect(r.yaml).toMatch(/# Converted from a V1 rule \(rule-level Prefix, no Filter\)/);
    const doc = parseDocument(r.yaml).toJS() as { replications: Array<{ rules: Array<Record<string, unknown>> }> };
    expect(doc.replications[0]!.rules).toEqual([
      { id: 'logs', priority: 1, status: 'enabled', filter: { prefix: 'logs/' }, destination: { bucket: 'v1-dst', storageClass: 'STANDARD_IA' }, deleteMarkers: true },
      { id: 'images', priority: 2, status: 'disabled', filter: { prefix: 'img/' }, destination: { bucket: 'v1-dst' }, deleteMarkers: true },
    ]);

    expect(r.validate.code, r.validate.stdout).toBe(0);
    expect(r.plan.code).toBe(2);
    const changed = r.planJson.changes.filter((c) => c.action !== 'no-op');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.address).toBe('replication.v1-src');
    expect(changed[0]!.action).toBe('update');
    // V1 rules have no priority; the V2 form numbers them (s3repl requires distinct priorities).
    expect(changed[0]!.changes).toEqual([
      { path: 'format', kind: 'changed', before: 'V1', after: 'V2' },
      { path: 'rules.images.priority', kind: 'changed', before: 0, after: 2 },
      { path: 'rules.logs.priority', kind: 'changed', before: 0, after: 1 },
    ]);
    expect(changed[0]!.reasons.join(' ')).toMatch(/legacy V1 schema/);
    expect(r.plan.stdout).toMatch(/legacy V1 schema/);
    expect(r.addresses).toEqual(['replication.v1-src', 'versioning.v1-dst', 'versioning.v1-src']);
  });

  it('(b) keeps tag filters: And with a prefix and two tags, a single Tag, and an id AWS generated', async () => {
    const roleArn = await role('tags-role');
    await bucket('tags-src');
    await bucket('tags-dst');
    await replicate('tags-src', 'us-east-1', roleArn, [
      {
        ID: 'tagged-docs',
        Priority: 5,
        Status: 'Enabled',
        Filter: { And: { Prefix: 'docs/', Tags: [{ Key: 'replicate', Value: 'yes' }, { Key: 'class', Value: 'public' }] } },
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: { Bucket: 'arn:aws:s3:::tags-dst' },
      },
      {
        Priority: 2,
        Status: 'Enabled',
        Filter: { Tag: { Key: 'team', Value: 'blue' } },
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: { Bucket: 'arn:aws:s3:::tags-dst', StorageClass: 'GLACIER_IR' },
      },
    ]);
    const r = await roundTrip(['tags-src']);
    expectNoChanges(r);
    const doc = parseDocument(r.yaml).toJS() as { replications: Array<{ rules: Array<Record<string, unknown>> }> };
    const [first, second] = doc.replications[0]!.rules;
    expect(first).toEqual({
      id: 'tagged-docs',
      priority: 5,
      status: 'enabled',
      filter: { prefix: 'docs/', tags: { class: 'public', replicate: 'yes' } },
      destination: { bucket: 'tags-dst' },
      deleteMarkers: false,
    });
    expect(second!.filter).toEqual({ tags: { team: 'blue' } });
    expect(String(second!.id)).toHaveLength(48);
    expect(r.yaml).toContain('# id generated by AWS');
    expect(r.addresses).toEqual(['replication.tags-src', 'versioning.tags-dst', 'versioning.tags-src']);
  });

  it('(c) keeps SSE-KMS replication: sseKms, the replica key, and the destination\'s S3 Bucket Key (bucketKey) and default key (kmsKey)', async () => {
    const roleArn = await role('kms-role');
    const key = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await bucket('kms-src');
    await bucket('kms-dst', 'us-west-2');
    await clients(emu.url, 'us-west-2').s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'kms-dst',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }] },
      }),
    );
    await replicate('kms-src', 'us-east-1', roleArn, [
      {
        ID: 'encrypted',
        Priority: 1,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: { Bucket: 'arn:aws:s3:::kms-dst', EncryptionConfiguration: { ReplicaKmsKeyID: key } },
      },
    ]);
    const r = await roundTrip(['kms-src']);
    expectNoChanges(r);
    const doc = parseDocument(r.yaml).toJS() as { buckets: Record<string, unknown>; replications: Array<{ rules: Array<Record<string, unknown>> }> };
    expect(doc.replications[0]!.rules[0]).toMatchObject({ encryption: { sseKms: true, replicaKmsKey: key }, deleteMarkers: true });
    // The generated KMS conditions then allow the bucket ARN, the encryption context S3 uses with a Bucket Key.
    // Its default SSE-KMS key is kept too: plaintext objects' replicas need kms:GenerateDataKey on it.
    expect(doc.buckets['kms-dst']).toEqual({ region: 'us-west-2', create: false, bucketKey: true, kmsKey: key });
    expect(doc.buckets['kms-src']).toEqual({ region: 'us-east-1', create: false });
    // The encryption the generated policy relies on is recorded too, so a Bucket Key or default key changed later is drift.
    expect(r.addresses).toEqual(['bucket-encryption.kms-dst', 'bucket-encryption.kms-src', 'replication.kms-src', 'versioning.kms-dst', 'versioning.kms-src']);

    // Recorded with the live values: drift is detected from now on.
    const clean = await run(['drift'], r.cwd);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    await replicate('kms-src', 'us-east-1', roleArn, [
      {
        ID: 'encrypted',
        Priority: 1,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: { Bucket: 'arn:aws:s3:::kms-dst', EncryptionConfiguration: { ReplicaKmsKeyID: key }, StorageClass: 'GLACIER' },
      },
    ]);
    const drifted = await run(['drift', '--format', 'json'], r.cwd);
    expect(drifted.code, drifted.stderr).toBe(2);
    const report = JSON.parse(drifted.stdout) as { hasDrift: boolean; drift: Array<{ address: string }> };
    expect(report.hasDrift).toBe(true);
    expect(report.drift.map((d) => d.address)).toEqual(['replication.kms-src']);
  });

  it('(d) imports two-way replication between two buckets with replica modification sync on both sides', async () => {
    const roleArn = await role('two-way-role');
    await bucket('tw-east');
    await bucket('tw-west', 'us-west-2');
    const rule = (dest: string): ReplicationRule => ({
      ID: `to-${dest}`,
      Priority: 1,
      Status: 'Enabled',
      Filter: {},
      SourceSelectionCriteria: { ReplicaModifications: { Status: 'Enabled' } },
      DeleteMarkerReplication: { Status: 'Enabled' },
      Destination: { Bucket: `arn:aws:s3:::${dest}` },
    });
    await replicate('tw-east', 'us-east-1', roleArn, [rule('tw-west')]);
    await replicate('tw-west', 'us-west-2', roleArn, [rule('tw-east')]);
    const r = await roundTrip(['tw-east', 'tw-west']);
    expectNoChanges(r);
    const doc = parseDocument(r.yaml).toJS() as { roles: Record<string, unknown>; replications: Array<{ source: string; role: string; rules: Array<Record<string, unknown>> }> };
    expect(doc.roles).toEqual({ 'two-way-role': { arn: roleArn } });
    expect(doc.replications.map((x) => [x.source, x.role, x.rules[0]!.replicaModifications])).toEqual([
      ['tw-east', 'two-way-role', true],
      ['tw-west', 'two-way-role', true],
    ]);
    // The role is used as is: not in state.
    expect(r.addresses).toEqual(['replication.tw-east', 'replication.tw-west', 'versioning.tw-east', 'versioning.tw-west']);
  });

  it('(e) imports RTC, metrics and alarms made by hand with s3repl-style names; reports alarms it cannot express', async () => {
    const roleArn = await role('rtc-role');
    const topic = `arn:aws:sns:us-east-1:${ACCOUNT}:replication-alerts`;
    const westTopic = `arn:aws:sns:us-west-2:${ACCOUNT}:replication-alerts`;
    await bucket('rtc-src');
    await bucket('rtc-dr', 'us-west-2');
    await bucket('rtc-logs');
    await replicate('rtc-src', 'us-east-1', roleArn, [
      {
        ID: 'to-dr',
        Priority: 2,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: {
          Bucket: 'arn:aws:s3:::rtc-dr',
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
        },
      },
      {
        ID: 'logs',
        Priority: 1,
        Status: 'Enabled',
        Filter: { Prefix: 'logs/' },
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: { Bucket: 'arn:aws:s3:::rtc-logs', Metrics: { Status: 'Enabled' } },
      },
    ]);
    const { cloudwatch } = clients(emu.url);
    const westCloudwatch = clients(emu.url, 'us-west-2').cloudwatch;
    // Exactly what s3repl would create (prefix "ops", 3 evaluation periods), but made by hand:
    // each alarm where S3 publishes its metric (latency in the destination's region).
    const alarm = (rule: string, dest: string, metric: string, suffix: string, over: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput => ({
      AlarmName: `ops-rtc-src-${rule}-${suffix}`,
      AlarmDescription: `s3repl: ${metric} of replication rule ${rule} (rtc-src → ${dest})`,
      Namespace: 'AWS/S3',
      MetricName: metric,
      Dimensions: [
        { Name: 'SourceBucket', Value: 'rtc-src' },
        { Name: 'DestinationBucket', Value: dest },
        { Name: 'RuleId', Value: rule },
      ],
      Period: 60,
      EvaluationPeriods: 3,
      AlarmActions: [topic],
      OKActions: [topic],
      ...over,
    });
    await westCloudwatch.send(
      new PutMetricAlarmCommand(
        alarm('to-dr', 'rtc-dr', 'ReplicationLatency', 'latency', { Statistic: 'Maximum', Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'ignore', AlarmActions: [westTopic], OKActions: [westTopic] }),
      ),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand(
        alarm('to-dr', 'rtc-dr', 'OperationsFailedReplication', 'failed-operations', { Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', DatapointsToAlarm: 1 }),
      ),
    );
    // In the source region, where an earlier s3repl put it: S3 publishes BytesPendingReplication in the destination's.
    await cloudwatch.send(
      new PutMetricAlarmCommand(alarm('to-dr', 'rtc-dr', 'BytesPendingReplication', 'pending-bytes', { Statistic: 'Maximum', Threshold: 1e9, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' })),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand(
        alarm('logs', 'rtc-logs', 'OperationsPendingReplication', 'pending-operations', { Statistic: 'Maximum', Threshold: 5000, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [], OKActions: [] }),
      ),
    );
    // Watches a rule, but its name cannot be expressed in replication.yaml.
    await westCloudwatch.send(
      new PutMetricAlarmCommand({ ...alarm('to-dr', 'rtc-dr', 'ReplicationLatency', 'latency', { Statistic: 'Maximum', Threshold: 60, ComparisonOperator: 'GreaterThanThreshold' }), AlarmName: 'dr-replication-is-slow' }),
    );

    const r = await roundTrip(['rtc-src']);
    expectNoChanges(r);
    const doc = parseDocument(r.yaml).toJS() as { alarms: unknown; replications: Array<{ rules: Array<Record<string, unknown>> }> };
    expect(doc.alarms).toEqual({ namePrefix: 'ops', evaluationPeriods: 3 });
    const [dr, logs] = doc.replications[0]!.rules;
    expect(dr).toMatchObject({ id: 'to-dr', priority: 2, rtc: true, alarms: { latencySeconds: 900, failedOperations: 1, notify: [westTopic, topic] } });
    expect(dr!.metrics).toBeUndefined();
    expect(logs).toMatchObject({ id: 'logs', priority: 1, metrics: true, alarms: { pendingOperations: 5000 } });
    expect(r.imported.stdout).toMatch(/CloudWatch alarm dr-replication-is-slow \(us-west-2\): its name does not follow s3repl's naming/);
    expect(r.imported.stdout).toMatch(/CloudWatch alarm ops-rtc-src-to-dr-pending-bytes \(us-east-1\): it is in us-east-1, but S3 publishes BytesPendingReplication in us-west-2/);
    expect(r.addresses).toEqual([
      'alarm.rtc-src.logs.pending-operations',
      'alarm.rtc-src.to-dr.failed-operations',
      'alarm.rtc-src.to-dr.latency',
      'replication.rtc-src',
      'versioning.rtc-dr',
      'versioning.rtc-logs',
      'versioning.rtc-src',
    ]);
  });

  it('(f) imports a cross-account destination: Account and owner override, the bucket found in its region and left alone', async () => {
    const roleArn = await role('xacct-role');
    await bucket('xacct-src');
    await bucket('xacct-audit', 'eu-west-1', OTHER);
    await replicate('xacct-src', 'us-east-1', roleArn, [
      {
        ID: 'audit-copy',
        Priority: 1,
        Status: 'Enabled',
        Filter: { Prefix: 'ledger/' },
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: { Bucket: 'arn:aws:s3:::xacct-audit', Account: OTHER, AccessControlTranslation: { Owner: 'Destination' }, StorageClass: 'STANDARD_IA' },
      },
    ]);
    const r = await roundTrip(['xacct-src']);
    // validate --strict fails on the one warning: the file does not say how to reach account OTHER (accounts:).
    expect(r.validate.code).toBe(1);
    expect(r.validate.stdout + r.validate.stderr).toContain('warning[account-without-credentials]');
    expect(r.plan.stdout + r.plan.stderr).toContain('No changes');
    expect(r.plan.code).toBe(0);
    const doc = parseDocument(r.yaml).toJS() as { buckets: Record<string, unknown>; replications: Array<{ rules: Array<Record<string, unknown>> }> };
    expect(doc.buckets['xacct-audit']).toEqual({ region: 'eu-west-1', account: OTHER, create: false });
    expect(r.yaml).toContain(`account: "${OTHER}"`);
    expect(doc.replications[0]!.rules[0]!.destination).toEqual({ bucket: 'xacct-audit', storageClass: 'STANDARD_IA', ownerOverride: true });
    // Another account's bucket: s3repl neither reads nor records it.
    expect(r.addresses).toEqual(['replication.xacct-src', 'versioning.xacct-src']);
  });
});

describe('import: adopting the role', () => {
  it('--adopt-role writes name:, records the role, and the next plan shows (and the import explains) the new policies', async () => {
    const roleArn = await role('adopt-role');
    await clients(emu.url).iam.send(new TagRoleCommand({ RoleName: 'adopt-role', Tags: [{ Key: 'team', Value: 'storage' }] }));
    await bucket('adopt-src');
    await bucket('adopt-dst');
    await replicate('adopt-src', 'us-east-1', roleArn, [
      { ID: 'copy', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::adopt-dst' } },
    ]);
    const r = await roundTrip(['adopt-src'], ['--adopt-role']);
    const doc = parseDocument(r.yaml).toJS() as { defaults: Record<string, unknown>; roles: Record<string, unknown> };
    expect(doc.roles).toEqual({ 'adopt-role': { name: 'adopt-role' } });
    expect(doc.defaults.tags).toEqual({ team: 'storage' });
    expect(r.imported.stdout).toMatch(/role\.adopt-role: IAM role adopt-role is adopted: its trust policy becomes s3repl's/);
    expect(r.imported.stdout).toMatch(/role-policy\.adopt-role: inline policy s3repl-replication of role adopt-role is created/);
    expect(r.imported.stdout).toMatch(/hand-written\) is left as it is/);
    expect(r.addresses).toEqual(['replication.adopt-src', 'role.adopt-role', 'versioning.adopt-dst', 'versioning.adopt-src']);
    expect(r.validate.code).toBe(0);
    expect(r.plan.code, r.plan.stderr).toBe(2);
    const changed = r.planJson.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.address}`);
    expect(changed.sort()).toEqual(['create role-policy.adopt-role', 'update role.adopt-role']);

    // Applying it converges; the role keeps its own tag.
    const apply = await run(['apply', '--auto-approve'], r.cwd);
    expect(apply.code, apply.stderr).toBe(0);
    const again = await run(['plan', '--detailed-exitcode'], r.cwd);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});

describe('import: alarms s3repl did not create', () => {
  it('imports an alarm named the s3repl way but set up differently, records it, and the plan shows the rewrite instead of refusing', async () => {
    const roleArn = await role('diff-alarm-role');
    await bucket('da-src');
    await bucket('da-dst');
    await replicate('da-src', 'us-east-1', roleArn, [
      { ID: 'r1', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::da-dst', Metrics: { Status: 'Enabled' } } },
    ]);
    await clients(emu.url).cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 's3repl-da-src-r1-failed-operations',
        AlarmDescription: 'made in the console',
        Namespace: 'AWS/S3',
        MetricName: 'OperationsFailedReplication',
        Dimensions: [
          { Name: 'SourceBucket', Value: 'da-src' },
          { Name: 'DestinationBucket', Value: 'da-dst' },
          { Name: 'RuleId', Value: 'r1' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    const r = await roundTrip(['da-src']);
    expect(r.imported.stdout).toMatch(/alarm\.da-src\.r1\.failed-operations: alarm s3repl-da-src-r1-failed-operations is rewritten in s3repl's form \(datapointsToAlarm, description, treatMissingData\)/);
    // (Long comments are wrapped.)
    expect(r.yaml.replace(/\n\s*# /g, ' ')).toMatch(/ The next plan rewrites alarm s3repl-da-src-r1-failed-operations in s3repl's form: datapointsToAlarm, description, treatMissingData\./);
    expect(r.addresses).toContain('alarm.da-src.r1.failed-operations');
    expect(r.validate.code).toBe(0);
    expect(r.plan.code, r.plan.stderr).toBe(2);
    const changed = r.planJson.changes.filter((c) => c.action !== 'no-op');
    expect(changed.map((c) => `${c.action} ${c.address}`)).toEqual(['update alarm.da-src.r1.failed-operations']);
    expect(changed[0]!.changes.map((c) => c.path)).toEqual(['datapointsToAlarm', 'description', 'treatMissingData']);
  });
});

describe('import: refusals', () => {
  it('refuses to overwrite an existing file without --force, and replaces it with --force', async () => {
    const roleArn = await role('force-role');
    await bucket('force-src');
    await bucket('force-dst');
    await replicate('force-src', 'us-east-1', roleArn, [
      { ID: 'r', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::force-dst' } },
    ]);
    const cwd = dir();
    writeFileSync(path.join(cwd, 'replication.yaml'), '# mine\n');
    const refused = await run(['import', '--bucket', 'force-src'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('replication.yaml already exists; s3repl import does not overwrite it');
    expect(refused.stderr).toContain('--force');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path.join(cwd, 'replication.yaml'), 'utf8')).toBe('# mine\n');
    expect(existsSync(path.join(cwd, '.s3repl'))).toBe(false);

    const forced = await run(['import', '--bucket', 'force-src', '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'replication.yaml'), 'utf8')).toContain('force-src');
    // Again with --force: the state already records exactly these resources.
    const again = await run(['import', '--bucket', 'force-src', '--force'], cwd);
    expect(again.code, again.stderr).toBe(0);
  });

  it('writes --out elsewhere, with the state beside it, and says how to plan it', async () => {
    const roleArn = await role('out-role');
    await bucket('out-src');
    await bucket('out-dst');
    await replicate('out-src', 'us-east-1', roleArn, [
      { ID: 'r', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::out-dst' } },
    ]);
    const cwd = dir();
    const r = await run(['import', '--bucket', 'out-src', '--out', 'prod/s3.yaml'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'prod/.s3repl/state.json'))).toBe(true);
    expect(r.stdout).toContain('s3repl plan -c prod/s3.yaml');
    const yaml = readFileSync(path.join(cwd, 'prod/s3.yaml'), 'utf8');
    // The schema of this s3repl version by URL: s3repl is not a dependency of the test directory.
    expect(yaml.split('\n')[0]).toBe(`# yaml-language-server: $schema=https://unpkg.com/s3repl@${VERSION}/schema/replication.schema.json`);
    expect(yaml).toMatch(/^# Generated by s3repl import on \d{4}-\d{2}-\d{2} from account 111111111111 \(out-src\)\.$/m);
    const plan = await run(['plan', '-c', 'prod/s3.yaml', '--detailed-exitcode'], cwd);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('refuses when the state already records resources the new file would not name', async () => {
    const roleArn = await role('foreign-role');
    for (const b of ['foreign-a', 'foreign-b', 'foreign-dst']) await bucket(b);
    for (const src of ['foreign-a', 'foreign-b']) {
      await replicate(src, 'us-east-1', roleArn, [
        { ID: 'r', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::foreign-dst' } },
      ]);
    }
    const cwd = dir();
    expect((await run(['import', '-b', 'foreign-a', '-b', 'foreign-b'], cwd)).code).toBe(0);
    const narrower = await run(['import', '-b', 'foreign-a', '--force'], cwd);
    expect(narrower.code).toBe(1);
    expect(narrower.stderr).toMatch(/already records 2 resources that replication.yaml would not name \(replication\.foreign-b, versioning\.foreign-b\)/);
    // Nothing changed: the file still names both sources.
    expect(readFileSync(path.join(cwd, 'replication.yaml'), 'utf8')).toContain('source: foreign-b');
  });

  it('names an unknown bucket clearly and exits 1', async () => {
    const cwd = dir();
    const r = await run(['import', '--bucket', 'no-such-bucket-here'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: bucket no-such-bucket-here does not exist');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(cwd, 'replication.yaml'))).toBe(false);
  });

  it('says so for a bucket without replication and exits 1', async () => {
    await bucket('plain-bucket', 'eu-central-1');
    const cwd = dir();
    const r = await run(['import', '--bucket', 'plain-bucket'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: bucket plain-bucket (eu-central-1) has no replication configuration: there is nothing to import');
    expect(r.stderr).toContain('hint:');
    expect(existsSync(path.join(cwd, 'replication.yaml'))).toBe(false);
  });

  it('refuses a bucket of another account, naming the account to run it from', async () => {
    await bucket('someone-elses', 'us-east-1', OTHER);
    const r = await run(['import', '--bucket', 'someone-elses'], dir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bucket someone-elses cannot be read with the credentials of account 111111111111');
  });

  it('requires --bucket, with usage help', async () => {
    const r = await run(['import'], dir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--bucket');
  });

  it('has complete --help with examples (the built executable)', async () => {
    const r = await spawnCli(['import', '--help'], { cwd: dir(), endpoint: emu.url });
    expect(r.code).toBe(0);
    for (const s of ['--bucket', '--out', '--adopt-role', '--force', '--lock-timeout', 'Examples:', 'docs/import.md']) expect(r.stdout).toContain(s);
  });
});
