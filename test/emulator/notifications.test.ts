/**
 * Bucket event notification configuration through the real SDK client:
 * the whole document replaced on each PUT, AWS's validation (event names,
 * filter rules, overlapping filters, destination ARNs and destinations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type Event,
  type NotificationConfiguration,
  type QueueConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Emulator } from './server.js';
import { ACCOUNT, emulator, failure, OTHER_ACCOUNT, s3 } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;

beforeAll(async () => {
  emu = await emulator();
  client = s3(emu);
});
afterAll(async () => emu.stop());

let n = 0;
const fresh = async () => {
  const name = `notif-${++n}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
};

const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:events`;

const queue = (over: Partial<QueueConfiguration> = {}): QueueConfiguration => ({
  QueueArn: QUEUE,
  Events: ['s3:Replication:OperationFailedReplication'],
  ...over,
});

const put = (bucket: string, config: NotificationConfiguration, skip = true) =>
  client.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config, SkipDestinationValidation: skip }));

const get = (bucket: string) => client.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));

const prefix = (p: string) => ({ Key: { FilterRules: [{ Name: 'prefix' as const, Value: p }] } });
const suffix = (s: string) => ({ Key: { FilterRules: [{ Name: 'suffix' as const, Value: s }] } });

describe('notification configuration: storage', () => {
  it('is empty on a new bucket', async () => {
    const b = await fresh();
    const got = await get(b);
    expect(got.QueueConfigurations).toBeUndefined();
    expect(got.TopicConfigurations).toBeUndefined();
    expect(got.LambdaFunctionConfigurations).toBeUndefined();
    expect(got.EventBridgeConfiguration).toBeUndefined();
  });

  it('stores queue, topic and function configurations with filters and EventBridge, and reads them back', async () => {
    const b = await fresh();
    await put(b, {
      QueueConfigurations: [
        queue({
          Id: 's3repl-failed',
          Events: ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }, { Name: 'suffix', Value: '.gz' }] } },
        }),
      ],
      TopicConfigurations: [{ Id: 'other-tool', TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`, Events: ['s3:ObjectCreated:*'] }],
      LambdaFunctionConfigurations: [
        { LambdaFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:thumbs`, Events: ['s3:ObjectRemoved:*'] },
      ],
      EventBridgeConfiguration: {},
    });
    const got = await get(b);
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 's3repl-failed',
        QueueArn: QUEUE,
        Events: ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold'],
        // Rule names are read back capitalised.
        Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'logs/' }, { Name: 'Suffix', Value: '.gz' }] } },
      },
    ]);
    expect(got.TopicConfigurations).toEqual([{ Id: 'other-tool', TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`, Events: ['s3:ObjectCreated:*'] }]);
    const fn = got.LambdaFunctionConfigurations?.[0];
    expect(fn?.LambdaFunctionArn).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:thumbs`);
    expect(fn?.Id).toMatch(/^.{8,}$/); // S3 names a configuration sent without Id
    expect(got.EventBridgeConfiguration).toEqual({});
  });

  it('replaces the whole document on each PUT; an empty document removes everything', async () => {
    const b = await fresh();
    await put(b, { QueueConfigurations: [queue({ Id: 'ours' })], TopicConfigurations: [{ Id: 'theirs', TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:t`, Events: ['s3:ObjectCreated:*'] }] });
    await put(b, { QueueConfigurations: [queue({ Id: 'ours', Events: ['s3:Replication:*'] })] });
    const got = await get(b);
    expect(got.TopicConfigurations).toBeUndefined(); // the other tool's entry is gone: the PUT replaced it
    expect(got.QueueConfigurations?.map((q) => [q.Id, q.Events])).toEqual([['ours', ['s3:Replication:*']]]);
    await put(b, {});
    expect((await get(b)).QueueConfigurations).toBeUndefined();
  });

  it('is only the bucket owner’s to read and write', async () => {
    const b = await fresh();
    const other = s3(emu, 'us-east-1', OTHER_ACCOUNT);
    expect(await failure(other.send(new GetBucketNotificationConfigurationCommand({ Bucket: b })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });
});

describe('notification configuration: validation', () => {
  it('accepts every replication event type and rejects an unknown event', async () => {
    const b = await fresh();
    const all: Event[] = [
      's3:Replication:*',
      's3:Replication:OperationFailedReplication',
      's3:Replication:OperationMissedThreshold',
      's3:Replication:OperationReplicatedAfterThreshold',
      's3:Replication:OperationNotTracked',
    ];
    for (const e of all) {
      await put(b, { QueueConfigurations: [queue({ Events: [e] })] });
    }
    expect(await failure(put(b, { QueueConfigurations: [queue({ Events: ['s3:Replication:OperationFailed' as never] })] }))).toMatchObject({
      name: 'InvalidArgument',
      status: 400,
      message: 'The event is not supported for notifications',
    });
  });

  it('rejects overlapping filters for the same event type, as AWS documents', async () => {
    const b = await fresh();
    const ambiguous = { name: 'InvalidArgument', status: 400, message: expect.stringContaining('Configuration is ambiguously defined') };
    // No prefix overlaps every prefix.
    expect(await failure(put(b, { QueueConfigurations: [queue({ Id: 'a' }), queue({ Id: 'b', Filter: prefix('images') })] }))).toMatchObject(ambiguous);
    // A wildcard overlaps its members; "jpg" and "pg" can end the same key.
    expect(
      await failure(
        put(b, {
          TopicConfigurations: [
            { TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:one`, Events: ['s3:ObjectCreated:*'], Filter: suffix('jpg') },
            { TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:two`, Events: ['s3:ObjectCreated:Put'], Filter: suffix('pg') },
          ],
        }),
      ),
    ).toMatchObject(ambiguous);
    // Across destination kinds too: s3:Replication:* covers the failure event.
    expect(
      await failure(
        put(b, {
          QueueConfigurations: [queue({ Events: ['s3:Replication:OperationFailedReplication'] })],
          LambdaFunctionConfigurations: [{ LambdaFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`, Events: ['s3:Replication:*'] }],
        }),
      ),
    ).toMatchObject(ambiguous);
  });

  it('accepts overlapping prefixes with non-overlapping suffixes, and the same filter for different event types', async () => {
    const b = await fresh();
    await put(b, {
      QueueConfigurations: [
        queue({ Id: 'jpg', Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images' }, { Name: 'suffix', Value: '.jpg' }] } } }),
        queue({ Id: 'png', Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images' }, { Name: 'suffix', Value: '.png' }] } } }),
        queue({ Id: 'failed', Events: ['s3:Replication:OperationFailedReplication'] }),
        queue({ Id: 'late', Events: ['s3:Replication:OperationReplicatedAfterThreshold'] }),
        queue({ Id: 'logs', Events: ['s3:Replication:OperationMissedThreshold'], Filter: prefix('logs/') }),
        queue({ Id: 'data', Events: ['s3:Replication:OperationMissedThreshold'], Filter: prefix('data/') }),
      ],
    });
    expect((await get(b)).QueueConfigurations?.map((q) => q.Id)).toEqual(['jpg', 'png', 'failed', 'late', 'logs', 'data']);
  });

  it('rejects a filter rule that is not prefix or suffix, and two rules of one kind', async () => {
    const b = await fresh();
    expect(await failure(put(b, { QueueConfigurations: [queue({ Filter: { Key: { FilterRules: [{ Name: 'infix' as never, Value: 'x' }] } } })] }))).toMatchObject({
      name: 'InvalidArgument',
      message: 'filter rule name must be either prefix or suffix',
    });
    expect(
      await failure(put(b, { QueueConfigurations: [queue({ Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }, { Name: 'Prefix' as never, Value: 'b/' }] } } })] })),
    ).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('rejects an ARN that does not parse even when destination validation is skipped', async () => {
    const b = await fresh();
    expect(await failure(put(b, { QueueConfigurations: [queue({ QueueArn: 'events-queue' })] }, true))).toMatchObject({
      name: 'InvalidArgument',
      message: 'The ARN could not be parsed',
    });
  });

  it('rejects a destination in another region than the bucket', async () => {
    const b = await fresh();
    expect(await failure(put(b, { QueueConfigurations: [queue({ QueueArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:events` })] }))).toMatchObject({
      name: 'InvalidArgument',
      status: 400,
    });
  });

  it('validates destinations unless x-amz-skip-destination-validation is true, naming each one that failed', async () => {
    const b = await fresh();
    const config: NotificationConfiguration = {
      QueueConfigurations: [queue({ Events: ['s3:Replication:OperationFailedReplication'] })],
      TopicConfigurations: [{ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`, Events: ['s3:ObjectCreated:*'] }],
    };
    expect(await failure(put(b, config, false))).toMatchObject({
      name: 'InvalidArgument',
      status: 400,
      message: 'Unable to validate the following destination configurations',
    });
    // The error names every destination and why (unsigned request: the default account).
    const body =
      `<NotificationConfiguration><QueueConfiguration><Queue>${QUEUE}</Queue><Event>s3:Replication:*</Event></QueueConfiguration>` +
      `<TopicConfiguration><Topic>arn:aws:sns:us-east-1:${ACCOUNT}:alerts</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration></NotificationConfiguration>`;
    const res = await fetch(`${emu.url}/${b}?notification`, { method: 'PUT', body });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toContain('<Code>InvalidArgument</Code>');
    expect(xml).toContain(`<ArgumentName1>arn:aws:sns:us-east-1:${ACCOUNT}:alerts</ArgumentName1><ArgumentValue1>The destination topic does not exist</ArgumentValue1>`);
    expect(xml).toContain(`<ArgumentName2>${QUEUE}</ArgumentName2><ArgumentValue2>The destination queue does not exist</ArgumentValue2>`);
    // Nothing was stored by the failed PUTs.
    expect((await get(b)).QueueConfigurations).toBeUndefined();
    await put(b, config, true);
    expect((await get(b)).QueueConfigurations?.[0]?.QueueArn).toBe(QUEUE);
  });

  it('rejects a document that is not a NotificationConfiguration', async () => {
    const b = await fresh();
    const res = await fetch(`${emu.url}/${b}?notification`, { method: 'PUT', body: '<NotificationConfiguration><Bogus/></NotificationConfiguration>' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>MalformedXML</Code>');
  });
});
