/**
 * Replication health per rule, from what AWS reports: the rule's CloudWatch
 * replication metrics over a window (GetMetricData, one call per region per up
 * to 500 queries), the state of the alarms s3repl made for it (DescribeAlarms
 * by name, 100 names a call) and the last Batch Replication job s3repl started
 * for its source. `judge` turns those facts into a verdict and is pure.
 *
 * The document `collectStatus` returns is the public `status --format json`
 * contract (formatVersion 1): docs/status-format.md, schema/status.schema.json.
 */
import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { accessPointsStatus, type AccessPointStatus } from './access-points.js';
import type { AwsClients } from '../aws/clients.js';
import { UserError } from '../errors.js';
import type { Config, RuleConfig } from '../config/types.js';
import { ALARM_METRICS, alarmName, alarmRegion } from '../config/alarms.js';
import { describeMetricAlarms } from '../resources/operations.js';
import { jobRegions, listJobs, type JobSummary } from './jobs.js';

export const STATUS_FORMAT_VERSION = 1 as const;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * The window's start: a duration back from now (`90s`, `30m`, `1h`, `2d`, `1w`)
 * or an ISO 8601 time (`2024-05-01T10:00:00Z`). Rounded down to the minute, as
 * CloudWatch does with recent data.
 */
export function parseSince(text: string, now: Date): Date {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(s);
  let start: number;
  if (m) start = now.getTime() - Number(m[1]) * UNIT_S[m[2]!]! * 1000;
  else if (/^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s))) start = Date.parse(s);
  else throw new UserError(`invalid --since "${s}"`, 'give a duration back from now (30m, 1h, 2d, 1w) or an ISO 8601 time (2024-05-01T10:00:00Z)');
  start = Math.floor(start / 60_000) * 60_000;
  if (start >= now.getTime()) throw new UserError(`--since ${s} leaves no time to look at`, 'the window must start at least a minute before now');
  return new Date(start);
}


/** RTC's objective: replicated within 15 minutes. */
export const RTC_THRESHOLD_SECONDS = 900;

export type Verdict = 'healthy' | 'lagging' | 'failing' | 'no-metrics' | 'disabled';
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'MISSING';

export interface RuleMetrics {
  /** ReplicationLatency, Maximum over the window (seconds). */
  latencySecondsMax: number | null;
  /** BytesPendingReplication, Maximum. */
  pendingBytesMax: number | null;
  /** OperationsPendingReplication, Maximum. */
  pendingOperationsMax: number | null;
  /** OperationsPendingReplication, Minimum: above 0 means something was pending for the whole window. */
  pendingOperationsMin: number | null;
  /** OperationsFailedReplication, Sum. */
  failedOperations: number | null;
}

export interface RuleAlarm {
  name: string;
  /** The region the alarm stands in: that of its metric. */
  region: string;
  /** The threshold key in replication.yaml: latencySeconds, failedOperations, pendingBytes, pendingOperations. */
  threshold: string;
  metric: string;
  state: AlarmStateValue;
  reason: string | null;
}

export interface RuleThresholds {
  latencySeconds: number | null;
  /** Where the latency threshold comes from. */
  latencyFrom: 'rtc' | 'alarm' | null;
  pendingBytes: number | null;
  pendingOperations: number | null;
}

export interface RuleStatus {
  source: string;
  destination: string;
  ruleId: string;
  /** The source bucket's region (failed-operations metric and alarm, Batch Replication jobs). */
  region: string;
  /** The destination bucket's region (latency and pending metrics and alarms). */
  destinationRegion: string;
  enabled: boolean;
  rtc: boolean;
  metricsEnabled: boolean;
  verdict: Verdict;
  /** Why the verdict, one sentence each. */
  reasons: string[];
  metrics: RuleMetrics | null;
  thresholds: RuleThresholds;
  alarms: RuleAlarm[];
  lastJob: JobSummary | null;
}

