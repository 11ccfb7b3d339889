/**
 * What an `events:` entry of a replication means for S3 Event Notifications:
 * the S3 event names of its types, and the key prefixes that stand for its
 * rules. S3 filters notifications by key name (prefix/suffix), never by
 * replication rule (docs/aws-behaviour.md, "Notification filters are by key
 * name"), so a rule-scoped entry is narrowed to its rules' prefixes: the
 * smallest set of non-overlapping prefixes that covers them ('' = the whole
 * bucket when one of them has no prefix or a tag filter only).
 */
import type { ReplicationConfig, ReplicationEventsConfig, ReplicationEventType, RuleConfig } from './types.js';

/** docs/aws-behaviour.md, "Replication event types". */
export const S3_EVENT_NAMES: Readonly<Record<ReplicationEventType, string>> = {
  failed: 's3:Replication:OperationFailedReplication',
  missedThreshold: 's3:Replication:OperationMissedThreshold',
  replicatedAfterThreshold: 's3:Replication:OperationReplicatedAfterThreshold',
  notTracked: 's3:Replication:OperationNotTracked',
};

/** Event types S3 publishes only for rules with replication metrics (docs/aws-behaviour.md, "Replication events need metrics or RTC"). */
export const EVENT_TYPES_NEEDING_METRICS: readonly ReplicationEventType[] = ['failed', 'notTracked'];

/** Event types S3 publishes only for rules with S3 RTC (docs/aws-behaviour.md, "Replication events need metrics or RTC"). */
export const EVENT_TYPES_NEEDING_RTC: readonly ReplicationEventType[] = ['missedThreshold', 'replicatedAfterThreshold'];

/** The rules an entry covers (its `rules:`, or all of the replication's). */
export function rulesOfEvents(rep: ReplicationConfig, e: ReplicationEventsConfig): RuleConfig[] {
  return e.rules.length ? rep.rules.filter((r) => e.rules.includes(r.id)) : rep.rules;
}

/**
 * The key prefixes a notification for these rules filters on: [''] (no filter)
 * when the entry covers every rule or one rule has no prefix; otherwise each
 * rule's prefix, without those another one already covers (`a/` covers `a/b/`).
 */
export function eventPrefixes(rep: ReplicationConfig, e: ReplicationEventsConfig): string[] {
  if (e.rules.length === 0) return [''];
  const prefixes = rulesOfEvents(rep, e).map((r) => r.filter.prefix ?? '');
  if (prefixes.length === 0 || prefixes.includes('')) return [''];
  const sorted = [...new Set(prefixes)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  return kept.sort();
}

/** Whether two key filters can match one key (S3 refuses two entries with a common event type whose filters overlap). */
export function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** `arn:aws:sqs:REGION:ACCOUNT:NAME` → its parts. */
export function parseDestinationArn(arn: string): { region: string; account: string; name: string } {
  const parts = arn.split(':');
  const name = parts[1] === undefined ? arn : parts[2] === 'lambda' ? (parts[6] ?? '') : (parts[5] ?? '');
  return { region: parts[3] ?? '', account: parts[4] ?? '', name };
}
