/**
 * SQS queues that `events:` asks s3repl to create (`createQueue: true`): one
 * resource per queue, holding the statements its access policy needs so that
 * S3 may send each source bucket's events to it, as the S3 User Guide's
 * example policy does (docs/aws-behaviour.md, "Event notifications: the queue
 * policy S3 needs"): principal s3.amazonaws.com, sqs:SendMessage, conditioned
 * on the bucket (aws:SourceArn) and its owner (aws:SourceAccount).
 */
import { createHash } from 'node:crypto';
import { parseDestinationArn } from '../../config/events.js';
import type { Config } from '../../config/types.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';

export const queueAddress = (name: string): string => `sqs-queue.${name}`;

/** Every statement s3repl writes into a queue policy has a Sid starting with this; the others are kept. */
export const QUEUE_SID_PREFIX = 'S3replSendFrom';

export interface SendStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string };
  Action: string;
  Resource: string;
  Condition: { ArnLike: { 'aws:SourceArn': string }; StringEquals: { 'aws:SourceAccount': string } };
}

export function sendStatement(queueArn: string, bucket: string, bucketAccount: string): SendStatement {
  return {
    Sid: `${QUEUE_SID_PREFIX}${createHash('sha256').update(bucket).digest('hex').slice(0, 12)}`,
    Effect: 'Allow',
    Principal: { Service: 's3.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:*:*:${bucket}` }, StringEquals: { 'aws:SourceAccount': bucketAccount } },
  };
}

/** Whether s3repl can create a queue of this ARN: in the caller's account, or one `accounts:` reaches. */
export function canCreateQueue(config: Config, accountId: string, arn: string): boolean {
  const q = parseDestinationArn(arn);
  return q.account === accountId || Boolean(config.accounts[q.account]);
}

export function expandQueues({ config, accountId, notice }: ExpandContext): DesiredResource[] {
  const byArn = new Map<string, Map<string, string>>();
  for (const rep of config.replications) {
    const b = config.buckets[rep.source];
    if (!b) continue;
    for (const e of rep.events ?? []) {
      if (!e.createQueue || e.destination.type !== 'queue') continue;
      const sources = byArn.get(e.destination.arn) ?? new Map<string, string>();
      sources.set(b.name, b.account ?? accountId);
      byArn.set(e.destination.arn, sources);
    }
  }
  const out: DesiredResource[] = [];
  for (const [arn, sources] of [...byArn].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const q = parseDestinationArn(arn);
    const other = q.account !== accountId;
    if (!canCreateQueue(config, accountId, arn)) {
      notice({
        level: 'warning',
        address: queueAddress(q.name),
        message: `queue ${arn} is in account ${q.account}, which accounts: gives no credentials for: s3repl cannot create it; create it there with a policy letting S3 send (docs/failure-events.md)`,
      });
      continue;
    }
    const statements = [...sources].sort(([a], [b]) => (a < b ? -1 : 1)).map(([bucket, account]) => sendStatement(arn, bucket, account));
    out.push({
      address: queueAddress(q.name),
      kind: 'sqs-queue',
      id: { name: q.name, region: q.region, ...(other ? { account: q.account } : {}) },
      attributes: { statements: statements as unknown as Json },
      dependsOn: [],
    });
  }
  return out;
}
