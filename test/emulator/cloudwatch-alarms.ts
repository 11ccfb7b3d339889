/**
 * CloudWatch metric alarms: their stored shape, their DescribeAlarms shape,
 * and evaluation against stored datapoints (EvaluationPeriods × Period,
 * DatapointsToAlarm, TreatMissingData), as done when alarms are read.
 */
import { aggregate, statistic, type Dimension, type Series } from './cloudwatch-metrics.js';
import type { OutObject } from './query-protocol.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const ALARM_STATES: readonly AlarmState[] = ['INSUFFICIENT_DATA', 'ALARM', 'OK'];

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;

export const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;

export interface Alarm {
  accountId: string;
  region: string;
  name: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  metricName: string;
  namespace: string;
  statistic?: string;
  extendedStatistic?: string;
  dimensions: Dimension[];
  period: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData?: string;
  evaluateLowSampleCountPercentile?: string;
  configUpdatedMs: number;
  state: AlarmState;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedMs: number;
  stateTransitionedMs: number;
  /** SetAlarmState holds the state until this time; evaluation resumes after. */
  heldUntilMs?: number;
  tags: Array<{ Key: string; Value: string }>;
}

export function alarmArn(a: Pick<Alarm, 'region' | 'accountId' | 'name'>): string {
  return `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${a.name}`;
}

export function alarmOut(a: Alarm): OutObject {
  return {
    AlarmName: a.name,
    AlarmArn: alarmArn(a),
    AlarmDescription: a.description,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdatedMs),
    ActionsEnabled: a.actionsEnabled,
    OKActions: [...a.okActions],
    AlarmActions: [...a.alarmActions],
    InsufficientDataActions: [...a.insufficientDataActions],
    StateValue: a.state,
    StateReason: a.stateReason,
    StateReasonData: a.stateReasonData,
    StateUpdatedTimestamp: new Date(a.stateUpdatedMs),
    MetricName: a.metricName,
    Namespace: a.namespace,
    Statistic: a.statistic,
    ExtendedStatistic: a.extendedStatistic,
    Dimensions: a.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
    Period: a.period,
    Unit: a.unit,
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator,
    TreatMissingData: a.treatMissingData,
    EvaluateLowSampleCountPercentile: a.evaluateLowSampleCountPercentile,
    StateTransitionedTimestamp: new Date(a.stateTransitionedMs),
  };
}

const OPERATOR_TEXT: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function breaches(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      return false;
  }
}

/** Java's Double.toString for the numbers CloudWatch prints in reasons: `5.0`, `0.25`. */
function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** `dd/MM/yy HH:mm:ss` in UTC, as CloudWatch's state reasons print datapoints. */
function reasonDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

interface Evaluated {
  start: number;
  value: number | undefined;
  sampleCount: number;
}

interface Verdict {
  state: AlarmState;
  reason: string;
  reasonData: string;
}

/** What the alarm's state should be now, or null to keep it (TreatMissingData=ignore with no data). */
export function evaluate(alarm: Alarm, series: Series | undefined, now: number): Verdict | null {
  const periodMs = alarm.period * 1000;
  const n = alarm.evaluationPeriods;
  const m = alarm.datapointsToAlarm ?? n;
  const current = Math.floor(now / periodMs) * periodMs;
  const first = current - (n - 1) * periodMs;
  const buckets = aggregate(series, first, current + periodMs, alarm.period, alarm.unit);
  const stat = alarm.statistic ?? alarm.extendedStatistic ?? 'Average';
  const points: Evaluated[] = [];
  for (let start = current; start >= first; start -= periodMs) {
    const b = buckets.get(start);
    points.push({ start, value: b ? statistic(b, stat) : undefined, sampleCount: b?.count ?? 0 });
  }
  const present = points.filter((p): p is Evaluated & { value: number } => p.value !== undefined);
  const missing = n - present.length;
  const treat = alarm.treatMissingData ?? 'missing';
  const data = () =>
    JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString().replace('Z', '+0000'),
      startDate: new Date(first).toISOString().replace('Z', '+0000'),
      statistic: stat,
      period: alarm.period,
      recentDatapoints: present.map((p) => p.value).reverse(),
      threshold: alarm.threshold,
      evaluatedDatapoints: present.map((p) => ({ timestamp: new Date(p.start).toISOString().replace('Z', '+0000'), sampleCount: p.sampleCount, value: p.value })),
    });

  if (present.length === 0) {
    if (treat === 'ignore') return null;
    if (treat === 'missing') {
      return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`, reasonData: data() };
    }
    const state: AlarmState = treat === 'breaching' ? 'ALARM' : 'OK';
    const as = treat === 'breaching' ? 'Breaching' : 'NonBreaching';
    return {
      state,
      reason: `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${as}].`,
      reasonData: data(),
    };
  }

  const breachingPresent = present.filter((p) => breaches(alarm.comparisonOperator, p.value, alarm.threshold));
  const breachCount = breachingPresent.length + (treat === 'breaching' ? missing : 0);
  const opText = OPERATOR_TEXT[alarm.comparisonOperator] ?? alarm.comparisonOperator;
  const listed = (ps: Array<{ value: number; start: number }>) => ps.map((p) => `${javaDouble(p.value)} (${reasonDate(p.start)})`).join(', ');
  if (breachCount >= m) {
    return {
      state: 'ALARM',
      reason:
        `Threshold Crossed: ${breachCount} out of the last ${n} datapoints [${listed(breachingPresent)}] ${breachCount === 1 ? 'was' : 'were'} ` +
        `${opText} the threshold (${javaDouble(alarm.threshold)}) (minimum ${plural(m, 'datapoint')} for OK -> ALARM transition).`,
      reasonData: data(),
    };
  }
  return {
    state: 'OK',
    reason:
      `Threshold Crossed: ${plural(present.length, 'datapoint')} [${listed(present)}] ${present.length === 1 ? 'was' : 'were'} not ` +
      `${opText} the threshold (${javaDouble(alarm.threshold)}).`,
    reasonData: data(),
  };
}

/** Moves an alarm to a new state, stamping the change. Returns true when the state changed. */
export function transition(alarm: Alarm, state: AlarmState, reason: string, reasonData: string | undefined, now: number): boolean {
  if (alarm.state === state) return false;
  alarm.state = state;
  alarm.stateReason = reason;
  alarm.stateReasonData = reasonData;
  alarm.stateUpdatedMs = now;
  alarm.stateTransitionedMs = now;
  return true;
}
