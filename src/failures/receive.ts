/**
 * Receiving replication events from the queues `events:` names, without ever
 * losing one: each message is deleted only after every event in it is
 * recorded in the failure store. A run stopped in between leaves the message
 * in the queue; it comes back after its visibility timeout and is recorded
 * again under the same key (a no-op: src/failures/store.ts). Messages that are
 * not replication events of this configuration's sources stay in the queue.
 */
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import { parseDestinationArn } from '../config/events.js';
import { parseMessage, type ReplicationEvent } from './events.js';
import { recordEvent, type Store } from './store.js';

export interface QueueRef {
  arn: string;
  region: string;
  account: string;
  name: string;
}

export interface ReceiveSummary {
  messages: number;
  recorded: number;
  /** Events recorded before (delivered twice, or received again after an interrupted run). */
  duplicates: number;
  /** S3's test messages, deleted. */
  tests: number;
  /** Messages that are not replication events of these sources, left in the queue. */
  left: number;
}

/** The queues of the configuration's `events:` (of these sources, when given). */
export function eventQueues(config: Config, sources?: readonly string[]): QueueRef[] {
  const seen = new Map<string, QueueRef>();
  for (const rep of config.replications) {
    if (sources && !sources.includes(rep.source)) continue;
    for (const e of rep.events ?? []) {
      if (e.destination.type !== 'queue') continue;
      const p = parseDestinationArn(e.destination.arn);
      seen.set(e.destination.arn, { arn: e.destination.arn, region: p.region, account: p.account, name: p.name });
    }
  }
  return [...seen.values()];
}

/** Batches of receives, so a queue with many messages is emptied in as few calls as SQS allows (10 per receive). */
const MAX_PER_RECEIVE = 10;
/** How long received messages stay invisible to others while s3repl records them. */
const VISIBILITY_SECONDS = 120;

export async function receiveEvents(
  aws: AwsClients,
  store: Store,
  queues: readonly QueueRef[],
  sources: ReadonlySet<string>,
  opts: { waitSeconds?: number; log?: (m: string) => void } = {},
): Promise<ReceiveSummary> {
  const sum: ReceiveSummary = { messages: 0, recorded: 0, duplicates: 0, tests: 0, left: 0 };
  for (const q of queues) {
    const sqs = aws.in(q.account).sqs(q.region);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: q.name, QueueOwnerAWSAccountId: q.account }));
    for (;;) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: MAX_PER_RECEIVE, WaitTimeSeconds: opts.waitSeconds ?? 1, VisibilityTimeout: VISIBILITY_SECONDS }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) break;
      const done: Array<{ Id: string; ReceiptHandle: string }> = [];
      for (const m of messages) {
        sum.messages++;
        const parsed = parseMessage(m.Body ?? '');
        const handle = { Id: String(done.length), ReceiptHandle: m.ReceiptHandle! };
        if (parsed.kind === 'test') {
          sum.tests++;
          done.push(handle);
          continue;
        }
        if (parsed.kind === 'other' || parsed.events.some((e) => !sources.has(e.source))) {
          sum.left++;
          continue;
        }
        const now = new Date().toISOString();
        for (const e of parsed.events) {
          const event: ReplicationEvent = { ...e, messageId: m.MessageId ?? '', recordedAt: now };
          if (await recordEvent(aws, store, event)) sum.recorded++;
          else sum.duplicates++;
        }
        // Recorded: only now may the message go.
        done.push(handle);
      }
      if (done.length) {
        const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: done }));
        // A message whose delete failed comes back later and is recorded again as a duplicate: nothing is lost.
        if (del.Failed?.length) opts.log?.(`${del.Failed.length} message(s) of ${q.arn} could not be deleted; they come back and are recognised as recorded`);
      }
    }
  }
  return sum;
}
