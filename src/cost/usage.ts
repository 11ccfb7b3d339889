/**
 * How much the source buckets hold, for the cost estimate: the `usage:` given
 * in replication.yaml first, then S3's daily storage metrics in CloudWatch
 * (AWS/S3 BucketSizeBytes per StorageType, NumberOfObjects for
 * AllStorageTypes; "reported once per day", "Valid statistics: Average":
 * docs/aws-behaviour.md, "CloudWatch daily storage metrics"),
 * read with GetMetricData in each source bucket's region, up to 500 queries
 * per call, every call bounded by the client's --parallelism. Write volume has
 * no storage metric: only `usage.monthlyWriteGB` / `usage.monthlyWrites` say it.
 */
import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import type { BucketUsage } from './model.js';

/**
 * StorageType values of BucketSizeBytes (S3 User Guide, "Metrics and dimensions"),
 * with the Glacier Instant Retrieval and Archive Instant Access types of later
 * storage classes (unconfirmed names: docs/aws-behaviour.md). A type a bucket does
 * not use returns no datapoint.
 */
export const STORAGE_TYPES = [
  'StandardStorage',
  'IntelligentTieringFAStorage',
  'IntelligentTieringIAStorage',
  'IntelligentTieringAAStorage',
  'IntelligentTieringAIAStorage',
  'IntelligentTieringDAAStorage',
  'StandardIAStorage',
  'StandardIASizeOverhead',
  'StandardIAObjectOverhead',
  'OneZoneIAStorage',
  'OneZoneIASizeOverhead',
  'ReducedRedundancyStorage',
  'GlacierInstantRetrievalStorage',
  'GlacierIRSizeOverhead',
  'GlacierStorage',
  'GlacierStagingStorage',
  'GlacierObjectOverhead',
  'GlacierS3ObjectOverhead',
  'DeepArchiveStorage',
  'DeepArchiveObjectOverhead',
  'DeepArchiveS3ObjectOverhead',
  'DeepArchiveStagingStorage',
] as const;

const DAY = 86_400;
/** Look back this far for the latest daily datapoint (a new day's value can lag). */
const LOOKBACK_DAYS = 3;
const MAX_QUERIES = 500;
const GIB = 2 ** 30;

export interface StorageMetrics {
  bytes: number | null;
  objects: number | null;
  /** When the datapoints used were taken (the latest day with data). */
  at: string | null;
}

