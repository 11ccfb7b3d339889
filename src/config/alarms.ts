/**
 * The replication metrics a rule's `alarms:` can watch, and the names s3repl
 * gives those alarms. Part of the configuration's contract: the threshold keys
 * are configuration keys, and the names follow `alarms.namePrefix`, so
 * `s3repl status` finds the alarms and `s3repl import` recognises them.
 */
import type { Config } from './types.js';

/** Threshold key → CloudWatch metric, statistic, comparison and missing-data treatment. */
export const ALARM_METRICS = [
  { key: 'latencySeconds', suffix: 'latency', metric: 'ReplicationLatency', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'ignore' },
  // No datapoint means nothing failed or is pending: missing data is not breaching.
  { key: 'failedOperations', suffix: 'failed-operations', metric: 'OperationsFailedReplication', statistic: 'Sum', op: 'GreaterThanOrEqualToThreshold', missing: 'notBreaching' },
  { key: 'pendingBytes', suffix: 'pending-bytes', metric: 'BytesPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching' },
  { key: 'pendingOperations', suffix: 'pending-operations', metric: 'OperationsPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching' },
] as const;

export type AlarmMetric = (typeof ALARM_METRICS)[number];

export function alarmName(config: Config, source: string, ruleId: string, suffix: string): string {
  return `${config.alarms.namePrefix}-${source}-${ruleId}-${suffix}`.slice(0, 255);
}
