/**
 * What `s3repl failures` shows: the recorded replication events grouped by
 * source, rule, destination and failure reason (threshold events by their
 * type), with the reason's documented meaning and a fix.
 */
import type { ReplicationEvent } from './events.js';
import { explainReason } from './reasons.js';
import type { ReceiveSummary } from './receive.js';

export const FAILURES_FORMAT_VERSION = 1 as const;

export interface FailureGroup {
  source: string;
  ruleId: string;
  destination: string;
  /** Event type without `Replication:`, e.g. `OperationFailedReplication`. */
  type: string;
  /** S3's failureReason (null for threshold and not-tracked events). */
  failureReason: string | null;
  meaning: string;
  fix: string;
  /** Events in the group. */
  events: number;
  /** Distinct object versions. */
  objects: number;
  /** Object versions not yet retried by `retry-failed --from-events`. */
  pending: number;
  first: string;
  last: string;
  /** A few of the object keys (with version ids). */
  samples: Array<{ key: string; versionId: string | null }>;
}

export interface FailuresReport {
  formatVersion: typeof FAILURES_FORMAT_VERSION;
  /** `s3://BUCKET/s3repl/failure-events/`. */
  store: string;
  since: string | null;
  /** What this run received from the queues (null when it received nothing: no queue). */
  received: ReceiveSummary | null;
  groups: FailureGroup[];
  total: { events: number; objects: number; pending: number };
}

const SAMPLES = 5;
const THRESHOLD_MEANINGS: Record<string, { meaning: string; fix: string }> = {
  OperationMissedThreshold: {
    meaning: 'The object, replicated with S3 RTC, had not replicated within the 15-minute threshold.',
    fix: 'usually transient (a burst, large objects); if it repeats, check s3repl status for the rule',
  },
  OperationReplicatedAfterThreshold: {
    meaning: 'The object, replicated with S3 RTC, replicated after the 15-minute threshold.',
    fix: 'nothing to retry: it did replicate; frequent ones mean the rule runs beyond RTC\'s objective',
  },
  OperationNotTracked: {
    meaning: 'The object was eligible for live replication but is no longer tracked by replication metrics.',
    fix: 'check its replication status (HeadObject); retry-failed (without --from-events) scans for FAILED objects',
  },
};

export function groupEvents(events: readonly ReplicationEvent[]): FailureGroup[] {
  const by = new Map<string, ReplicationEvent[]>();
  for (const e of events) {
    const k = JSON.stringify([e.source, e.ruleId, e.destination, e.type, e.failureReason]);
    by.set(k, [...(by.get(k) ?? []), e]);
  }
  const groups: FailureGroup[] = [];
  for (const list of by.values()) {
    const e = list[0]!;
    const explained = e.type === 'OperationFailedReplication' ? explainReason(e.failureReason) : (THRESHOLD_MEANINGS[e.type] ?? explainReason(e.failureReason));
    const versions = new Map<string, ReplicationEvent>();
    for (const x of list) versions.set(`${x.key}\n${x.versionId}`, x);
    const pendingVersions = new Set(list.filter((x) => !x.retried).map((x) => `${x.key}\n${x.versionId}`));
    const times = list.map((x) => x.eventTime).sort();
    groups.push({
      source: e.source,
      ruleId: e.ruleId,
      destination: e.destination,
      type: e.type,
      failureReason: e.failureReason,
      meaning: explained.meaning,
      fix: explained.fix,
      events: list.length,
      objects: versions.size,
      pending: e.type === 'OperationFailedReplication' ? pendingVersions.size : 0,
      first: times[0]!,
      last: times[times.length - 1]!,
      samples: [...versions.values()].slice(0, SAMPLES).map((x) => ({ key: x.key, versionId: x.versionId })),
    });
  }
  return groups.sort((a, b) => a.source.localeCompare(b.source) || a.ruleId.localeCompare(b.ruleId) || a.destination.localeCompare(b.destination) || b.events - a.events);
}

export function failuresReport(store: string, since: Date | null, received: ReceiveSummary | null, events: readonly ReplicationEvent[]): FailuresReport {
  const groups = groupEvents(events);
  return {
    formatVersion: FAILURES_FORMAT_VERSION,
    store,
    since: since?.toISOString() ?? null,
    received,
    groups,
    total: {
      events: events.length,
      objects: groups.reduce((n, g) => n + g.objects, 0),
      pending: groups.reduce((n, g) => n + g.pending, 0),
    },
  };
}