export interface StatusReport {
  formatVersion: typeof STATUS_FORMAT_VERSION;
  generatedAt: string;
  config: string;
  account: string;
  window: { start: string; end: string; seconds: number };
  strict: boolean;
  /** Whether the exit code is 0: no rule lagging or failing (nor, with strict, without metrics). */
  healthy: boolean;
  summary: Record<Verdict, number>;
  rules: RuleStatus[];
  /** Present when the configuration has Multi-Region Access Points: active Regions and replication between members. */
  accessPoints?: AccessPointStatus[];
}

interface RuleRef {
  source: string;
  region: string;
  destination: string;
  destinationRegion: string;
  rule: RuleConfig;
}

function rulesOf(config: Config): RuleRef[] {
  return config.replications.flatMap((rep) =>
    rep.rules.map((rule) => ({
      source: rep.source,
      region: config.buckets[rep.source]!.region,
      destination: rule.destination.bucket,
      destinationRegion: config.buckets[rule.destination.bucket]!.region,
      rule,
    })),
  );
}

export function thresholdsOf(rule: RuleConfig): RuleThresholds {
  const latency = rule.rtc ? RTC_THRESHOLD_SECONDS : (rule.alarms?.latencySeconds ?? null);
  return {
    latencySeconds: latency,
    latencyFrom: rule.rtc ? 'rtc' : latency !== null ? 'alarm' : null,
    pendingBytes: rule.alarms?.pendingBytes ?? null,
    pendingOperations: rule.alarms?.pendingOperations ?? null,
  };
}

/** Alarms that signal failures make a rule failing; the others (latency, pending) make it lagging. */
const FAILURE_ALARM = 'failedOperations';

