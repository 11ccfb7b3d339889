/**
 * One resource per source bucket whose replication has `events:`: s3repl's
 * entries in the bucket's notification configuration. Each `events:` entry
 * becomes one entry per key prefix that stands for its rules (S3 filters by
 * key, not by rule: src/config/events.ts), with an Id that starts with
 * `s3repl-` and is derived from what the entry does, so a plan compares
 * like with like.
 */
import { createHash } from 'node:crypto';
import { eventPrefixes, parseDestinationArn, S3_EVENT_NAMES } from '../../config/events.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { bucketAddress, bucketId, managed } from '../bucket/expand.js';
import { replicationAddress } from '../replication/expand.js';
import { canCreateQueue, queueAddress } from '../sqs-queue/expand.js';

export const bucketNotificationAddress = (bucket: string): string => `bucket-notification.${bucket}`;

/** Every entry s3repl writes has an Id starting with this; the others belong to other tools and are kept. */
export const ID_PREFIX = 's3repl-';

export type DestinationType = 'queue' | 'topic' | 'function';

/** One entry of a notification configuration, as s3repl compares them. */
export interface NotificationEntry {
  id: string;
  type: DestinationType;
  arn: string;
  /** S3 event names, sorted. */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export function entryId(type: DestinationType, arn: string, events: readonly string[], prefix: string): string {
  const hash = createHash('sha256').update(JSON.stringify([type, arn, [...events].sort(), prefix])).digest('hex').slice(0, 12);
  return `${ID_PREFIX}replication-${hash}`;
}

export function expandBucketNotifications({ config, accountId, notice }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const rep of config.replications) {
    if (!rep.events?.length) continue;
    const b = config.buckets[rep.source];
    if (!b || !managed(config, b, accountId)) continue;
    const address = bucketNotificationAddress(rep.source);
    const entries: NotificationEntry[] = [];
    for (const e of rep.events) {
      const events = e.types.map((t) => S3_EVENT_NAMES[t]).sort();
      const prefixes = eventPrefixes(rep, e);
      for (const prefix of prefixes) {
        entries.push({ id: entryId(e.destination.type, e.destination.arn, events, prefix), type: e.destination.type, arn: e.destination.arn, events, ...(prefix ? { prefix } : {}) });
      }
      const owner = b.account ?? accountId;
      const dest = parseDestinationArn(e.destination.arn);
      if (dest.account !== owner && !b.account) {
        notice({
          level: 'warning',
          address,
          message: `${e.destination.type} ${e.destination.arn} belongs to account ${dest.account}, not to ${rep.source}'s account ${owner}: its policy must let S3 send ${rep.source}'s events, or S3 refuses the notification configuration`,
        });
      }
      if (e.rules.length && prefixes.includes('') && e.rules.length < rep.rules.length) {
        notice({
          level: 'info',
          address,
          message: `S3 filters event notifications by key, not by rule: ${e.rules.join(', ')} ${e.rules.length === 1 ? 'covers' : 'cover'} the whole bucket, so ${e.destination.arn} also receives the events of ${rep.rules.filter((r) => !e.rules.includes(r.id)).map((r) => r.id).join(', ')}`,
        });
      }
    }
    for (const rule of rep.rules) {
      if (rule.metricsForEvents) {
        notice({
          level: 'info',
          address: replicationAddress(rep.source),
          message: `replication metrics turned on for rule ${rule.id} of ${rep.source}: S3 sends its failed and notTracked events only for rules with metrics (CloudWatch bills them as custom metrics)`,
        });
      }
    }
    // A queue s3repl creates must exist before S3 accepts it as a destination.
    const queues = rep.events
      .filter((e) => e.createQueue && e.destination.type === 'queue' && canCreateQueue(config, accountId, e.destination.arn))
      .map((e) => queueAddress(parseDestinationArn(e.destination.arn).name));
    out.push({
      address,
      kind: 'bucket-notification',
      id: bucketId(config, b, accountId),
      attributes: { entries: entries.sort((x, y) => (x.id < y.id ? -1 : 1)) as unknown as Json },
      dependsOn: [...(b.create ? [bucketAddress(b.name)] : []), ...new Set(queues)],
    });
  }
  return out;
}
