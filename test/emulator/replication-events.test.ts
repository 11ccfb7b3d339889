/**
 * Replication events end to end: the engine fails (or is late with) a
 * version, and the source bucket's notification configuration sends S3's
 * documented event message to an SQS queue, read with the real SDK client.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type Destination,
  type QueueConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Emulator, EmulatorOptions } from './server.js';
import { ACCOUNT, emulator, replicationPolicy, replicationRole, s3, s3QueuePolicy, sqs } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;
let queue: SQSClient;
let queueUrl: string;
let t: number;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:replication-events`;

async function start(opts: EmulatorOptions = {}): Promise<void> {
  t = Date.UTC(2026, 10, 30, 12, 0, 0);
  emu = await emulator({ clock: { now: () => t }, ...opts });
  client = s3(emu);
  queue = sqs(emu);
  for (const b of ['src', 'dst']) {
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  queueUrl = (await queue.send(new CreateQueueCommand({ QueueName: 'replication-events', Attributes: { Policy: s3QueuePolicy(QUEUE_ARN, 'src', ACCOUNT) } }))).QueueUrl!;
}

beforeEach(async () => start());
afterEach(async () => emu.stop());

let roles = 0;
async function replicate(destination: Partial<Destination> = { Metrics: { Status: 'Enabled' } }, policy?: string): Promise<void> {
  const role = await replicationRole(emu, `events-role-${++roles}`, 'src', ['dst'], policy);
  await client.send(
    new PutBucketReplicationCommand({
      Bucket: 'src',
      ReplicationConfiguration: {
        Role: role,
        Rules: [{ ID: 'all', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::dst', ...destination } }],
      },
    }),
  );
}

/** Configures the queue (validated: S3 sends its test message, which is consumed here). */
async function notify(configs: QueueConfiguration[]): Promise<void> {
  await client.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'src', NotificationConfiguration: { QueueConfigurations: configs } }));
  const test = await drainQueue();
  expect(test.map((m) => m.Event)).toEqual(['s3:TestEvent']);
}

interface EventRecord {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; arn: string };
    object: { key: string; size: number; eTag: string; versionId: string };
  };
  replicationEventData: Record<string, string>;
}

/** Every message now in the queue, deleted once read; S3 event messages are unwrapped to their record. */
async function drainQueue(): Promise<Array<EventRecord & { Event?: string }>> {
  const out: Array<EventRecord & { Event?: string }> = [];
  for (;;) {
    const got = await queue.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!got.Messages) return out;
    for (const m of got.Messages) {
      const body = JSON.parse(m.Body!) as { Records?: EventRecord[]; Event?: string };
      if (body.Records) out.push(...body.Records);
      else out.push(body as EventRecord & { Event?: string });
      await queue.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

const failedEvents = [{ Id: 'failures', QueueArn: QUEUE_ARN, Events: ['s3:Replication:OperationFailedReplication' as const] }];

describe('replication failure events', () => {
  it('sends OperationFailedReplication with the documented payload when the destination is missing', async () => {
    await replicate();
    await notify(failedEvents);
    emu.setBucketAvailable('dst', false);
    const written = t;
    const put = await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt', Body: 'payload' }));
    await emu.settled();
    expect((await client.send(new HeadObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt' }))).ReplicationStatus).toBe('FAILED');
    const events = await drainQueue();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventVersion: '2.2',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'Replication:OperationFailedReplication',
      userIdentity: { principalId: 's3.amazonaws.com' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'failures',
        bucket: { name: 'src', arn: 'arn:aws:s3:::src' },
        // Keys are URL-encoded in event messages.
        object: { key: 'docs/a+b.txt', size: 7, eTag: put.ETag!.replace(/"/g, ''), versionId: put.VersionId },
      },
      replicationEventData: {
        replicationRuleId: 'all',
        destinationBucket: 'arn:aws:s3:::dst',
        s3Operation: 'OBJECT_PUT',
        requestTime: new Date(written).toISOString(),
        failureReason: 'DstBucketNotFound',
      },
    });
  });

  it('names the failure reason S3 documents for what went wrong', async () => {
    // The role may read the source but not write the destination.
    const policy = JSON.parse(replicationPolicy('src', ['dst'])) as { Statement: Array<{ Action: string[] }> };
    policy.Statement[2]!.Action = ['s3:ReplicateDelete'];
    await replicate({ Metrics: { Status: 'Enabled' } }, JSON.stringify(policy));
    await notify(failedEvents);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'denied.txt', Body: 'x' }));
    await emu.settled();
    const denied = await drainQueue();
    expect(denied.map((e) => e.replicationEventData.failureReason)).toEqual(['DstPutObjectNotPermitted']);
  });

  it('reports a destination whose versioning was suspended as DstBucketUnversioned', async () => {
    await replicate();
    await notify(failedEvents);
    await client.send(new PutBucketVersioningCommand({ Bucket: 'dst', VersioningConfiguration: { Status: 'Suspended' } }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'x' }));
    await emu.settled();
    expect((await drainQueue()).map((e) => e.replicationEventData.failureReason)).toEqual(['DstBucketUnversioned']);
  });

  it('sends nothing for a rule without replication metrics, for a key the filter excludes, or for a success', async () => {
    await replicate({});
    await notify(failedEvents);
    emu.setBucketAvailable('dst', false);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'a', Body: 'x' }));
    await emu.settled();
    expect(await drainQueue()).toEqual([]); // FAILED, but metrics are off

    await replicate();
    await notify([{ ...failedEvents[0]!, Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] } } }]);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'data/b', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'logs/c', Body: 'x' }));
    await emu.settled();
    expect((await drainQueue()).map((e) => e.s3.object.key)).toEqual(['logs/c']);

    emu.setBucketAvailable('dst', true);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'logs/d', Body: 'x' }));
    await emu.settled();
    expect(await drainQueue()).toEqual([]);
  });
});

describe('replication time control events', () => {
  const rtc: Partial<Destination> = { ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } }, Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } } };

  beforeEach(async () => {
    // Replication waits until drain(): the test moves the clock past the threshold first.
    await emu.stop();
    await start({ replicationDelayMs: 3_600_000 });
  });

  it('sends OperationMissedThreshold and OperationReplicatedAfterThreshold for a version replicated after 15 minutes', async () => {
    await replicate(rtc);
    await notify([{ Id: 'rtc', QueueArn: QUEUE_ARN, Events: ['s3:Replication:*'] }]);
    const written = t;
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'slow', Body: 'x' }));
    t += 16 * 60_000;
    emu.drain();
    const events = await drainQueue();
    expect(events.map((e) => e.eventName)).toEqual(['Replication:OperationMissedThreshold', 'Replication:OperationReplicatedAfterThreshold']);
    expect(events[1]!.replicationEventData).toMatchObject({
      replicationRuleId: 'all',
      requestTime: new Date(written).toISOString(),
      replicationTime: new Date(t).toISOString(),
    });
    expect(events[1]!.replicationEventData.failureReason).toBeUndefined();
  });

  it('sends nothing for a version replicated within the threshold, and no threshold events without RTC', async () => {
    await replicate(rtc);
    await notify([{ Id: 'rtc', QueueArn: QUEUE_ARN, Events: ['s3:Replication:*'] }]);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'fast', Body: 'x' }));
    t += 5 * 60_000;
    emu.drain();
    expect(await drainQueue()).toEqual([]);

    await replicate({ Metrics: { Status: 'Enabled' } });
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'no-rtc', Body: 'x' }));
    t += 60 * 60_000;
    emu.drain();
    expect(await drainQueue()).toEqual([]);
  });
});