/** Latest daily BucketSizeBytes (summed over storage types) and NumberOfObjects per bucket, from CloudWatch. */
export async function readStorageMetrics(aws: AwsClients, buckets: Array<{ bucket: string; region: string }>, now = new Date()): Promise<Map<string, StorageMetrics>> {
  const byRegion = new Map<string, string[]>();
  for (const b of buckets) byRegion.set(b.region, [...(byRegion.get(b.region) ?? []), b.bucket]);
  const out = new Map<string, StorageMetrics>();
  const end = new Date(Math.floor(now.getTime() / (DAY * 1000)) * DAY * 1000 + DAY * 1000);
  const start = new Date(end.getTime() - (LOOKBACK_DAYS + 1) * DAY * 1000);
  await Promise.all(
    [...byRegion].map(async ([region, names]) => {
      const queries: Array<{ q: MetricDataQuery; bucket: string; kind: 'bytes' | 'objects' }> = [];
      names.forEach((bucket, i) => {
        const metric = (name: string, storageType: string) => ({
          Namespace: 'AWS/S3',
          MetricName: name,
          Dimensions: [
            { Name: 'BucketName', Value: bucket },
            { Name: 'StorageType', Value: storageType },
          ],
        });
        STORAGE_TYPES.forEach((t, j) =>
          queries.push({ bucket, kind: 'bytes', q: { Id: `b${i}_${j}`, MetricStat: { Metric: metric('BucketSizeBytes', t), Period: DAY, Stat: 'Average' }, ReturnData: true } }),
        );
        queries.push({ bucket, kind: 'objects', q: { Id: `o${i}`, MetricStat: { Metric: metric('NumberOfObjects', 'AllStorageTypes'), Period: DAY, Stat: 'Average' }, ReturnData: true } });
      });
      const byId = new Map(queries.map((q) => [q.q.Id!, q]));
      const found = new Map<string, { bytes: number | null; objects: number | null; at: number | null }>();
      for (const n of names) found.set(n, { bytes: null, objects: null, at: null });
      const calls: Array<Promise<void>> = [];
      for (let i = 0; i < queries.length; i += MAX_QUERIES) {
        const batch = queries.slice(i, i + MAX_QUERIES).map((q) => q.q);
        calls.push(
          (async () => {
            const input = { MetricDataQueries: batch, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending' as const };
            for await (const page of paginateGetMetricData({ client: aws.cloudwatch(region) }, input)) {
              for (const res of page.MetricDataResults ?? []) {
                const q = byId.get(res.Id ?? '');
                const v = res.Values?.[0];
                const t = res.Timestamps?.[0];
                if (!q || v === undefined) continue;
                const f = found.get(q.bucket)!;
                if (q.kind === 'objects') f.objects = v;
                else f.bytes = (f.bytes ?? 0) + v;
                if (t) f.at = Math.max(f.at ?? 0, t.getTime());
              }
            }
          })(),
        );
      }
      await Promise.all(calls);
      for (const [n, f] of found) out.set(n, { bytes: f.bytes, objects: f.objects, at: f.at ? new Date(f.at).toISOString().slice(0, 10) : null });
    }),
  );
  return out;
}

/**
 * Each source bucket's usage: `usage:` figures win, then CloudWatch's, then 0
 * stored for a bucket s3repl creates (it starts empty); unknown otherwise.
 */
export function resolveUsage(config: Config, metrics: Map<string, StorageMetrics> | null, exists: (bucket: string) => boolean): Record<string, BucketUsage> {
  const out: Record<string, BucketUsage> = {};
  for (const rep of config.replications) {
    const name = rep.source;
    if (out[name]) continue;
    const given = config.buckets[name]?.usage ?? {};
    const m = metrics?.get(name);
    const isNew = !exists(name);
    const notes: string[] = [];
    const pick = (key: 'storedGB' | 'objects', fromMetrics: number | null | undefined): number | null => {
      if (given[key] !== undefined) {
        notes.push(`${key} ${given[key]} from usage in the configuration`);
        return given[key]!;
      }
      if (fromMetrics !== null && fromMetrics !== undefined) {
        notes.push(`${key} from CloudWatch ${key === 'storedGB' ? 'BucketSizeBytes (all storage types)' : 'NumberOfObjects'}, daily average of ${m?.at ?? 'the latest day'}`);
        return fromMetrics;
      }
      if (isNew) {
        notes.push(`${key} 0: the bucket does not exist yet`);
        return 0;
      }
      notes.push(metrics ? `${key} unknown: no CloudWatch storage metric for the last ${LOOKBACK_DAYS} days; set usage.${key}` : `${key} unknown: no CloudWatch storage metrics; set usage.${key}`);
      return null;
    };
    const storedGB = pick('storedGB', m?.bytes === null || m?.bytes === undefined ? null : m.bytes / GIB);
    const objects = pick('objects', m?.objects);
    const writes = (key: 'monthlyWriteGB' | 'monthlyWrites'): number | null => {
      if (given[key] !== undefined) {
        notes.push(`${key} ${given[key]} from usage in the configuration`);
        return given[key]!;
      }
      notes.push(`${key} unknown: AWS publishes no write-volume metric by default; set usage.${key}`);
      return null;
    };
    out[name] = { storedGB, objects, monthlyWriteGB: writes('monthlyWriteGB'), monthlyWrites: writes('monthlyWrites'), notes };
  }
  return out;
}