/** The verdict from the facts. Pure. */
export function judge(input: {
  enabled: boolean;
  metricsEnabled: boolean;
  metrics: RuleMetrics | null;
  thresholds: RuleThresholds;
  alarms: RuleAlarm[];
}): { verdict: Verdict; reasons: string[] } {
  const { metrics: m, thresholds: t } = input;
  if (!input.enabled) return { verdict: 'disabled', reasons: ['the rule is disabled: it replicates nothing'] };
  const failing: string[] = [];
  const lagging: string[] = [];
  if (m?.failedOperations) failing.push(`${m.failedOperations} operation${m.failedOperations === 1 ? '' : 's'} failed to replicate in the window`);
  for (const a of input.alarms) {
    if (a.state !== 'ALARM') continue;
    (a.threshold === FAILURE_ALARM ? failing : lagging).push(`alarm ${a.name} is in ALARM`);
  }
  if (m) {
    if (t.latencySeconds !== null && m.latencySecondsMax !== null && m.latencySecondsMax > t.latencySeconds) {
      const what = t.latencyFrom === 'rtc' ? "RTC's 15-minute threshold" : 'the latencySeconds threshold';
      lagging.push(`replication latency reached ${fmtNum(m.latencySecondsMax)} s, over ${what} (${t.latencySeconds} s)`);
    }
    if (t.pendingBytes !== null && m.pendingBytesMax !== null && m.pendingBytesMax > t.pendingBytes) {
      lagging.push(`${fmtNum(m.pendingBytesMax)} bytes were pending, over the pendingBytes threshold (${t.pendingBytes})`);
    }
    if (t.pendingOperations !== null && m.pendingOperationsMax !== null && m.pendingOperationsMax > t.pendingOperations) {
      lagging.push(`${fmtNum(m.pendingOperationsMax)} operations were pending, over the pendingOperations threshold (${t.pendingOperations})`);
    }
    if (t.pendingBytes === null && t.pendingOperations === null && m.pendingOperationsMin !== null && m.pendingOperationsMin > 0) {
      lagging.push(`operations were pending for the whole window (never fewer than ${fmtNum(m.pendingOperationsMin)})`);
    }
  }
  if (failing.length) return { verdict: 'failing', reasons: [...failing, ...lagging] };
  if (lagging.length) return { verdict: 'lagging', reasons: lagging };
  if (!input.metricsEnabled) {
    return { verdict: 'no-metrics', reasons: ['replication metrics are off for this rule (set metrics: true, or rtc: true)'] };
  }
  if (!m || Object.values(m).every((v) => v === null)) {
    return { verdict: 'no-metrics', reasons: ['no replication metrics in the window (nothing was written, or S3 has not published them yet)'] };
  }
  return { verdict: 'healthy', reasons: [] };
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

const METRIC_QUERIES = [
  { key: 'latencySecondsMax', metric: 'ReplicationLatency', stat: 'Maximum' },
  { key: 'pendingBytesMax', metric: 'BytesPendingReplication', stat: 'Maximum' },
  { key: 'pendingOperationsMax', metric: 'OperationsPendingReplication', stat: 'Maximum' },
  { key: 'pendingOperationsMin', metric: 'OperationsPendingReplication', stat: 'Minimum' },
  { key: 'failedOperations', metric: 'OperationsFailedReplication', stat: 'Sum' },
] as const;

const reduce: Record<(typeof METRIC_QUERIES)[number]['stat'], (v: number[]) => number> = {
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  Sum: (v) => v.reduce((a, b) => a + b, 0),
};

/** GetMetricData takes up to 500 queries a call. */
export const METRIC_QUERIES_PER_CALL = 500;
/** DescribeAlarms takes up to 100 names a call. */
export const ALARM_NAMES_PER_CALL = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Metrics of every rule that publishes them, keyed by rule index. */
async function readMetrics(aws: AwsClients, refs: RuleRef[], start: Date, end: Date): Promise<Map<number, RuleMetrics>> {
  // One period over the whole window (a multiple of 60 s): each query returns
  // at most a couple of datapoints, reduced here to one value.
  const period = Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
  const byRegion = new Map<string, Array<{ id: string; index: number; key: keyof RuleMetrics; stat: keyof typeof reduce; query: MetricDataQuery }>>();
  refs.forEach((ref, index) => {
    if (ref.rule.status !== 'enabled' || !ref.rule.metrics) return;
    for (const [qi, q] of METRIC_QUERIES.entries()) {
      // Each metric from the region S3 publishes it in (docs/aws-behaviour.md, "Replication metrics: region").
      const region = q.metric === 'OperationsFailedReplication' ? ref.region : ref.destinationRegion;
      const list = byRegion.get(region) ?? [];
      byRegion.set(region, list);
      const id = `r${index}_${qi}`;
      list.push({
        id,
        index,
        key: q.key,
        stat: q.stat,
        query: {
          Id: id,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/S3',
              MetricName: q.metric,
              Dimensions: [
                { Name: 'SourceBucket', Value: ref.source },
                { Name: 'DestinationBucket', Value: ref.destination },
                { Name: 'RuleId', Value: ref.rule.id },
              ],
            },
            Period: period,
            Stat: q.stat,
          },
        },
      });
    }
  });
  const out = new Map<number, RuleMetrics>();
  const calls: Array<Promise<void>> = [];
  for (const [region, queries] of byRegion) {
    for (const batch of chunks(queries, METRIC_QUERIES_PER_CALL)) {
      calls.push(
        (async () => {
          const values = new Map<string, number[]>();
          const input = { MetricDataQueries: batch.map((b) => b.query), StartTime: start, EndTime: end };
          for await (const page of paginateGetMetricData({ client: aws.cloudwatch(region) }, input)) {
            for (const res of page.MetricDataResults ?? []) {
              if (!res.Id) continue;
              values.set(res.Id, [...(values.get(res.Id) ?? []), ...(res.Values ?? [])]);
            }
          }
          for (const b of batch) {
            const m = out.get(b.index) ?? emptyMetrics();
            const v = values.get(b.id) ?? [];
            m[b.key] = v.length ? reduce[b.stat](v) : null;
            out.set(b.index, m);
          }
        })(),
      );
    }
  }
  await Promise.all(calls);
  return out;
}

function emptyMetrics(): RuleMetrics {
  return { latencySecondsMax: null, pendingBytesMax: null, pendingOperationsMax: null, pendingOperationsMin: null, failedOperations: null };
}

