/**
 * The emulator's SQS through the real SDK client (JSON 1.0 protocol): queues,
 * attributes, messages with visibility timeouts and receipt handles, AWS's
 * error codes, queue policies for other accounts and for S3's event
 * notifications (validation and the s3:TestEvent message).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Emulator } from './server.js';
import { ACCOUNT, emulator, failure, OTHER_ACCOUNT, s3, s3QueuePolicy, sqs } from './s3-testkit.js';

let emu: Emulator;
let client: SQSClient;
let t: number;

beforeEach(async () => {
  t = Date.UTC(2026, 10, 30, 12, 0, 0);
  emu = await emulator({ clock: { now: () => t } });
  client = sqs(emu);
});
afterEach(async () => emu.stop());

const create = async (name: string, Attributes?: Record<string, string>) =>
  (await client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;

const attributes = async (QueueUrl: string) =>
  (await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};

const receive = (QueueUrl: string, over: { MaxNumberOfMessages?: number; VisibilityTimeout?: number; WaitTimeSeconds?: number } = {}) =>
  client.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...over }));

describe('queues', () => {
  it('creates a queue (idempotently), finds, lists and deletes it', async () => {
    const url = await create('events');
    expect(url).toMatch(new RegExp(`/${ACCOUNT}/events$`));
    expect(await create('events')).toBe(url);
    await create('events-dlq');
    await create('other');
    expect((await client.send(new GetQueueUrlCommand({ QueueName: 'events' }))).QueueUrl).toBe(url);
    expect((await client.send(new ListQueuesCommand({ QueueNamePrefix: 'events' }))).QueueUrls).toEqual([url, url.replace(/events$/, 'events-dlq')]);
    // Another region has its own queues.
    expect((await sqs(emu, 'eu-west-1').send(new ListQueuesCommand({}))).QueueUrls).toBeUndefined();
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect(await failure(client.send(new GetQueueUrlCommand({ QueueName: 'events' })))).toMatchObject({
      name: 'QueueDoesNotExist',
      status: 400,
      message: 'The specified queue does not exist.',
    });
    expect(await failure(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })))).toMatchObject({ name: 'QueueDoesNotExist' });
    // A deleted queue's name is free again after 60 seconds.
    expect(await failure(create('events'))).toMatchObject({ name: 'QueueDeletedRecently', status: 400 });
    t += 61_000;
    expect(await create('events')).toBe(url);
  });

  it('refuses bad names, a different attribute for an existing name, unknown and out-of-range attributes', async () => {
    expect(await failure(create('has space'))).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    });
    expect(await failure(create('x'.repeat(81)))).toMatchObject({ name: 'InvalidParameterValue' });
    await create('q', { VisibilityTimeout: '60' });
    expect(await failure(create('q', { VisibilityTimeout: '90' }))).toMatchObject({ name: 'QueueNameExists', status: 400 });
    expect(await failure(create('q2', { VisibilityTimeout: '43201' }))).toMatchObject({ name: 'InvalidAttributeValue', message: 'Invalid value for the parameter VisibilityTimeout.' });
    expect(await failure(create('q3', { Colour: 'blue' }))).toMatchObject({ name: 'InvalidAttributeName', message: 'Unknown Attribute Colour.' });
  });

  it('reports defaults and computed attributes; sets and clears a policy', async () => {
    const url = await create('attrs', { MessageRetentionPeriod: '86400' });
    const a = await attributes(url);
    expect(a).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:attrs`,
      VisibilityTimeout: '30',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '86400',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      CreatedTimestamp: String(t / 1000),
    });
    expect(a.Policy).toBeUndefined();
    const policy = s3QueuePolicy(a.QueueArn!, 'src', ACCOUNT);
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }));
    expect((await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes).toEqual({ Policy: policy });
    expect(await failure(client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '{not json' } })))).toMatchObject({
      name: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter Policy.',
    });
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '' } }));
    expect((await attributes(url)).Policy).toBeUndefined();
  });
});

describe('messages', () => {
  it('sends and receives with the body MD5 the SDK checks; a received message is invisible until its visibility timeout ends', async () => {
    const url = await create('m', { VisibilityTimeout: '30' });
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"hello":"world"}' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const first = await receive(url);
    expect(first.Messages).toHaveLength(1);
    const m = first.Messages![0]!;
    expect(m).toMatchObject({ MessageId: sent.MessageId, Body: '{"hello":"world"}', MD5OfBody: sent.MD5OfMessageBody });
    expect(m.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: String(t) });
    expect((await receive(url)).Messages).toBeUndefined(); // in flight
    expect(await attributes(url)).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    t += 30_000;
    const again = await receive(url);
    expect(again.Messages?.[0]).toMatchObject({ MessageId: sent.MessageId, Attributes: expect.objectContaining({ ApproximateReceiveCount: '2' }) });
    // The first receipt handle is stale: deleting with it succeeds and deletes nothing.
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    t += 30_000;
    const third = await receive(url);
    expect(third.Messages?.[0]?.MessageId).toBe(sent.MessageId);
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages![0]!.ReceiptHandle! }));
    t += 30_000;
    expect((await receive(url)).Messages).toBeUndefined();
    expect(await failure(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })))).toMatchObject({
      name: 'ReceiptHandleIsInvalid',
      status: 404,
    });
  });

  it('receives at most MaxNumberOfMessages (1 to 10), with a per-call visibility timeout', async () => {
    const url = await create('many');
    for (let i = 0; i < 12; i++) await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    expect((await receive(url)).Messages).toHaveLength(1);
    const ten = await receive(url, { MaxNumberOfMessages: 10, VisibilityTimeout: 0 });
    expect(ten.Messages).toHaveLength(10);
    // VisibilityTimeout 0: visible again at once.
    expect((await receive(url, { MaxNumberOfMessages: 10 })).Messages).toHaveLength(10);
    expect(await failure(receive(url, { MaxNumberOfMessages: 11 }))).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
  });

  it('round-trips message attributes with the MD5 the SDK verifies', async () => {
    const url = await create('attrs');
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'b',
        MessageAttributes: { rule: { DataType: 'String', StringValue: 'r1' }, n: { DataType: 'Number', StringValue: '3' }, bin: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]) } },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));
    expect(got.Messages?.[0]?.MessageAttributes?.rule).toMatchObject({ DataType: 'String', StringValue: 'r1' });
    expect(got.Messages?.[0]?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  it('deletes in batches, reporting each entry; refuses empty, oversized and ambiguous batches', async () => {
    const url = await create('batch');
    for (let i = 0; i < 3; i++) await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    const got = (await receive(url, { MaxNumberOfMessages: 10 })).Messages!;
    const res = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [...got.map((m, i) => ({ Id: `e${i}`, ReceiptHandle: m.ReceiptHandle! })), { Id: 'bad', ReceiptHandle: 'nope' }],
      }),
    );
    expect(res.Successful?.map((s) => s.Id)).toEqual(['e0', 'e1', 'e2']);
    expect(res.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "nope" is not a valid receipt handle.' }]);
    t += 60_000;
    expect((await receive(url)).Messages).toBeUndefined();
    expect(await failure(client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })))).toMatchObject({ name: 'EmptyBatchRequest' });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, ReceiptHandle: 'x' }));
    expect(await failure(client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
    expect(
      await failure(client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', ReceiptHandle: 'x' }, { Id: 'a', ReceiptHandle: 'y' }] }))),
    ).toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
  });

  it('answers in the JSON protocol AWS documents: __type plus the x-amzn-query-error header', async () => {
    const res = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: JSON.stringify({ QueueName: 'nope' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(res.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(await res.json()).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });

  it('refuses a message larger than the queue allows', async () => {
    const url = await create('small', { MaximumMessageSize: '1024' });
    expect(await failure(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })))).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
  });

  it('waits for a message with WaitTimeSeconds (long polling)', async () => {
    const url = await create('long');
    const waiting = receive(url, { WaitTimeSeconds: 5 });
    await new Promise((r) => setTimeout(r, 100));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    expect((await waiting).Messages?.[0]?.Body).toBe('late');
  });

  it('lets another account in only through the queue policy', async () => {
    const url = await create('shared');
    const other = sqs(emu, 'us-east-1', OTHER_ACCOUNT);
    expect(await failure(other.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:shared`;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 'sqs:SendMessage', Resource: arn }] };
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }));
    await other.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    expect(await failure(other.send(new ReceiveMessageCommand({ QueueUrl: url })))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('emulator core', () => {
  it('keeps queues, their policies and messages across a --persist restart', async () => {
    await emu.stop();
    const file = join(mkdtempSync(join(tmpdir(), 'emu-sqs-')), 'state.json');
    emu = await emulator({ clock: { now: () => t }, persistFile: file });
    client = sqs(emu);
    const url = await create('kept');
    const policy = s3QueuePolicy(`arn:aws:sqs:us-east-1:${ACCOUNT}:kept`, 'src', ACCOUNT);
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'survives' }));
    await emu.stop();
    emu = await emulator({ clock: { now: () => t }, persistFile: file });
    client = sqs(emu);
    const again = (await client.send(new GetQueueUrlCommand({ QueueName: 'kept' }))).QueueUrl!;
    expect((await attributes(again)).Policy).toBe(policy);
    expect((await receive(again)).Messages?.[0]?.Body).toBe('survives');
  });

  it('throttles SQS calls with its own error when faults target sqs', async () => {
    const url = await create('busy');
    emu.setFaults({ throttleRate: 1, targets: ['sqs:SendMessage'] });
    expect(await failure(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })))).toMatchObject({ name: 'RequestThrottled', status: 403 });
    expect(emu.calls()['sqs:SendMessage']).toBe(1);
    expect((await receive(url)).Messages).toBeUndefined(); // nothing was sent
  });
});

describe('S3 event notifications to a queue', () => {
  let s3c: S3Client;
  const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:events`;

  const putNotification = (bucket: string, skip = false) =>
    s3c.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { QueueConfigurations: [{ Id: 'failed', QueueArn: QUEUE_ARN, Events: ['s3:Replication:OperationFailedReplication'] }] },
        SkipDestinationValidation: skip,
      }),
    );

  beforeEach(async () => {
    s3c = s3(emu);
    await s3c.send(new CreateBucketCommand({ Bucket: 'src' }));
  });

  it('validates the queue policy S3 needs (principal, SourceArn, SourceAccount) and sends s3:TestEvent', async () => {
    const url = await create('events');
    const denied = { name: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' };
    expect(await failure(putNotification('src'))).toMatchObject(denied); // no policy at all
    const setPolicy = (p: string) => client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: p } }));
    await setPolicy(s3QueuePolicy(QUEUE_ARN, 'another-bucket', ACCOUNT));
    expect(await failure(putNotification('src'))).toMatchObject(denied); // another bucket's SourceArn
    await setPolicy(s3QueuePolicy(QUEUE_ARN, 'src', OTHER_ACCOUNT));
    expect(await failure(putNotification('src'))).toMatchObject(denied); // the wrong SourceAccount
    const raw = await fetch(`${emu.url}/src?notification`, {
      method: 'PUT',
      body: `<NotificationConfiguration><QueueConfiguration><Queue>${QUEUE_ARN}</Queue><Event>s3:Replication:*</Event></QueueConfiguration></NotificationConfiguration>`,
    });
    expect(await raw.text()).toContain(
      `<ArgumentName1>${QUEUE_ARN}</ArgumentName1><ArgumentValue1>Permissions on the destination queue do not allow S3 to publish notifications from this bucket</ArgumentValue1>`,
    );
    expect((await receive(url)).Messages).toBeUndefined(); // refused configurations send nothing

    await setPolicy(s3QueuePolicy(QUEUE_ARN, 'src', ACCOUNT));
    await putNotification('src');
    expect((await s3c.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'src' }))).QueueConfigurations?.[0]?.QueueArn).toBe(QUEUE_ARN);
    const test = (await receive(url)).Messages;
    expect(test).toHaveLength(1);
    expect(JSON.parse(test![0]!.Body!)).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'src', Time: new Date(t).toISOString() });
  });

  it('sends no test event when destination validation is skipped', async () => {
    const url = await create('events');
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: s3QueuePolicy(QUEUE_ARN, 'src', ACCOUNT) } }));
    await putNotification('src', true);
    expect((await receive(url)).Messages).toBeUndefined();
  });
});
