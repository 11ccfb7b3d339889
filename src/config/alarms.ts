/**
 * The replication metrics a rule's `alarms:` can watch, and the names s3repl
 * gives those alarms. Part of the configuration's contract: the threshold keys
 * are configuration keys, and the names follow `alarms.namePrefix`, so
 * `s3repl status` finds the alarms and `s3repl import` recognises them.
 */
import type { Config } from './types.js';

/**
 * Threshold key → CloudWatch metric, statistic, comparison, where S3 publishes
 * it, and how the alarm evaluates it over `alarms.evaluationPeriods` (N) minutes:
 * - `publishedIn`: the region of the source or the destination bucket
 *   (docs/aws-behaviour.md, "Replication metrics: region"); the alarm stands there.
 * - `datapointsToAlarm`: 1 fires on one breaching minute of the last N (failed
 *   operations: one failure is news); null means N of N, a sustained breach
 *   (latency and backlogs: a single slow minute is not).
 * - `missing`: TreatMissingData. Counts publish nothing when nothing failed or
 *   is pending, so a missing minute is not breaching; latency keeps its state.
 *   AWS's advice on missing data for replication alarms: unconfirmed
 *   (docs/aws-behaviour.md, "Alarms: missing data").
 */
export const ALARM_METRICS = [
  { key: 'latencySeconds', suffix: 'latency', metric: 'ReplicationLatency', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'ignore', publishedIn: 'destination', datapointsToAlarm: null },
  { key: 'failedOperations', suffix: 'failed-operations', metric: 'OperationsFailedReplication', statistic: 'Sum', op: 'GreaterThanOrEqualToThreshold', missing: 'notBreaching', publishedIn: 'source', datapointsToAlarm: 1 },
  { key: 'pendingBytes', suffix: 'pending-bytes', metric: 'BytesPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching', publishedIn: 'destination', datapointsToAlarm: null },
  { key: 'pendingOperations', suffix: 'pending-operations', metric: 'OperationsPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching', publishedIn: 'destination', datapointsToAlarm: null },
] as const;

export type AlarmMetric = (typeof ALARM_METRICS)[number];

export function alarmName(config: Config, source: string, ruleId: string, suffix: string): string {
  return `${config.alarms.namePrefix}-${source}-${ruleId}-${suffix}`.slice(0, 255);
}

/** The region an alarm on `m` for a rule from `source` to `destination` stands in: where S3 publishes the metric. */
export function alarmRegion(m: Pick<AlarmMetric, 'publishedIn'>, source: { region: string }, destination: { region: string }): string {
  return m.publishedIn === 'source' ? source.region : destination.region;
}

/** The region field of an ARN (`arn:aws:sns:REGION:...`). */
export function arnRegionOf(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region ? region : undefined;
}

/** The topics of `notify` an alarm in `region` may notify: those of its own region (docs/aws-behaviour.md, "Alarm actions: region"). */
export function topicsIn(notify: readonly string[], region: string): string[] {
  return notify.filter((arn) => arnRegionOf(arn) === region);
}
