/**
 * S3 Batch Replication jobs through the real S3ControlClient (with an
 * endpointProvider, as test/emulator/README.md explains).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  UpdateJobStatusCommand,
  type CreateJobCommandInput,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { Emulator } from './server.js';
import { ACCOUNT, cloudwatch, emulator, failure, replicationRole, s3, s3control } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;
let control: S3ControlClient;
let role: string;

beforeEach(async () => {
  emu = await emulator();
  client = s3(emu);
  control = s3control(emu);
  for (const b of ['src', 'dst', 'reports']) await client.send(new CreateBucketCommand({ Bucket: b }));
  for (const b of ['src', 'dst']) await client.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  role = await replicationRole(emu, 'batch', 'src', ['dst']);
});
afterEach(async () => emu.stop());

async function configure(metrics = false): Promise<void> {
  await client.send(
    new PutBucketReplicationCommand({
      Bucket: 'src',
      ReplicationConfiguration: {
        Role: role,
        Rules: [
          {
            ID: 'all',
            Priority: 1,
            Status: 'Enabled',
            Filter: { Prefix: '' },
            DeleteMarkerReplication: { Status: 'Disabled' },
            Destination: { Bucket: 'arn:aws:s3:::dst', ...(metrics ? { Metrics: { Status: 'Enabled' as const } } : {}) },
          },
        ],
      },
    }),
  );
}

const jobInput = (over: Partial<CreateJobCommandInput> = {}): CreateJobCommandInput => ({
  AccountId: ACCOUNT,
  Operation: { S3ReplicateObject: {} },
  Priority: 10,
  RoleArn: role,
  ClientRequestToken: 'token-1',
  Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks', Prefix: 'batch' },
  ManifestGenerator: {
    S3JobManifestGenerator: {
      SourceBucket: 'arn:aws:s3:::src',
      EnableManifestOutput: false,
      Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['NONE', 'FAILED'] },
    },
  },
  ...over,
});

const describeJob = async (JobId: string) => (await control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).Job!;

describe('batch replication jobs', () => {
  it('replicates existing objects, reaches Complete with counts, writes a CSV report', async () => {
    // Objects written before replication was configured have no replication status.
    const put = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'old/1', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'old/2', Body: 'two' }));
    await configure();
    const { JobId } = await control.send(new CreateJobCommand(jobInput()));
    expect(JobId).toMatch(/^[0-9a-f-]{36}$/);
    await emu.settled();
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
    expect(job.TerminationDate).toBeInstanceOf(Date);
    expect(job.CreationTime).toBeInstanceOf(Date);
    expect(job.Report).toMatchObject({ Enabled: true, Bucket: 'arn:aws:s3:::reports', ReportScope: 'AllTasks' });
    expect(job.Operation?.S3ReplicateObject).toBeDefined();
    expect(job.ManifestGenerator?.S3JobManifestGenerator?.Filter?.ObjectReplicationStatuses).toEqual(['NONE', 'FAILED']);

    const replica = await client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'old/1' }));
    expect(replica.VersionId).toBe(put.VersionId);
    expect((await client.send(new HeadObjectCommand({ Bucket: 'src', Key: 'old/1' }))).ReplicationStatus).toBe('COMPLETED');

    const reports = await client.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: `batch/job-${JobId}/results/` }));
    expect(reports.Contents).toHaveLength(1);
    const csv = await (await client.send(new GetObjectCommand({ Bucket: 'reports', Key: reports.Contents![0]!.Key! }))).Body!.transformToString();
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['src', 'old%2F1', 'succeeded'],
      ['src', 'old%2F2', 'succeeded'],
    ]);
  });

  it('replicates exactly the versions a CSV manifest (Bucket,Key,VersionId) lists; the manifest ETag must match', async () => {
    await configure();
    emu.setBucketAvailable('dst', false);
    const v1 = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt', Body: 'one' }));
    const v2 = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt', Body: 'two' }));
    const other = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'other', Body: 'x' }));
    await emu.settled();
    emu.setBucketAvailable('dst', true);
    // Keys in a manifest are URL-encoded.
    const csv = `src,${encodeURIComponent('docs/a b.txt')},${v1.VersionId}\n`;
    const manifest = await client.send(new PutObjectCommand({ Bucket: 'reports', Key: 'manifests/retry.csv', Body: csv }));
    const input = (etag: string, token: string) =>
      jobInput({
        ClientRequestToken: token,
        ManifestGenerator: undefined,
        Manifest: {
          Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
          Location: { ObjectArn: 'arn:aws:s3:::reports/manifests/retry.csv', ETag: etag },
        },
      });

    // A stale ETag (the manifest was rewritten since): the job fails while reading its manifest.
    const stale = await control.send(new CreateJobCommand(input('"0123456789abcdef0123456789abcdef"', 'stale')));
    await emu.settled();
    const failed = await describeJob(stale.JobId!);
    expect(failed.Status).toBe('Failed');
    expect(failed.FailureReasons?.[0]?.FailureReason).toMatch(/ETag/);
    expect(failed.ProgressSummary?.TotalNumberOfTasks).toBe(0);

    const { JobId } = await control.send(new CreateJobCommand(input(manifest.ETag!, 'csv')));
    await emu.settled();
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('Complete');
    expect(job.Manifest?.Spec).toMatchObject({ Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] });
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1 });
    // Only the listed (older) version was replicated; the current one and the other key were not.
    expect((await client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'docs/a b.txt', VersionId: v1.VersionId }))).VersionId).toBe(v1.VersionId);
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'docs/a b.txt', VersionId: v2.VersionId })))).toMatchObject({ status: 404 });
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'other', VersionId: other.VersionId })))).toMatchObject({ status: 404 });
  });

  it('a new job is New until its steps run', async () => {
    await emu.stop();
    emu = await emulator({ jobStepDelayMs: 3_600_000 });
    client = s3(emu);
    control = s3control(emu);
    await client.send(new CreateBucketCommand({ Bucket: 'src' }));
    await client.send(new CreateBucketCommand({ Bucket: 'dst' }));
    for (const b of ['src', 'dst']) await client.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    role = await replicationRole(emu, 'batch', 'src', ['dst']);
    await configure();
    const { JobId } = await control.send(new CreateJobCommand(jobInput({ Report: { Enabled: false } })));
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('New');
    expect(job.TerminationDate).toBeUndefined();
    emu.drain();
    expect((await describeJob(JobId!)).Status).toBe('Complete');
  });

  it('the same ClientRequestToken returns the same JobId and makes no new job', async () => {
    await configure();
    const a = await control.send(new CreateJobCommand(jobInput()));
    const b = await control.send(new CreateJobCommand(jobInput()));
    expect(b.JobId).toBe(a.JobId);
    await emu.settled();
    const list = await control.send(new ListJobsCommand({ AccountId: ACCOUNT }));
    expect(list.Jobs).toHaveLength(1);
    expect(await failure(control.send(new CreateJobCommand(jobInput({ Priority: 99 }))))).toMatchObject({ name: 'IdempotencyException', status: 400 });
  });

  it('failures count as failed tasks and in OperationsFailedReplication', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'a', Body: 'x' }));
    await configure(true);
    emu.setBucketAvailable('dst', false);
    const { JobId } = await control.send(new CreateJobCommand(jobInput({ Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Format: 'Report_CSV_20180820', ReportScope: 'FailedTasksOnly' } })));
    await emu.settled();
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 1 });
    expect((await client.send(new HeadObjectCommand({ Bucket: 'src', Key: 'a' }))).ReplicationStatus).toBe('FAILED');
    const metrics = await cloudwatch(emu).send(new ListMetricsCommand({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication' }));
    expect(metrics.Metrics).toHaveLength(1);

    // A retry job for FAILED objects succeeds once the destination is back.
    emu.setBucketAvailable('dst', true);
    const retry = await control.send(
      new CreateJobCommand(
        jobInput({
          ClientRequestToken: 'retry',
          ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::src', EnableManifestOutput: false, Filter: { ObjectReplicationStatuses: ['FAILED'] } } },
        }),
      ),
    );
    await emu.settled();
    expect((await describeJob(retry.JobId!)).ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1 });
  });

  it('a job fails when more than half of at least 1,000 tasks fail', async () => {
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => client.send(new PutObjectCommand({ Bucket: 'src', Key: `k${i + j}`, Body: 'x' }))));
    }
    await configure();
    emu.setBucketAvailable('dst', false);
    const { JobId } = await control.send(new CreateJobCommand(jobInput({ Report: { Enabled: false } })));
    await emu.settled();
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('Failed');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1000, NumberOfTasksFailed: 1000 });
    expect(job.FailureReasons?.length).toBeGreaterThan(0);
  });

  it('ConfirmationRequired waits in Suspended until UpdateJobStatus Ready; terminal jobs cannot change', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'a', Body: 'x' }));
    await configure();
    const { JobId } = await control.send(new CreateJobCommand(jobInput({ ConfirmationRequired: true })));
    await emu.settled();
    expect((await describeJob(JobId!)).Status).toBe('Suspended');
    const updated = await control.send(
      new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: 'Ready', StatusUpdateReason: 'approved' }),
    );
    expect(updated).toMatchObject({ JobId, Status: 'Ready', StatusUpdateReason: 'approved' });
    await emu.settled();
    expect((await describeJob(JobId!)).Status).toBe('Complete');
    expect(
      await failure(control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: 'Cancelled' }))),
    ).toMatchObject({ name: 'JobStatusException', status: 400 });
    expect(
      await failure(control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: 'Ready' }))),
    ).toMatchObject({ name: 'JobStatusException', status: 400 });
  });

  it('a suspended job can be cancelled', async () => {
    await configure();
    const { JobId } = await control.send(new CreateJobCommand(jobInput({ ConfirmationRequired: true })));
    await emu.settled();
    const res = await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: 'Cancelled' }));
    expect(res.Status).toBe('Cancelling');
    await emu.settled();
    const job = await describeJob(JobId!);
    expect(job.Status).toBe('Cancelled');
    expect(job.TerminationDate).toBeInstanceOf(Date);
  });

  it('ListJobs filters by status and pages', async () => {
    await configure();
    for (let i = 0; i < 3; i++) await control.send(new CreateJobCommand(jobInput({ ClientRequestToken: `t${i}`, ConfirmationRequired: i === 0 })));
    await emu.settled();
    const suspended = await control.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ['Suspended'] }));
    expect(suspended.Jobs).toHaveLength(1);
    expect(suspended.Jobs?.[0]).toMatchObject({ Operation: 'S3ReplicateObject', Priority: 10, Status: 'Suspended' });
    const first = await control.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 2 }));
    expect(first.Jobs).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await control.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Jobs).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const ids = new Set([...first.Jobs!, ...second.Jobs!].map((j) => j.JobId));
    expect(ids.size).toBe(3);
  });

  it('rejects a source bucket without a replication configuration, and invalid parameters', async () => {
    expect(await failure(control.send(new CreateJobCommand(jobInput())))).toMatchObject({ name: 'BadRequestException', status: 400 });
    await configure();
    expect(await failure(control.send(new CreateJobCommand(jobInput({ ClientRequestToken: 'x'.repeat(65) }))))).toMatchObject({
      name: 'BadRequestException',
      status: 400,
    });
    expect(await failure(control.send(new CreateJobCommand(jobInput({ RoleArn: 'arn:aws:iam::111111111111:user/bob' }))))).toMatchObject({
      name: 'BadRequestException',
      status: 400,
    });
    expect(await failure(control.send(new CreateJobCommand(jobInput({ Report: { Enabled: true } }))))).toMatchObject({
      name: 'BadRequestException',
      status: 400,
    });
    expect(
      await failure(control.send(new CreateJobCommand(jobInput({ ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::src', EnableManifestOutput: true } } })))),
    ).toMatchObject({ name: 'BadRequestException', status: 400 });
    expect(await failure(control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: '00000000-0000-0000-0000-000000000000' })))).toMatchObject({
      name: 'NotFoundException',
      status: 404,
    });
  });

  it('KeyNameConstraint narrows the generated manifest (every given constraint must match; one string each)', async () => {
    for (const Key of ['a/1', 'a/x.log', 'b/1', 'b/z.log']) await client.send(new PutObjectCommand({ Bucket: 'src', Key, Body: Key }));
    await configure();
    const filter = (KeyNameConstraint: Record<string, string[]>) => ({
      S3JobManifestGenerator: {
        SourceBucket: 'arn:aws:s3:::src',
        EnableManifestOutput: false,
        Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['NONE' as const], KeyNameConstraint },
      },
    });
    const byPrefix = await control.send(new CreateJobCommand(jobInput({ ClientRequestToken: 'prefix', ManifestGenerator: filter({ MatchAnyPrefix: ['a/'] }) })));
    await emu.settled();
    const job = await describeJob(byPrefix.JobId!);
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2 });
    expect(job.ManifestGenerator?.S3JobManifestGenerator?.Filter?.KeyNameConstraint).toEqual({ MatchAnyPrefix: ['a/'] });
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'dst' }))).Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/x.log']);

    const both = await control.send(
      new CreateJobCommand(jobInput({ ClientRequestToken: 'both', ManifestGenerator: filter({ MatchAnyPrefix: ['b/'], MatchAnySuffix: ['.log'] }) })),
    );
    await emu.settled();
    expect((await describeJob(both.JobId!)).ProgressSummary?.TotalNumberOfTasks).toBe(1);
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'dst' }))).Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/x.log', 'b/z.log']);

    expect(
      await failure(control.send(new CreateJobCommand(jobInput({ ClientRequestToken: 'two', ManifestGenerator: filter({ MatchAnyPrefix: ['a/', 'b/'] }) })))),
    ).toMatchObject({ name: 'BadRequestException', status: 400 });
  });

  it("jobs are per account: another account's key cannot see them", async () => {
    await configure();
    const { JobId } = await control.send(new CreateJobCommand(jobInput()));
    const other = s3control(emu, 'us-east-1', '222222222222');
    expect(await failure(other.send(new DescribeJobCommand({ AccountId: '222222222222', JobId })))).toMatchObject({ name: 'NotFoundException', status: 404 });
    expect(await failure(other.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    await emu.settled();
  });
});
