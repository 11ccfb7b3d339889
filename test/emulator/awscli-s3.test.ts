/**
 * Conformance against an independent client: Debian's AWS CLI v2
 * (/usr/bin/aws, botocore) drives the emulator and its JSON output is
 * asserted, so the emulator cannot drift into agreeing only with the JS SDK.
 *
 * S3 Control: botocore's endpoint rules put `{AccountId}.` in front of the
 * endpoint host (`111111111111.127.0.0.1:PORT`, which does not resolve). The
 * CLI is left untouched and reaches that URL through HTTP_PROXY pointing at
 * the emulator, which accepts absolute-form request targets; the request the
 * CLI builds (host, path, headers, body) is the one it would send to AWS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from './server.js';
import { emulator, replicationRole } from './s3-testkit.js';

const AWS = '/usr/bin/aws';
const ACCOUNT = '111111111111';

let emu: Emulator;
let home: string;

beforeAll(async () => {
  emu = await emulator();
  home = mkdtempSync(join(tmpdir(), 'awscli-home-'));
});
afterAll(async () => emu.stop());

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(args: string[], opts: { proxy?: boolean } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-such-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(opts.proxy ? { HTTP_PROXY: emu.url, http_proxy: emu.url, NO_PROXY: '', no_proxy: '' } : {}),
  };
  return new Promise((resolve) => {
    execFile(AWS, ['--endpoint-url', emu.url, '--output', 'json', ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function json<T>(args: string[], opts: { proxy?: boolean } = {}): Promise<T> {
  const r = await aws(args, opts);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return (r.stdout.trim() === '' ? {} : JSON.parse(r.stdout)) as T;
}

describe('AWS CLI against the emulator', () => {
  let role: string;

  it('creates buckets and turns on versioning', async () => {
    const created = await json<{ Location: string }>(['s3api', 'create-bucket', '--bucket', 'cli-src']);
    expect(created.Location).toBe('/cli-src');
    await json(['s3api', 'create-bucket', '--bucket', 'cli-dst']);
    await json(['s3api', 'create-bucket', '--bucket', 'cli-reports']);
    const before = await aws(['s3api', 'get-bucket-versioning', '--bucket', 'cli-src']);
    expect(before.code).toBe(0);
    expect(before.stdout.trim()).toBe(''); // never versioned: 200 with no Status
    for (const b of ['cli-src', 'cli-dst']) await json(['s3api', 'put-bucket-versioning', '--bucket', b, '--versioning-configuration', 'Status=Enabled']);
    expect(await json(['s3api', 'get-bucket-versioning', '--bucket', 'cli-src'])).toEqual({ Status: 'Enabled' });
    const again = await aws(['s3api', 'create-bucket', '--bucket', 'cli-src', '--region', 'us-west-2', '--create-bucket-configuration', 'LocationConstraint=us-west-2']);
    expect(again.code).toBe(254);
    expect(again.stderr).toContain('BucketAlreadyOwnedByYou');
  });

  it('puts and gets a replication configuration; rejects an invalid one', async () => {
    role = await replicationRole(emu, 'cli-replication', 'cli-src', ['cli-dst']);
    const config = {
      Role: role,
      Rules: [
        {
          Status: 'Enabled',
          Priority: 1,
          DeleteMarkerReplication: { Status: 'Disabled' },
          Filter: { Prefix: '' },
          Destination: { Bucket: 'arn:aws:s3:::cli-dst', StorageClass: 'STANDARD' },
        },
      ],
    };
    const file = join(home, 'replication.json');
    writeFileSync(file, JSON.stringify(config));
    await json(['s3api', 'put-bucket-replication', '--bucket', 'cli-src', '--replication-configuration', `file://${file}`]);
    const got = await json<{ ReplicationConfiguration: { Role: string; Rules: Array<Record<string, unknown>> } }>([
      's3api',
      'get-bucket-replication',
      '--bucket',
      'cli-src',
    ]);
    expect(got.ReplicationConfiguration.Role).toBe(role);
    const rule = got.ReplicationConfiguration.Rules[0]!;
    expect(rule.ID).toMatch(/^[A-Za-z0-9+/=]{48}$/);
    expect(rule).toMatchObject({
      Priority: 1,
      Status: 'Enabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: { Bucket: 'arn:aws:s3:::cli-dst', StorageClass: 'STANDARD' },
    });

    const bad = await aws([
      's3api',
      'put-bucket-replication',
      '--bucket',
      'cli-src',
      '--replication-configuration',
      JSON.stringify({ ...config, Rules: [{ ...config.Rules[0], DeleteMarkerReplication: undefined }] }),
    ]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/\(InvalidRequest\) when calling the PutBucketReplication operation: DeleteMarkerReplication must be specified/);
  });

  it('puts and gets a notification configuration; refuses a destination that does not exist unless validation is skipped', async () => {
    const queue = `arn:aws:sqs:us-east-1:${ACCOUNT}:cli-events`;
    const config = JSON.stringify({
      QueueConfigurations: [
        { Id: 'cli-failed', QueueArn: queue, Events: ['s3:Replication:OperationFailedReplication'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'docs/' }] } } },
      ],
    });
    const refused = await aws(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--notification-configuration', config]);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidArgument) when calling the PutBucketNotificationConfiguration operation: Unable to validate the following destination configurations');
    await json(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--notification-configuration', config, '--skip-destination-validation']);
    expect(await json(['s3api', 'get-bucket-notification-configuration', '--bucket', 'cli-src'])).toEqual({
      QueueConfigurations: [
        { Id: 'cli-failed', QueueArn: queue, Events: ['s3:Replication:OperationFailedReplication'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'docs/' }] } } },
      ],
    });
    const overlap = await aws([
      's3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--skip-destination-validation', '--notification-configuration',
      JSON.stringify({ QueueConfigurations: [{ QueueArn: queue, Events: ['s3:Replication:*'] }, { QueueArn: queue, Events: ['s3:Replication:OperationNotTracked'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.txt' }] } } }] }),
    ]);
    expect(overlap.code).toBe(254);
    expect(overlap.stderr).toContain('Configuration is ambiguously defined');
    await json(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--notification-configuration', '{}']);
    expect(await json(['s3api', 'get-bucket-notification-configuration', '--bucket', 'cli-src'])).toEqual({});
  });

  it('speaks SQS (this CLI uses the query protocol): a queue whose policy lets S3 send validates the notification and receives s3:TestEvent', async () => {
    const missing = await aws(['sqs', 'get-queue-url', '--queue-name', 'cli-events']);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('AWS.SimpleQueueService.NonExistentQueue');
    const { QueueUrl } = await json<{ QueueUrl: string }>(['sqs', 'create-queue', '--queue-name', 'cli-events', '--attributes', 'VisibilityTimeout=60']);
    const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:cli-events`;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'SQS:SendMessage',
          Resource: arn,
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*:*:cli-src' }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        },
      ],
    });
    await json(['sqs', 'set-queue-attributes', '--queue-url', QueueUrl, '--attributes', JSON.stringify({ Policy: policy })]);
    const attrs = await json<{ Attributes: Record<string, string> }>(['sqs', 'get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All']);
    expect(attrs.Attributes).toMatchObject({ QueueArn: arn, VisibilityTimeout: '60', Policy: policy });
    const config = JSON.stringify({ QueueConfigurations: [{ Id: 'cli-failed', QueueArn: arn, Events: ['s3:Replication:OperationFailedReplication'] }] });
    await json(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--notification-configuration', config]);
    const got = await json<{ Messages: Array<{ Body: string; ReceiptHandle: string }> }>(['sqs', 'receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '10']);
    expect(got.Messages).toHaveLength(1);
    expect(JSON.parse(got.Messages[0]!.Body)).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'cli-src' });
    await json(['sqs', 'delete-message', '--queue-url', QueueUrl, '--receipt-handle', got.Messages[0]!.ReceiptHandle]);
    const bad = await aws(['sqs', 'receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '11']);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('InvalidParameterValue');
    await json(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-src', '--notification-configuration', '{}']);
  });

  it('replicates an object written with the CLI', async () => {
    const body = join(home, 'body.txt');
    writeFileSync(body, 'from the aws cli');
    const put = await json<{ ETag: string; VersionId: string }>(['s3api', 'put-object', '--bucket', 'cli-src', '--key', 'docs/a.txt', '--body', body]);
    await emu.settled();
    const src = await json<{ ReplicationStatus: string }>(['s3api', 'head-object', '--bucket', 'cli-src', '--key', 'docs/a.txt']);
    expect(src.ReplicationStatus).toBe('COMPLETED');
    const dst = await json<{ ReplicationStatus: string; VersionId: string; ETag: string }>([
      's3api',
      'head-object',
      '--bucket',
      'cli-dst',
      '--key',
      'docs/a.txt',
    ]);
    expect(dst).toMatchObject({ ReplicationStatus: 'REPLICA', VersionId: put.VersionId, ETag: put.ETag });
    const versions = await json<{ Versions: Array<{ Key: string; VersionId: string; IsLatest: boolean }> }>([
      's3api',
      'list-object-versions',
      '--bucket',
      'cli-dst',
    ]);
    expect(versions.Versions.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([['docs/a.txt', put.VersionId, true]]);
  });

  it('creates and describes a batch replication job (S3 Control through HTTP_PROXY)', async () => {
    // Re-replicates the object replicated above (filter COMPLETED), as a backfill would.
    const args = [
      's3control',
      'create-job',
      '--account-id',
      ACCOUNT,
      '--operation',
      '{"S3ReplicateObject":{}}',
      '--report',
      JSON.stringify({ Enabled: true, Bucket: 'arn:aws:s3:::cli-reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks', Prefix: 'r' }),
      '--priority',
      '5',
      '--role-arn',
      role,
      '--manifest-generator',
      JSON.stringify({
        S3JobManifestGenerator: {
          SourceBucket: 'arn:aws:s3:::cli-src',
          EnableManifestOutput: false,
          Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['COMPLETED'] },
        },
      }),
      '--client-request-token',
      'cli-token-1',
      '--no-confirmation-required',
    ];
    const created = await json<{ JobId: string }>(args, { proxy: true });
    expect(created.JobId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await json<{ JobId: string }>(args, { proxy: true });
    expect(again.JobId).toBe(created.JobId);
    await emu.settled();
    const described = await json<{ Job: Record<string, unknown> & { ProgressSummary: Record<string, number> } }>(
      ['s3control', 'describe-job', '--account-id', ACCOUNT, '--job-id', created.JobId],
      { proxy: true },
    );
    expect(described.Job).toMatchObject({
      JobId: created.JobId,
      Status: 'Complete',
      Priority: 5,
      RoleArn: role,
      Operation: { S3ReplicateObject: {} },
      Report: { Enabled: true, Bucket: 'arn:aws:s3:::cli-reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks', Prefix: 'r' },
    });
    expect(described.Job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 });
    const listed = await json<{ Jobs: Array<{ JobId: string; Status: string }> }>(
      ['s3control', 'list-jobs', '--account-id', ACCOUNT, '--job-statuses', 'Complete'],
      { proxy: true },
    );
    expect(listed.Jobs.map((j) => j.JobId)).toEqual([created.JobId]);
    const missing = await aws(['s3control', 'describe-job', '--account-id', ACCOUNT, '--job-id', '00000000-0000-0000-0000-000000000000'], { proxy: true });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('NotFoundException');
  });
});
