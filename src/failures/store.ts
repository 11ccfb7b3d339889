/**
 * s3repl's failure store: every replication event `s3repl failures` receives,
 * one JSON object per event, in the report bucket (`jobs.reportBucket`):
 *
 *   s3://REPORT-BUCKET/s3repl/failure-events/SOURCE/RULE/EVENT-ID.json
 *
 * (RULE URL-encoded). The object key is the event's identity, so recording an
 * event twice (a message received again after a crash between recording and
 * deleting it, or S3 delivering one event twice) leaves one object: the first
 * write wins (If-None-Match: *, docs/aws-behaviour.md "The S3 state backend:
 * conditional writes"), which also keeps its `retried` mark.
 */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';
import { isAwsError } from '../aws/errors.js';
import { UserError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { ReplicationEvent } from './events.js';

export const STORE_PREFIX = 's3repl/failure-events/';

export interface Store {
  bucket: string;
  region: string;
}

/**
 * Where the store lives: `jobs.reportBucket`. The source bucket (the jobs'
 * default) will not do: what s3repl writes there would itself be replicated,
 * fail with the rest, and come back as more events.
 */
export function storeOf(config: Config): Store {
  const name = config.jobs.reportBucket;
  if (!name) {
    throw new UserError(
      'the failure store needs jobs.reportBucket: s3repl keeps failure events and retry manifests there',
      'set jobs: { reportBucket: BUCKET } to a bucket of buckets: that no replication rule copies (not a source bucket)',
    );
  }
  const b = config.buckets[name]!;
  const rep = config.replications.find((r) => r.source === name);
  const covering = rep?.rules.filter((r) => r.status === 'enabled' && STORE_PREFIX.startsWith(r.filter.prefix ?? '') && Object.keys(r.filter.tags).length === 0);
  if (covering?.length) {
    throw new UserError(
      `jobs.reportBucket ${name} is a replication source, and rule ${covering.map((r) => r.id).join(', ')} would replicate the failure store (${STORE_PREFIX}) too`,
      'use a report bucket that no rule replicates from',
    );
  }
  return { bucket: name, region: b.region };
}

const missingStore = (store: Store) =>
  new UserError(`the failure store's bucket ${store.bucket} does not exist`, 'create it (buckets.<name>.create: true and s3repl apply) or set jobs.reportBucket to an existing bucket');

const ruleSegment = (ruleId: string) => encodeURIComponent(ruleId);
export const eventKey = (e: Pick<ReplicationEvent, 'source' | 'ruleId' | 'id'>): string => `${STORE_PREFIX}${e.source}/${ruleSegment(e.ruleId)}/${e.id}.json`;

/** Records an event; false when it was recorded before (the earlier record, and its retried mark, stay). */
export async function recordEvent(aws: AwsClients, store: Store, e: ReplicationEvent): Promise<boolean> {
  try {
    await aws.s3(store.region).send(
      new PutObjectCommand({ Bucket: store.bucket, Key: eventKey(e), Body: JSON.stringify(e), ContentType: 'application/json', IfNoneMatch: '*' }),
    );
    return true;
  } catch (err) {
    if (isAwsError(err, 'PreconditionFailed') || isAwsError(err, 'ConditionalRequestConflict')) return false;
    if (isAwsError(err, 'NoSuchBucket')) throw missingStore(store);
    throw err;
  }
}

/** Rewrites an event (its retried mark). */
export async function updateEvent(aws: AwsClients, store: Store, e: ReplicationEvent): Promise<void> {
  await aws.s3(store.region).send(new PutObjectCommand({ Bucket: store.bucket, Key: eventKey(e), Body: JSON.stringify(e), ContentType: 'application/json' }));
}

/** Every recorded event of a source (of these rules, when given). */
export async function listEvents(aws: AwsClients, store: Store, source: string, rules?: readonly string[]): Promise<ReplicationEvent[]> {
  const prefixes = rules?.length ? rules.map((r) => `${STORE_PREFIX}${source}/${ruleSegment(r)}/`) : [`${STORE_PREFIX}${source}/`];
  const keys: string[] = [];
  const s3 = aws.s3(store.region);
  for (const Prefix of prefixes) {
    try {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: store.bucket, Prefix })) {
        for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      }
    } catch (err) {
      if (isAwsError(err, 'NoSuchBucket')) throw missingStore(store);
      throw err;
    }
  }
  const events = await Promise.all(
    keys.map(async (Key) => {
      const r = await s3.send(new GetObjectCommand({ Bucket: store.bucket, Key }));
      return JSON.parse(await r.Body!.transformToString()) as ReplicationEvent;
    }),
  );
  return events.sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.key.localeCompare(b.key));
}
