/**
 * The emulator's S3 daily storage metrics in CloudWatch (AWS/S3
 * BucketSizeBytes per StorageType, NumberOfObjects for AllStorageTypes,
 * dimensions BucketName and StorageType, one datapoint a day), read with the
 * SDK, with the AWS CLI (an independent client), and by s3repl's own usage
 * reader (src/cost/usage.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT_A, clientConfig, manualClock } from './query-protocol-testkit.js';
import { AwsClients } from '../../src/aws/clients.js';
import { readStorageMetrics } from '../../src/cost/usage.js';

const DAY = 86_400_000;
// Noon on 2030-01-15 (UTC).
const clock = manualClock();
const today = Math.floor(clock.now() / DAY) * DAY;
let emu: Emulator;
let s3e: S3Client;
let s3w: S3Client;
let cwe: CloudWatchClient;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  s3e = new S3Client({ ...clientConfig(emu.url, ACCOUNT_A, 'us-east-1'), forcePathStyle: true });
  s3w = new S3Client({ ...clientConfig(emu.url, ACCOUNT_A, 'us-west-2'), forcePathStyle: true });
  cwe = new CloudWatchClient(clientConfig(emu.url, ACCOUNT_A, 'us-east-1'));
  // photos: 3 versions of one key (one Standard-IA) and a delete marker; 300 + 100 + 50 bytes.
  await s3e.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await s3e.send(new PutBucketVersioningCommand({ Bucket: 'photos', VersioningConfiguration: { Status: 'Enabled' } }));
  await s3e.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'x'.repeat(300) }));
  await s3e.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'y'.repeat(100) }));
  await s3e.send(new PutObjectCommand({ Bucket: 'photos', Key: 'b.jpg', Body: 'z'.repeat(50), StorageClass: 'STANDARD_IA' }));
  await s3e.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'b.jpg' }));
  await s3w.send(new CreateBucketCommand({ Bucket: 'photos-oregon', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
  await s3w.send(new PutObjectCommand({ Bucket: 'photos-oregon', Key: 'c.jpg', Body: 'c'.repeat(7) }));
  await s3e.send(new CreateBucketCommand({ Bucket: 'empty' }));
});

afterAll(async () => {
  await emu.stop();
});

const stats = (metric: string, storageType: string, bucket = 'photos', client = cwe) =>
  client.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/S3',
      MetricName: metric,
      Dimensions: [
        { Name: 'BucketName', Value: bucket },
        { Name: 'StorageType', Value: storageType },
      ],
      StartTime: new Date(today - 3 * DAY),
      EndTime: new Date(today + 3 * DAY),
      Period: 86_400,
      Statistics: ['Average'],
    }),
  );

describe('S3 daily storage metrics', () => {
  it('are not there for a bucket during the day it was made', async () => {
    expect((await stats('BucketSizeBytes', 'StandardStorage')).Datapoints).toEqual([]);
    expect((await cwe.send(new ListMetricsCommand({ Namespace: 'AWS/S3', MetricName: 'BucketSizeBytes' }))).Metrics ?? []).toEqual([]);
  });

  it('once the day is over: one datapoint for that day per storage type, every version counted, delete markers not', async () => {
    clock.set(today + DAY + 60_000);
    const standard = await stats('BucketSizeBytes', 'StandardStorage');
    expect(standard.Datapoints).toEqual([{ Timestamp: new Date(today), Average: 400, Unit: 'Bytes' }]);
    expect((await stats('BucketSizeBytes', 'StandardIAStorage')).Datapoints?.map((d) => d.Average)).toEqual([50]);
    expect((await stats('NumberOfObjects', 'AllStorageTypes')).Datapoints).toEqual([{ Timestamp: new Date(today), Average: 3, Unit: 'Count' }]);
    // In the bucket's own region only.
    expect((await stats('BucketSizeBytes', 'StandardStorage', 'photos-oregon')).Datapoints).toEqual([]);
    const west = new CloudWatchClient(clientConfig(emu.url, ACCOUNT_A, 'us-west-2'));
    expect((await stats('BucketSizeBytes', 'StandardStorage', 'photos-oregon', west)).Datapoints?.map((d) => d.Average)).toEqual([7]);
  });

  it('are listed with the BucketName and StorageType dimensions; an empty bucket has none', async () => {
    const listed = await cwe.send(new ListMetricsCommand({ Namespace: 'AWS/S3' }));
    const names = (listed.Metrics ?? []).map((m) => `${m.MetricName} ${(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(',')}`).sort();
    expect(names).toEqual([
      'BucketSizeBytes BucketName=photos,StorageType=StandardIAStorage',
      'BucketSizeBytes BucketName=photos,StorageType=StandardStorage',
      'NumberOfObjects BucketName=photos,StorageType=AllStorageTypes',
    ]);
  });

  it('are reported once a day: later writes show in the next day\'s datapoint', async () => {
    await s3e.send(new PutObjectCommand({ Bucket: 'photos', Key: 'd.jpg', Body: 'd'.repeat(600) }));
    expect((await stats('BucketSizeBytes', 'StandardStorage')).Datapoints?.map((d) => d.Average)).toEqual([400]);
    clock.set(today + 2 * DAY + 60_000);
    const points = (await stats('BucketSizeBytes', 'StandardStorage')).Datapoints ?? [];
    expect(points.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime()).map((d) => [d.Timestamp!.getTime() - today, d.Average])).toEqual([
      [0, 400],
      [DAY, 1000],
    ]);
  });

  it('read the same with the AWS CLI', async () => {
    const home = mkdtempSync(join(tmpdir(), 's3repl-awscli-'));
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: home,
      AWS_ACCESS_KEY_ID: ACCOUNT_A,
      AWS_SECRET_ACCESS_KEY: 'emulator-secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: join(home, 'no-such-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-such-credentials'),
    };
    const args = [
      '--endpoint-url', emu.url, '--output', 'json', 'cloudwatch', 'get-metric-statistics',
      '--namespace', 'AWS/S3', '--metric-name', 'NumberOfObjects',
      '--dimensions', 'Name=BucketName,Value=photos', 'Name=StorageType,Value=AllStorageTypes',
      '--start-time', new Date(today).toISOString(), '--end-time', new Date(today + 2 * DAY).toISOString(),
      '--period', '86400', '--statistics', 'Average',
    ];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('/usr/bin/aws', args, { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr })),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { Label: string; Datapoints: Array<{ Average: number; Unit: string }> };
    expect(out.Label).toBe('NumberOfObjects');
    expect(out.Datapoints.map((d) => [d.Average, d.Unit]).sort()).toEqual([
      [3, 'Count'],
      [4, 'Count'],
    ]);
  });

  it("are what s3repl's cost estimate reads: the latest day, bytes summed over storage types", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCOUNT_A, AWS_SECRET_ACCESS_KEY: 'emulator-secret' });
    delete process.env.AWS_PROFILE;
    const aws = new AwsClients({ endpointUrl: emu.url, env: {} });
    try {
      const m = await readStorageMetrics(
        aws,
        [
          { bucket: 'photos', region: 'us-east-1' },
          { bucket: 'photos-oregon', region: 'us-west-2' },
          { bucket: 'empty', region: 'us-east-1' },
        ],
        new Date(clock.now()),
      );
      expect(m.get('photos')).toEqual({ bytes: 1050, objects: 4, at: new Date(today + DAY).toISOString().slice(0, 10) });
      expect(m.get('photos-oregon')).toMatchObject({ bytes: 7, objects: 1 });
      expect(m.get('empty')).toEqual({ bytes: null, objects: null, at: null });
      expect(aws.calls.get('cloudwatch:GetMetricData')).toBe(2);
    } finally {
      aws.destroy();
      process.env = saved;
    }
  });
});
