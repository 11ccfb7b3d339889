/**
 * Tried as a new user would, against the emulator (which follows
 * docs/aws-behaviour.md): alarms stand where S3 publishes their metrics and
 * fire on one failed object; the existing-objects example starts one backfill
 * job whose role may initiate replication of everything it covers; SSE-KMS
 * replication between buckets with S3 Bucket Keys works with `bucketKey: true`
 * (and an apply declaring an existing bucket's Bucket Key wrong is refused).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { ROOT, runCli, workdir } from '../helpers/cli.js';

const emulators: Emulator[] = [];
async function emulator(): Promise<Emulator> {
  const e = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 10 });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const EAST = 'arn:aws:sns:us-east-1:111111111111:oncall';
const WEST = 'arn:aws:sns:us-west-2:111111111111:oncall';

describe('alarms where the metrics are', () => {
  it('a CRR rule with four alarms: three in the destination region, one in the source; status reads them there; one failed object raises the failed-operations alarm', async () => {
    const emu = await emulator();
    const cwd = workdir(`version: 1
defaults: { region: us-east-1 }
buckets:
  crr-src: { create: true }
  crr-dst: { region: us-west-2, create: true }
roles: { r: { name: crr-role } }
alarms: { notify: [${EAST}, ${WEST}], evaluationPeriods: 5 }
replications:
  - source: crr-src
    role: r
    rules:
      - id: all
        destination: { bucket: crr-dst }
        metrics: true
        alarms: { latencySeconds: 900, failedOperations: 1, pendingBytes: 1000000, pendingOperations: 1000 }
`);
    const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);

    const names = async (region: string) =>
      ((await clients(emu.url, region).cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 's3repl-crr-src' }))).MetricAlarms ?? []).map((a) => ({
        name: a.AlarmName,
        actions: a.AlarmActions,
        datapointsToAlarm: a.DatapointsToAlarm,
      }));
    expect(await names('us-west-2')).toEqual([
      { name: 's3repl-crr-src-all-latency', actions: [WEST], datapointsToAlarm: undefined },
      { name: 's3repl-crr-src-all-pending-bytes', actions: [WEST], datapointsToAlarm: undefined },
      { name: 's3repl-crr-src-all-pending-operations', actions: [WEST], datapointsToAlarm: undefined },
    ]);
    expect(await names('us-east-1')).toEqual([{ name: 's3repl-crr-src-all-failed-operations', actions: [EAST], datapointsToAlarm: 1 }]);

    // One object fails to replicate (the destination is unreachable).
    emu.setBucketAvailable('crr-dst', false);
    await clients(emu.url).s3.send(new PutObjectCommand({ Bucket: 'crr-src', Key: 'one.txt', Body: 'x' }));
    await emu.settled();

    const status = await runCli(['status', '--format', 'json'], { cwd, endpoint: emu.url });
    const doc = JSON.parse(status.stdout) as {
      rules: Array<{ region: string; destinationRegion: string; verdict: string; metrics: { failedOperations: number | null; latencySecondsMax: number | null }; alarms: Array<{ name: string; region: string; state: string }> }>;
    };
    const rule = doc.rules[0]!;
    expect(rule).toMatchObject({ region: 'us-east-1', destinationRegion: 'us-west-2', verdict: 'failing', metrics: { failedOperations: 1 } });
    expect(rule.alarms.map((a) => `${a.name} ${a.region} ${a.state}`)).toEqual([
      's3repl-crr-src-all-latency us-west-2 INSUFFICIENT_DATA',
      's3repl-crr-src-all-failed-operations us-east-1 ALARM',
      's3repl-crr-src-all-pending-bytes us-west-2 OK',
      's3repl-crr-src-all-pending-operations us-west-2 OK',
    ]);
  });
});

describe('backfill as AWS runs it', () => {
  it('examples/existing-objects.yaml starts one job, and its role may initiate replication of everything the job covers', async () => {
    const emu = await emulator();
    const syd = clients(emu.url, 'ap-southeast-2');
    await syd.s3.send(new CreateBucketCommand({ Bucket: 'acme-photos', CreateBucketConfiguration: { LocationConstraint: 'ap-southeast-2' } }));
    await syd.s3.send(new PutBucketVersioningCommand({ Bucket: 'acme-photos', VersioningConfiguration: { Status: 'Enabled' } }));
    const existing = ['2019/beach.jpg', '2020/city.jpg', 'originals/raw-001.cr2', 'originals/raw-002.cr2'];
    for (const Key of existing) await syd.s3.send(new PutObjectCommand({ Bucket: 'acme-photos', Key, Body: Key }));

    const cwd = workdir(readFileSync(path.join(ROOT, 'examples/existing-objects.yaml'), 'utf8'));
    const plan = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(plan.stdout).toContain('job.acme-photos');
    expect(plan.stdout).not.toMatch(/job\.acme-photos\.\S/);
    // Two destinations, but no replication configuration yet: no object is COMPLETED, so the job does not ask for them.
    expect(plan.stdout + plan.stderr).not.toContain('COMPLETED');

    const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url, env: { AWS_REGION: 'ap-southeast-2' } });
    expect(applied.code, applied.stderr).toBe(0);
    expect(emu.calls()['s3control:CreateJob']).toBe(1);
    const waited = await runCli(['jobs', '--wait', '--interval', '100ms', '--format', 'json'], { cwd, endpoint: emu.url });
    expect(waited.code, waited.stderr).toBe(0);
    await emu.settled();
    const listed = JSON.parse((await runCli(['jobs', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as { jobs: Array<Record<string, unknown>> };
    // Every object the job covers replicated: no task was denied s3:InitiateReplication.
    expect(listed.jobs).toEqual([expect.objectContaining({ kind: 'backfill', source: 'acme-photos', status: 'Complete', total: 4, succeeded: 4, failed: 0 })]);
    const keys = async (bucket: string, region: string) =>
      ((await clients(emu.url, region).s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).map((v) => v.Key).sort();
    expect(await keys('acme-photos-melbourne', 'ap-southeast-4')).toEqual(existing);
    expect(await keys('acme-photos-sydney-copy', 'ap-southeast-2')).toEqual(['originals/raw-001.cr2', 'originals/raw-002.cr2']);
  });
});

describe('backfilling a destination new to the configuration', () => {
  it('objects already replicated to the old destination are COMPLETED: the job includes them, and the new destination gets them', async () => {
    const emu = await emulator();
    const yaml = (withNew: boolean) => `version: 1
defaults: { region: us-east-1 }
buckets:
  nd-src: { create: true }
  nd-old: { create: true }
  nd-new: { create: true }
roles: { r: { name: nd-role } }
replications:
  - source: nd-src
    role: r
    rules:
      - id: to-old
        destination: { bucket: nd-old }
${withNew ? `      - id: to-new
        priority: 2
        destination: { bucket: nd-new }
        existingObjects: replicate
` : ''}`;
    const cwd = workdir(yaml(false));
    let applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    const s3 = clients(emu.url).s3;
    for (const Key of ['a.txt', 'b.txt']) await s3.send(new PutObjectCommand({ Bucket: 'nd-src', Key, Body: Key }));
    await emu.settled();
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'nd-src', Key: 'a.txt' }))).ReplicationStatus).toBe('COMPLETED');

    writeFileSync(path.join(cwd, 'replication.yaml'), yaml(true));
    const plan = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout.replace(/\s+/g, ' ')).toContain('includes objects already COMPLETED: nd-new is new to its replication configuration, which already replicates to nd-old');
    applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    const waited = await runCli(['jobs', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(waited.code, waited.stderr).toBe(0);
    await emu.settled();
    // (The job's completion report, written into the source, replicates too.)
    const keys = ((await s3.send(new ListObjectVersionsCommand({ Bucket: 'nd-new' }))).Versions ?? []).map((v) => v.Key!).filter((k) => !k.startsWith('s3repl/')).sort();
    expect(keys).toEqual(['a.txt', 'b.txt']);
    // Once it ran, the next plan changes nothing: the job is not started again.
    const again = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(again.code, again.stdout).toBe(0);
  });
});

describe('SSE-KMS with S3 Bucket Keys', () => {
  async function scenario(withKey: { src: boolean; dst: boolean }) {
    const emu = await emulator();
    const kmsIn = (region: string) => new KMSClient({ region, endpoint: emu.url, credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } });
    const srcKey = (await kmsIn('us-east-1').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const dstKey = (await kmsIn('us-west-2').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    for (const [bucket, region, key, bucketKey] of [['bk-src', 'us-east-1', srcKey, withKey.src], ['bk-dst', 'us-west-2', dstKey, withKey.dst]] as const) {
      const s3 = clients(emu.url, region).s3;
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region } }) }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: bucketKey }] },
        }),
      );
    }
    const yaml = (bucketKey: boolean) => `version: 1
defaults: { region: us-east-1 }
buckets:
  bk-src: { bucketKey: ${bucketKey && withKey.src} }
  bk-dst: { region: us-west-2, bucketKey: ${bucketKey && withKey.dst} }
roles: { r: { name: bk-role } }
replications:
  - source: bk-src
    role: r
    rules:
      - id: all
        destination: { bucket: bk-dst }
        encryption: { sseKms: true, replicaKmsKey: "${dstKey}", sourceKmsKeys: ["${srcKey}"] }
`;
    const cwd = workdir(yaml(false));
    const write = async (key: string) => {
      const s3 = clients(emu.url).s3;
      await s3.send(new PutObjectCommand({ Bucket: 'bk-src', Key: key, Body: key }));
      await emu.settled();
      return (await s3.send(new HeadObjectCommand({ Bucket: 'bk-src', Key: key }))).ReplicationStatus;
    };

    // A policy of object-ARN encryption contexts only would fail replication (KMS sees the
    // bucket ARN): s3repl reads the source's Bucket Key and refuses to apply it, without
    // touching the bucket or putting that policy and the replication that relies on it.
    let applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code).toBe(1);
    expect((applied.stdout + applied.stderr).replace(/\s+/g, ' ')).toContain('set bucketKey: true for bucket bk-src in replication.yaml, or turn the S3 Bucket Key off on the bucket');
    expect(await write('before.txt')).toBeUndefined();

    writeFileSync(path.join(cwd, 'replication.yaml'), yaml(true));
    applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    expect(await write('after.txt')).toBe('COMPLETED');
    const replica = await clients(emu.url, 'us-west-2').s3.send(new HeadObjectCommand({ Bucket: 'bk-dst', Key: 'after.txt' }));
    expect(replica).toMatchObject({ SSEKMSKeyId: dstKey, BucketKeyEnabled: true });
  }

  it('with Bucket Keys on both buckets, bucketKey: false is refused; bucketKey: true makes replication succeed', async () => {
    await scenario({ src: true, dst: true });
  });

  it('with a Bucket Key on the source only (its replicas keep it), bucketKey: true on the source is enough', async () => {
    await scenario({ src: true, dst: false });
  });
});

describe('plaintext objects into a destination with default SSE-KMS', () => {
  // docs/aws-behaviour.md, "KMS: replication grants": the replica is encrypted with the
  // destination's default key, which needs kms:GenerateDataKey for the replica's context.
  async function scenario(bucketKey: boolean) {
    const emu = await emulator();
    const kms = new KMSClient({ region: 'us-west-2', endpoint: emu.url, credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } });
    const dstKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await clients(emu.url).s3.send(new CreateBucketCommand({ Bucket: 'pk-src' }));
    const dstS3 = clients(emu.url, 'us-west-2').s3;
    await dstS3.send(new CreateBucketCommand({ Bucket: 'pk-dst', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    await dstS3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'pk-dst',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: dstKey }, BucketKeyEnabled: bucketKey }] },
      }),
    );
    const yaml = (declared: boolean) => `version: 1
defaults: { region: us-east-1 }
buckets:
  pk-src: {}
  pk-dst: { region: us-west-2, bucketKey: ${bucketKey}${declared ? `, kmsKey: "${dstKey}"` : ''} }
roles: { r: { name: pk-role } }
replications:
  - source: pk-src
    role: r
    rules:
      - { id: all, destination: { bucket: pk-dst } }
`;
    const cwd = workdir(yaml(false));
    const write = async (key: string) => {
      const s3 = clients(emu.url).s3;
      await s3.send(new PutObjectCommand({ Bucket: 'pk-src', Key: key, Body: key }));
      await emu.settled();
      return (await s3.send(new HeadObjectCommand({ Bucket: 'pk-src', Key: key }))).ReplicationStatus;
    };

    let applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    // Without kmsKey the role has no kms:GenerateDataKey on the destination's key.
    expect(await write('before.txt')).toBe('FAILED');
    expect(emu.services.s3.state.buckets['pk-src']!.objects['before.txt']![0]!.failureReason).toBe('DstPutObjectNotPermitted');

    writeFileSync(path.join(cwd, 'replication.yaml'), yaml(true));
    applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    expect(await write('after.txt')).toBe('COMPLETED');
    const replica = await dstS3.send(new HeadObjectCommand({ Bucket: 'pk-dst', Key: 'after.txt' }));
    expect(replica).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: dstKey });
    expect(replica.BucketKeyEnabled === true).toBe(bucketKey);
  }

  it('fail with the role s3repl generated before; with the bucket\'s kmsKey declared they replicate, encrypted with that key', async () => {
    await scenario(false);
  });

  it('with the destination\'s Bucket Key, the grant allows the bucket ARN as encryption context', async () => {
    await scenario(true);
  });
});
