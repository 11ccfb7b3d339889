/**
 * Replication failure events, tried as a new user would: a destination made
 * unavailable produces failure events that `s3repl failures --rule` lists with
 * their reason; `retry-failed --from-events` replicates exactly those objects
 * once the destination is back; another tool's notification entry on the same
 * bucket survives every apply and destroy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const ACCOUNT = '111111111111';
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:repl-failures`;
const THUMBS = `arn:aws:sqs:us-east-1:${ACCOUNT}:thumbnails`;

const config = `version: 1
defaults: { region: us-east-1 }
buckets:
  shop-src: {}
  shop-dst: { region: us-west-2, create: true }
  shop-reports: { create: true }
roles: { replication: { name: s3repl-shop } }
jobs: { reportBucket: shop-reports }
replications:
  - source: shop-src
    role: replication
    rules:
      - id: orders
        priority: 1
        filter: { prefix: orders/ }
        destination: { bucket: shop-dst }
      - id: logs
        priority: 2
        filter: { prefix: logs/ }
        destination: { bucket: shop-dst }
    events:
      - types: [failed]
        queue: ${QUEUE}
        rules: [orders]
`;

/** A queue whose policy lets S3 send the events of shop-src (S3 User Guide's example policy). */
async function queue(emu: Emulator, name: string, arn: string): Promise<void> {
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: emu.url, credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'x' } });
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::shop-src' }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ],
  };
  await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { Policy: JSON.stringify(policy) } }));
  sqs.destroy();
}

describe('replication failure events, end to end', () => {
  let emu: Emulator;
  let cwd: string;
  const cli = (...args: string[]) => runCli(args, { cwd, endpoint: emu.url });
  const east = () => clients(emu.url).s3;
  const notification = async () => east().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'shop-src' }));

  beforeAll(async () => {
    emu = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 10 });
    await queue(emu, 'repl-failures', QUEUE);
    await queue(emu, 'thumbnails', THUMBS);
    // The source exists already, with another tool's notification entry on it.
    await east().send(new CreateBucketCommand({ Bucket: 'shop-src' }));
    await east().send(new PutBucketVersioningCommand({ Bucket: 'shop-src', VersioningConfiguration: { Status: 'Enabled' } }));
    await east().send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'shop-src',
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: 'thumbnails', QueueArn: THUMBS, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } } }],
          EventBridgeConfiguration: {},
        },
      }),
    );
    cwd = workdir(config);
  });
  afterAll(async () => emu?.stop());

  it('plans the events with the other entry kept, and applies without touching it', async () => {
    const plan = await cli('plan', '--no-color');
    expect(plan.code, plan.stderr).toBe(0);
    const shown = plan.stdout.replace(/\s+/g, ' ');
    expect(shown).toContain('bucket-notification.shop-src');
    expect(shown).toMatch(/keeps 1 notification entry of other tools and the EventBridge setting/);
    expect(shown).toContain('thumbnails → queue');
    expect(shown).toMatch(/replication metrics turned on for rule orders of shop-src/);
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stderr).toBe(0);
    const n = await notification();
    expect(n.QueueConfigurations?.map((q) => q.Id).sort()).toEqual([expect.stringMatching(/^s3repl-replication-[0-9a-f]{12}$/), 'thumbnails']);
    expect(n.QueueConfigurations?.find((q) => q.Id === 'thumbnails')).toMatchObject({ QueueArn: THUMBS, Events: ['s3:ObjectCreated:*'] });
    const mine = n.QueueConfigurations?.find((q) => q.Id?.startsWith('s3repl-'));
    expect(mine).toMatchObject({ QueueArn: QUEUE, Events: ['s3:Replication:OperationFailedReplication'] });
    expect(mine!.Filter?.Key?.FilterRules).toEqual([{ Name: 'Prefix', Value: 'orders/' }]);
    expect(n.EventBridgeConfiguration).toBeDefined();
    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });

  it('lists the failures of a rule with their reason, and retries exactly those objects', async () => {
    emu.setBucketAvailable('shop-dst', false);
    const put = async (Key: string) => (await east().send(new PutObjectCommand({ Bucket: 'shop-src', Key, Body: Key }))).VersionId!;
    const a = await put('orders/1001.json');
    const b = await put('orders/1002 copy.json');
    const log = await put('logs/app.log');
    await emu.settled();
    // S3 (the emulator) sends the two failures of rule orders to the queue; logs has no events: configured.

    const failures = await cli('failures', '--rule', 'orders', '--format', 'json');
    expect(failures.code, failures.stderr).toBe(2);
    const report = JSON.parse(failures.stdout);
    expect(report.received).toMatchObject({ recorded: 2, tests: 1 });
    expect(report.groups).toEqual([
      expect.objectContaining({ source: 'shop-src', ruleId: 'orders', destination: 'shop-dst', failureReason: 'DstBucketNotFound', objects: 2, pending: 2, meaning: expect.stringContaining("can't find the destination bucket") }),
    ]);
    const text = await cli('failures', '--rule', 'orders', '--no-receive', '--no-color');
    expect(text.stdout).toContain('orders/1002 copy.json');
    expect(text.stdout.replace(/\s+/g, ' ')).toMatch(/DstBucketNotFound .* fix: create the destination bucket again/);

    emu.setBucketAvailable('shop-dst', true);
    const retry = await cli('retry-failed', '--from-events', '--rule', 'orders', '--wait', '--interval', '1s');
    expect(retry.code, retry.stderr + retry.stdout).toBe(0);
    expect(retry.stdout).toMatch(/for 2 failed object versions of shop-src \(orders\)/);
    await emu.settled();
    const west = clients(emu.url, 'us-west-2').s3;
    for (const [Key, VersionId] of [['orders/1001.json', a], ['orders/1002 copy.json', b]] as const) {
      expect((await west.send(new HeadObjectCommand({ Bucket: 'shop-dst', Key, VersionId }))).ReplicationStatus).toBe('REPLICA');
    }
    // Exactly those: the log failed too, but no event names it, so it was not retried.
    await expect(west.send(new HeadObjectCommand({ Bucket: 'shop-dst', Key: 'logs/app.log', VersionId: log }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await east().send(new HeadObjectCommand({ Bucket: 'shop-src', Key: 'logs/app.log' }))).ReplicationStatus).toBe('FAILED');

    const after = await cli('failures', '--rule', 'orders', '--format', 'json');
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).total).toMatchObject({ objects: 2, pending: 0 });
    // Nothing left to retry: no second job.
    const none = await cli('retry-failed', '--from-events', '--rule', 'orders');
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/No recorded replication failures of shop-src \(orders\) wait for a retry/);
  });

  it("destroy removes only s3repl's entry: the other tool's stays", async () => {
    const destroy = await cli('destroy', '--auto-approve');
    expect(destroy.code, destroy.stderr).toBe(0);
    const n = await notification();
    expect(n.QueueConfigurations?.map((q) => q.Id)).toEqual(['thumbnails']);
    expect(n.EventBridgeConfiguration).toBeDefined();
  });
});
