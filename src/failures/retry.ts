/**
 * `retry-failed --from-events`: one Batch Replication job per source bucket
 * for exactly the object versions whose replication failed, as recorded in the
 * failure store. s3repl writes a CSV manifest (Bucket,Key,VersionId; keys
 * URL-encoded) under the report prefix, starts the job with the manifest's
 * ETag (S3 refuses to run it when the object changed), then marks the events
 * retried. The job's token is derived from the manifest, so a run interrupted
 * between starting the job and marking the events finds the same job again
 * instead of starting a second one.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import { createReplicationJob, manifestPrefix } from '../resources/operations.js';
import type { RetryTarget } from '../health/jobs.js';
import type { ReplicationEvent } from './events.js';
import { listEvents, updateEvent, type Store } from './store.js';

export interface EventRetry {
  source: string;
  region: string;
  jobId: string;
  /** `s3://bucket/key` of the manifest. */
  manifest: string;
  /** Object versions in the manifest. */
  versions: number;
  /** Events marked retried. */
  events: number;
  rules: string[];
}

/** The CSV line of one version: bucket, URL-encoded key, version id (docs/aws-behaviour.md, "Batch Operations: a CSV manifest"). */
export function manifestLine(bucket: string, key: string, versionId: string | null): string {
  return `${bucket},${encodeURIComponent(key)},${versionId ?? 'null'}`;
}

/** The failed events of a target not yet retried (of its chosen rules), oldest first. */
export async function pendingFailures(aws: AwsClients, store: Store, t: RetryTarget, since: Date | null): Promise<ReplicationEvent[]> {
  const rules = t.chosen.length < t.rules.length ? t.chosen : undefined;
  return (await listEvents(aws, store, t.source, rules)).filter(
    (e) => e.type === 'OperationFailedReplication' && !e.retried && (!since || e.eventTime >= since.toISOString()),
  );
}

export async function retryFromEvents(
  aws: AwsClients,
  config: Config,
  accountId: string,
  store: Store,
  t: RetryTarget,
  events: readonly ReplicationEvent[],
): Promise<EventRetry> {
  const versions = new Map<string, { key: string; versionId: string | null }>();
  for (const e of events) versions.set(`${e.key}\n${e.versionId ?? ''}`, { key: e.key, versionId: e.versionId });
  const lines = [...versions.values()].sort((a, b) => a.key.localeCompare(b.key) || (a.versionId ?? '').localeCompare(b.versionId ?? '')).map((v) => manifestLine(t.source, v.key, v.versionId));
  const csv = `${lines.join('\n')}\n`;
  const digest = createHash('sha256').update(`${t.source}\n${csv}`).digest('hex');
  const key = `${manifestPrefix(config)}/${t.source}/${digest.slice(0, 32)}.csv`;
  const put = await aws.s3(store.region).send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: csv, ContentType: 'text/csv' }));
  if (!put.ETag) throw new Error(`PutObject of the manifest s3://${store.bucket}/${key} returned no ETag`);
  const rules = [...new Set(events.map((e) => e.ruleId))].sort();
  const jobId = await createReplicationJob(aws, {
    accountId,
    region: t.region,
    sourceBucket: t.source,
    roleArn: t.roleArn,
    token: `s3repl-ev-${digest.slice(0, 40)}`,
    purpose: `retry-failed ${t.source} events ${versions.size} version${versions.size === 1 ? '' : 's'} of ${rules.join(', ')}`,
    statuses: ['FAILED'],
    reportBucket: config.jobs.reportBucket ?? t.source,
    reportPrefix: config.jobs.reportPrefix,
    priority: config.jobs.priority,
    manifest: { objectArn: `arn:aws:s3:::${store.bucket}/${key}`, etag: put.ETag.replace(/"/g, '') },
  });
  const at = new Date().toISOString();
  const manifest = `s3://${store.bucket}/${key}`;
  await Promise.all(events.map((e) => updateEvent(aws, store, { ...e, retried: { jobId, region: t.region, manifest, at } })));
  return { source: t.source, region: t.region, jobId, manifest, versions: versions.size, events: events.length, rules };
}
