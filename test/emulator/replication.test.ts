/**
 * Live replication end to end: real SDK clients write to the source bucket,
 * the engine copies to destinations after a (small) delay; tests wait with
 * emu.settled(), never with timers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type ReplicationRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { Emulator } from './server.js';
import { cloudwatch, emulator, failure, replicationPolicy, replicationRole, s3 } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;

beforeEach(async () => {
  emu = await emulator();
  client = s3(emu);
});
afterEach(async () => emu.stop());

async function bucket(name: string, versioned = true): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
  if (versioned) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
}

const rule = (over: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ID: 'all',
  Priority: 1,
  Status: 'Enabled',
  Filter: { Prefix: '' },
  DeleteMarkerReplication: { Status: 'Disabled' },
  Destination: { Bucket: 'arn:aws:s3:::dst' },
  ...over,
});

async function setup(rules: ReplicationRule[] = [rule()], opts: { destinations?: string[]; policy?: string; source?: string } = {}): Promise<string> {
  const source = opts.source ?? 'src';
  const destinations = opts.destinations ?? ['dst'];
  await bucket(source);
  for (const d of destinations) await bucket(d);
  const role = await replicationRole(emu, `${source}-role`, source, destinations, opts.policy);
  await client.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: role, Rules: rules } }));
  return role;
}

const status = async (bucketName: string, key: string, versionId?: string) =>
  (await client.send(new HeadObjectCommand({ Bucket: bucketName, Key: key, VersionId: versionId }))).ReplicationStatus;

describe('live replication', () => {
  it('copies the version to the destination with the same VersionId, ETag and tags; PENDING then COMPLETED', async () => {
    // A delay no test waits for, so PENDING is observable; drain() then replicates at once.
    await emu.stop();
    emu = await emulator({ replicationDelayMs: 3_600_000 });
    client = s3(emu);
    await setup([rule({ Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'STANDARD_IA' } })]);
    const put = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a.txt', Body: 'payload', Tagging: 'team=data' }));
    expect(await status('src', 'docs/a.txt')).toBe('PENDING');
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'docs/a.txt' })))).toMatchObject({ status: 404 });
    emu.drain();
    expect(await status('src', 'docs/a.txt')).toBe('COMPLETED');
    const replica = await client.send(new GetObjectCommand({ Bucket: 'dst', Key: 'docs/a.txt' }));
    expect(replica.VersionId).toBe(put.VersionId);
    expect(replica.ETag).toBe(put.ETag);
    expect(replica.ReplicationStatus).toBe('REPLICA');
    expect(replica.StorageClass).toBe('STANDARD_IA');
    expect(await replica.Body?.transformToString()).toBe('payload');
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: 'dst', Key: 'docs/a.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'team', Value: 'data' }]);
  });

  it('FAILED when the destination has versioning suspended', async () => {
    await setup();
    await client.send(new PutBucketVersioningCommand({ Bucket: 'dst', VersioningConfiguration: { Status: 'Suspended' } }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'k')).toBe('FAILED');
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'k' })))).toMatchObject({ status: 404 });
  });

  it('FAILED when the destination was deleted, and when made unavailable by the admin hook', async () => {
    await setup();
    await client.send(new DeleteBucketCommand({ Bucket: 'dst' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'gone', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'gone')).toBe('FAILED');

    await bucket('dst');
    const res = await fetch(`${emu.url}/_emulator/bucket-availability`, { method: 'POST', body: JSON.stringify({ bucket: 'dst', available: false }) });
    expect(res.status).toBe(200);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'down', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'down')).toBe('FAILED');
    emu.setBucketAvailable('dst', true);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'up', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'up')).toBe('COMPLETED');
  });

  it("FAILED when the role's policy does not allow the replication actions; explicit Deny wins", async () => {
    const readOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObjectVersion*', Resource: 'arn:aws:s3:::src/*' }],
    });
    await setup([rule()], { policy: readOnly });
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'k')).toBe('FAILED');
  });

  it('explicit Deny overrides a wildcard Allow', async () => {
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:ReplicateObject', Resource: 'arn:aws:s3:::dst/secret/*' },
      ],
    });
    await setup([rule()], { policy: deny });
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'open/k', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'secret/k', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'open/k')).toBe('COMPLETED');
    expect(await status('src', 'secret/k')).toBe('FAILED');
  });

  it('FAILED while a new role has not propagated yet', async () => {
    await emu.stop();
    emu = await emulator({ iamPropagationDelayMs: 3_600_000 });
    client = s3(emu);
    await setup();
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x' }));
    await emu.settled();
    expect(await status('src', 'k')).toBe('FAILED');
  });

  it('delete markers replicate only when DeleteMarkerReplication is Enabled; version deletes never', async () => {
    await setup(
      [
        rule({ ID: 'with-dm', Priority: 2, Filter: { Prefix: 'dm/' }, DeleteMarkerReplication: { Status: 'Enabled' } }),
        rule({ ID: 'without-dm', Priority: 1, Filter: { Prefix: 'keep/' } }),
      ],
      {},
    );
    const a = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'dm/a', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'keep/b', Body: 'x' }));
    await emu.settled();
    const delA = await client.send(new DeleteObjectCommand({ Bucket: 'src', Key: 'dm/a' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'src', Key: 'keep/b' }));
    await emu.settled();
    const dst = await client.send(new ListObjectVersionsCommand({ Bucket: 'dst' }));
    expect(dst.DeleteMarkers?.map((m) => [m.Key, m.VersionId])).toEqual([['dm/a', delA.VersionId]]);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: 'dst', Key: 'dm/a' })))).toMatchObject({ name: 'NoSuchKey' });
    expect((await client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'keep/b' }))).ReplicationStatus).toBe('REPLICA');
    // Permanently deleting a version on the source leaves the replica alone.
    await client.send(new DeleteObjectCommand({ Bucket: 'src', Key: 'dm/a', VersionId: a.VersionId }));
    await emu.settled();
    const replica = await client.send(new GetObjectCommand({ Bucket: 'dst', Key: 'dm/a', VersionId: a.VersionId }));
    expect(replica.VersionId).toBe(a.VersionId);
  });

  it('tag filters (Tag and And) select objects; unmatched objects get no replication status', async () => {
    await setup([rule({ Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'replicate', Value: 'yes' }] } } })]);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'p/tagged', Body: 'x', Tagging: 'replicate=yes&other=1' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'p/untagged', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'q/tagged', Body: 'x', Tagging: 'replicate=yes' }));
    await emu.settled();
    expect(await status('src', 'p/tagged')).toBe('COMPLETED');
    expect(await status('src', 'p/untagged')).toBeUndefined();
    expect(await status('src', 'q/tagged')).toBeUndefined();
    const dst = await client.send(new ListObjectVersionsCommand({ Bucket: 'dst' }));
    expect(dst.Versions?.map((v) => v.Key)).toEqual(['p/tagged']);
  });

  it('the highest Priority wins among rules to the same destination; each destination gets a copy', async () => {
    await setup(
      [
        rule({ ID: 'low', Priority: 1, Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'GLACIER' } }),
        rule({ ID: 'high', Priority: 5, Filter: { Prefix: 'hot/' }, Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'STANDARD_IA' } }),
        rule({ ID: 'second', Priority: 3, Destination: { Bucket: 'arn:aws:s3:::dst2' } }),
      ],
      { destinations: ['dst', 'dst2'] },
    );
    const put = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'hot/k', Body: 'x' }));
    await emu.settled();
    expect((await client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'hot/k' }))).StorageClass).toBe('STANDARD_IA');
    const second = await client.send(new HeadObjectCommand({ Bucket: 'dst2', Key: 'hot/k' }));
    expect(second.VersionId).toBe(put.VersionId);
    expect(await status('src', 'hot/k')).toBe('COMPLETED');
  });

  it('replicas are not replicated again; with ReplicaModifications, tag changes on a replica flow back', async () => {
    // Two-way: src <-> dst.
    await bucket('src');
    await bucket('dst');
    const toDst = await replicationRole(emu, 'to-dst', 'src', ['dst']);
    const toSrc = await replicationRole(emu, 'to-src', 'dst', ['src']);
    const sync = { SourceSelectionCriteria: { ReplicaModifications: { Status: 'Enabled' as const } } };
    await client.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: { Role: toDst, Rules: [rule(sync)] } }));
    await client.send(
      new PutBucketReplicationCommand({
        Bucket: 'dst',
        ReplicationConfiguration: { Role: toSrc, Rules: [rule({ ...sync, Destination: { Bucket: 'arn:aws:s3:::src' } })] },
      }),
    );
    const put = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x', Tagging: 'v=1' }));
    await emu.settled();
    expect(await status('dst', 'k')).toBe('REPLICA');
    const srcVersions = await client.send(new ListObjectVersionsCommand({ Bucket: 'src' }));
    expect(srcVersions.Versions).toHaveLength(1); // the replica did not come back as a new version
    await client.send(new PutObjectTaggingCommand({ Bucket: 'dst', Key: 'k', Tagging: { TagSet: [{ Key: 'v', Value: '2' }] } }));
    await emu.settled();
    const back = await client.send(new GetObjectTaggingCommand({ Bucket: 'src', Key: 'k', VersionId: put.VersionId }));
    expect(back.TagSet).toEqual([{ Key: 'v', Value: '2' }]);
  });

  it('without ReplicaModifications, tag changes on a replica stay on the replica', async () => {
    await bucket('src');
    await bucket('dst');
    const toDst = await replicationRole(emu, 'to-dst', 'src', ['dst']);
    const toSrc = await replicationRole(emu, 'to-src', 'dst', ['src']);
    await client.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: { Role: toDst, Rules: [rule()] } }));
    await client.send(
      new PutBucketReplicationCommand({ Bucket: 'dst', ReplicationConfiguration: { Role: toSrc, Rules: [rule({ Destination: { Bucket: 'arn:aws:s3:::src' } })] } }),
    );
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x', Tagging: 'v=1' }));
    await emu.settled();
    await client.send(new PutObjectTaggingCommand({ Bucket: 'dst', Key: 'k', Tagging: { TagSet: [{ Key: 'v', Value: '2' }] } }));
    await emu.settled();
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: 'src', Key: 'k' }))).TagSet).toEqual([{ Key: 'v', Value: '1' }]);
  });

  it('publishes AWS/S3 replication metrics for rules with Metrics enabled only', async () => {
    await setup(
      [
        rule({ ID: 'measured', Priority: 2, Filter: { Prefix: 'm/' }, Destination: { Bucket: 'arn:aws:s3:::dst', Metrics: { Status: 'Enabled' } } }),
        rule({ ID: 'quiet', Priority: 1, Filter: { Prefix: 'q/' } }),
      ],
      {},
    );
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'm/1', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'q/1', Body: 'x' }));
    await emu.settled();
    const metrics = await cloudwatch(emu).send(new ListMetricsCommand({ Namespace: 'AWS/S3' }));
    const names = new Set(metrics.Metrics?.map((m) => m.MetricName));
    expect(names).toEqual(new Set(['ReplicationLatency', 'BytesPendingReplication', 'OperationsPendingReplication']));
    const ruleIds = new Set(metrics.Metrics?.flatMap((m) => m.Dimensions?.filter((d) => d.Name === 'RuleId').map((d) => d.Value)));
    expect(ruleIds).toEqual(new Set(['measured']));
    const dims = metrics.Metrics?.find((m) => m.MetricName === 'ReplicationLatency')?.Dimensions;
    expect(Object.fromEntries(dims?.map((d) => [d.Name, d.Value]) ?? [])).toEqual({ SourceBucket: 'src', DestinationBucket: 'dst', RuleId: 'measured' });
  });

  it('publishes pending and latency metrics in the destination region, failures in the source region (CRR)', async () => {
    const west = s3(emu, 'us-west-2');
    await west.send(new CreateBucketCommand({ Bucket: 'dst', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    await west.send(new PutBucketVersioningCommand({ Bucket: 'dst', VersioningConfiguration: { Status: 'Enabled' } }));
    await setup([rule({ Destination: { Bucket: 'arn:aws:s3:::dst', Metrics: { Status: 'Enabled' } } })], {
      destinations: [],
      policy: replicationPolicy('src', ['dst']),
    });
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'ok', Body: 'x' }));
    await emu.settled();
    emu.setBucketAvailable('dst', false);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'fails', Body: 'x' }));
    await emu.settled();
    const names = async (region: string) =>
      new Set((await cloudwatch(emu, region).send(new ListMetricsCommand({ Namespace: 'AWS/S3' }))).Metrics?.map((m) => m.MetricName));
    expect(await names('us-west-2')).toEqual(new Set(['ReplicationLatency', 'BytesPendingReplication', 'OperationsPendingReplication']));
    expect(await names('us-east-1')).toEqual(new Set(['OperationsFailedReplication']));
  });

  it('counts OperationsFailedReplication when replication fails', async () => {
    await setup([rule({ Destination: { Bucket: 'arn:aws:s3:::dst', Metrics: { Status: 'Enabled' } } })]);
    emu.setBucketAvailable('dst', false);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x' }));
    await emu.settled();
    const metrics = await cloudwatch(emu).send(new ListMetricsCommand({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication' }));
    expect(metrics.Metrics).toHaveLength(1);
  });
});