/** The state of each named alarm; names that do not exist are absent. */
async function readAlarms(aws: AwsClients, byRegion: Map<string, string[]>): Promise<Map<string, { state: AlarmStateValue; reason: string | null }>> {
  const out = new Map<string, { state: AlarmStateValue; reason: string | null }>();
  const calls: Array<Promise<void>> = [];
  for (const [region, names] of byRegion) {
    for (const batch of chunks([...new Set(names)], ALARM_NAMES_PER_CALL)) {
      calls.push(
        (async () => {
          for (const a of await describeMetricAlarms(aws, region, batch)) {
            if (a.AlarmName) out.set(`${region}/${a.AlarmName}`, { state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStateValue, reason: a.StateReason ?? null });
          }
        })(),
      );
    }
  }
  await Promise.all(calls);
  return out;
}

export interface CollectOptions {
  config: Config;
  configPath: string;
  aws: AwsClients;
  accountId: string;
  start: Date;
  end: Date;
  strict: boolean;
}

export async function collectStatus(opts: CollectOptions): Promise<StatusReport> {
  const { config, aws, accountId, start, end } = opts;
  const refs = rulesOf(config);

  const alarmNames = new Map<string, string[]>();
  const alarmsOfRule = refs.map((ref) =>
    ALARM_METRICS.filter((m) => ref.rule.alarms?.[m.key] !== undefined).map((m) => {
      const name = alarmName(config, ref.source, ref.rule.id, m.suffix);
      // Where s3repl puts the alarm: the region of its metric.
      const region = alarmRegion(m, { region: ref.region }, { region: ref.destinationRegion });
      // Appended in place: copying the region's list per name was quadratic at 10,000 rules.
      let names = alarmNames.get(region);
      if (!names) alarmNames.set(region, (names = []));
      names.push(name);
      return { name, region, threshold: m.key as string, metric: m.metric as string };
    }),
  );

  const hasAccessPoints = Object.keys(config.multiRegionAccessPoints).length > 0;
  const [metrics, alarms, jobs, accessPoints] = await Promise.all([
    readMetrics(aws, refs, start, end),
    readAlarms(aws, alarmNames),
    listJobs(aws, accountId, jobRegions(config, accountId)),
    hasAccessPoints ? accessPointsStatus(aws, accountId, config, start, end) : undefined,
  ]);

  const rules: RuleStatus[] = refs.map((ref, i) => {
    const enabled = ref.rule.status === 'enabled';
    const m = metrics.get(i) ?? null;
    const thresholds = thresholdsOf(ref.rule);
    const ruleAlarms: RuleAlarm[] = alarmsOfRule[i]!.map((a) => {
      const found = alarms.get(`${a.region}/${a.name}`);
      return { ...a, state: found?.state ?? 'MISSING', reason: found ? found.reason : 'the alarm does not exist: run s3repl apply' };
    });
    const { verdict, reasons } = judge({ enabled, metricsEnabled: ref.rule.metrics, metrics: m, thresholds, alarms: ruleAlarms });
    const lastJob = jobs.find((j) => j.region === ref.region && j.source === ref.source && (j.kind !== 'backfill' || j.ruleId === null || j.ruleId === ref.rule.id)) ?? null;
    return {
      source: ref.source,
      destination: ref.destination,
      ruleId: ref.rule.id,
      region: ref.region,
      destinationRegion: ref.destinationRegion,
      enabled,
      rtc: ref.rule.rtc,
      metricsEnabled: ref.rule.metrics,
      verdict,
      reasons,
      metrics: m,
      thresholds,
      alarms: ruleAlarms,
      lastJob,
    };
  });

  const summary: Record<Verdict, number> = { healthy: 0, lagging: 0, failing: 0, 'no-metrics': 0, disabled: 0 };
  for (const r of rules) summary[r.verdict]++;
  const healthy = summary.lagging === 0 && summary.failing === 0 && (!opts.strict || summary['no-metrics'] === 0);
  return {
    formatVersion: STATUS_FORMAT_VERSION,
    generatedAt: new Date().toISOString(),
    config: opts.configPath,
    account: accountId,
    window: { start: start.toISOString(), end: end.toISOString(), seconds: Math.round((end.getTime() - start.getTime()) / 1000) },
    strict: opts.strict,
    healthy,
    summary,
    rules,
    ...(accessPoints ? { accessPoints } : {}),
  };
}
