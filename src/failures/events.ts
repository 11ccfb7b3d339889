/**
 * Replication events as S3 sends them (docs/aws-behaviour.md, "Replication
 * event messages"): an SQS message body holding `Records`, each with the
 * bucket, the object (key URL-encoded, version id) and `replicationEventData`
 * (rule id, destination bucket ARN, operation, request time, failure reason).
 * A queue subscribed to an SNS topic gets the same body wrapped in the SNS
 * envelope's `Message`. S3 also sends one `s3:TestEvent` when a configuration
 * is written.
 */
import { createHash } from 'node:crypto';

/** One replication event, as s3repl records it in its failure store. */
export interface ReplicationEvent {
  /** Stable identity of the event (a hash of what it says): the same event delivered twice has the same id. */
  id: string;
  /** `OperationFailedReplication`, `OperationMissedThreshold`, … (without `Replication:`). */
  type: string;
  source: string;
  region: string;
  eventTime: string;
  key: string;
  versionId: string | null;
  ruleId: string;
  /** Destination bucket name. */
  destination: string;
  operation: string | null;
  requestTime: string | null;
  failureReason: string | null;
  /** The SQS message it came in. */
  messageId: string;
  recordedAt: string;
  /** Set once `retry-failed --from-events` started a job for it. */
  retried?: { jobId: string; region: string; manifest: string; at: string };
}

export type ParsedMessage =
  | { kind: 'events'; events: Array<Omit<ReplicationEvent, 'messageId' | 'recordedAt'>> }
  | { kind: 'test'; bucket: string | null }
  | { kind: 'other' };

interface RawRecord {
  eventName?: string;
  eventTime?: string;
  awsRegion?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; versionId?: string } };
  replicationEventData?: { replicationRuleId?: string; destinationBucket?: string; s3Operation?: string; requestTime?: string; failureReason?: string };
}

/** S3 URL-encodes object keys in event messages (spaces as `+`). */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

const bucketOfArn = (arn: string): string => (arn.startsWith('arn:') ? arn.slice(arn.lastIndexOf(':') + 1) : arn);

export function eventId(e: Omit<ReplicationEvent, 'id' | 'messageId' | 'recordedAt'>): string {
  return createHash('sha256')
    .update(JSON.stringify([e.source, e.key, e.versionId, e.type, e.ruleId, e.destination, e.requestTime ?? e.eventTime, e.failureReason]))
    .digest('hex')
    .slice(0, 32);
}

/** What an SQS message body holds. Anything that is not an S3 replication event or test event is `other` (left in the queue). */
export function parseMessage(body: string): ParsedMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { kind: 'other' };
  }
  // Through an SNS topic: the S3 message is the envelope's Message.
  if (doc && typeof doc === 'object' && (doc as { Type?: string }).Type === 'Notification' && typeof (doc as { Message?: unknown }).Message === 'string') {
    return parseMessage((doc as { Message: string }).Message);
  }
  const d = doc as { Event?: string; Bucket?: string; Records?: RawRecord[] };
  if (d?.Event === 's3:TestEvent') return { kind: 'test', bucket: d.Bucket ?? null };
  if (!Array.isArray(d?.Records)) return { kind: 'other' };
  const events: Array<Omit<ReplicationEvent, 'messageId' | 'recordedAt'>> = [];
  for (const r of d.Records) {
    const name = r.eventName ?? '';
    const data = r.replicationEventData;
    if (!name.startsWith('Replication:') || !data || !r.s3?.bucket?.name || r.s3.object?.key === undefined) return { kind: 'other' };
    const e = {
      type: name.slice('Replication:'.length),
      source: r.s3.bucket.name,
      region: r.awsRegion ?? '',
      eventTime: r.eventTime ?? '',
      key: decodeEventKey(r.s3.object.key),
      versionId: r.s3.object.versionId ?? null,
      ruleId: data.replicationRuleId ?? '',
      destination: bucketOfArn(data.destinationBucket ?? ''),
      operation: data.s3Operation ?? null,
      requestTime: data.requestTime ?? null,
      failureReason: data.failureReason ?? null,
    };
    events.push({ id: eventId(e), ...e });
  }
  return events.length ? { kind: 'events', events } : { kind: 'other' };
}
