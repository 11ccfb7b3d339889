/**
 * CloudWatch metric storage and statistics: datapoints per account, region,
 * namespace, metric name and exact dimension set; aggregation into periods
 * aligned to multiples of the period since the epoch.
 */

export interface Dimension {
  Name: string;
  Value: string;
}

/** One published datum: a value with a count, or a statistic set. */
export interface Sample {
  /** ms since epoch */
  t: number;
  unit: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Raw values with their counts, for percentiles; absent for statistic sets. */
  values?: Array<[number, number]>;
}

export interface Series {
  accountId: string;
  region: string;
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Dimension[];
  samples: Sample[];
}

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;

export const UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
] as const;

/** `p99`, `p99.9`, `p100`: the percentile forms this emulator computes. */
export const PERCENTILE_RE = /^p(\d{1,2}(\.\d{1,2})?|100)$/;

export function sortDimensions(dims: Dimension[]): Dimension[] {
  return [...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function seriesKey(accountId: string, region: string, namespace: string, metricName: string, dims: Dimension[]): string {
  return JSON.stringify([accountId, region, namespace, metricName, sortDimensions(dims).map((d) => [d.Name, d.Value])]);
}

/** A period's aggregate. */
export interface Bucket {
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  values: Array<[number, number]>;
  /** False once a statistic set (no raw values) joined the bucket. */
  hasAllValues: boolean;
  unit: string;
}

export class MetricStore {
  private series = new Map<string, Series>();

  add(s: Omit<Series, 'samples'>, sample: Sample): void {
    const key = seriesKey(s.accountId, s.region, s.namespace, s.metricName, s.dimensions);
    let found = this.series.get(key);
    if (!found) {
      found = { ...s, dimensions: sortDimensions(s.dimensions), samples: [] };
      this.series.set(key, found);
    }
    found.samples.push(sample);
  }

  /** The series with exactly these dimensions (CloudWatch never matches a subset). */
  find(accountId: string, region: string, namespace: string, metricName: string, dims: Dimension[]): Series | undefined {
    return this.series.get(seriesKey(accountId, region, namespace, metricName, dims));
  }

  all(accountId: string, region: string): Series[] {
    return [...this.series.values()].filter((s) => s.accountId === accountId && s.region === region);
  }

  snapshot(): Series[] {
    return [...this.series.values()];
  }

  restore(series: Series[]): void {
    this.series = new Map(series.map((s) => [seriesKey(s.accountId, s.region, s.namespace, s.metricName, s.dimensions), s]));
  }
}

/** Aggregates a series' samples in [start, end) into period buckets keyed by their aligned start. */
export function aggregate(series: Series | undefined, start: number, end: number, periodSec: number, unit?: string): Map<number, Bucket> {
  const buckets = new Map<number, Bucket>();
  if (!series) return buckets;
  const periodMs = periodSec * 1000;
  for (const s of series.samples) {
    if (s.t < start || s.t >= end) continue;
    if (unit !== undefined && s.unit !== unit) continue;
    const bStart = Math.floor(s.t / periodMs) * periodMs;
    let b = buckets.get(bStart);
    if (!b) {
      b = { start: bStart, count: 0, sum: 0, min: Infinity, max: -Infinity, values: [], hasAllValues: true, unit: s.unit };
      buckets.set(bStart, b);
    }
    b.count += s.count;
    b.sum += s.sum;
    b.min = Math.min(b.min, s.min);
    b.max = Math.max(b.max, s.max);
    if (s.values) b.values.push(...s.values);
    else b.hasAllValues = false;
  }
  return buckets;
}

function percentile(values: Array<[number, number]>, p: number): number | undefined {
  const sorted = [...values].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]?.[0];
}

/** A statistic of a bucket; undefined when it cannot be computed (e.g. a percentile over statistic sets). */
export function statistic(b: Bucket, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount':
      return b.count;
    case 'Sum':
      return b.sum;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    case 'Average':
      return b.count === 0 ? undefined : b.sum / b.count;
    default: {
      const m = PERCENTILE_RE.exec(stat);
      if (!m || !b.hasAllValues) return undefined;
      return percentile(b.values, Number(m[1]));
    }
  }
}
