/**
 * S3's daily storage metrics for buckets, as AWS publishes them to CloudWatch
 * (docs/aws-behaviour.md, "CloudWatch daily storage metrics"): namespace
 * AWS/S3, BucketSizeBytes per StorageType (Bytes) and NumberOfObjects for
 * StorageType AllStorageTypes (Count), dimensions BucketName and StorageType,
 * "reported once per day", in the bucket's region and owner account.
 *
 * The emulator reports a day's storage once that day is over: on the first
 * CloudWatch request of UTC day D it publishes, for every bucket that existed
 * before D began and holds at least one object, one datapoint timestamped
 * D−1 00:00 UTC with what the bucket holds at that moment (it keeps no history,
 * and a day skipped while nobody asked is not filled in). A bucket created
 * today has no datapoint until tomorrow, as on AWS. Counted: every version,
 * current and noncurrent; not delete markers or incomplete multipart uploads;
 * the overhead storage types (StandardIASizeOverhead, GlacierObjectOverhead, …)
 * are not published.
 */
import type { Bucket, S3State } from './s3-model.js';
import type { CloudWatchService, Clock, MetricDatumInput } from './types.js';

export const DAY_MS = 86_400_000;

/** The StorageType of BucketSizeBytes that an object of each storage class is counted under. */
export const STORAGE_TYPE_OF_CLASS: Record<string, string> = {
  STANDARD: 'StandardStorage',
  REDUCED_REDUNDANCY: 'ReducedRedundancyStorage',
  STANDARD_IA: 'StandardIAStorage',
  ONEZONE_IA: 'OneZoneIAStorage',
  // New objects start in the Frequent Access tier.
  INTELLIGENT_TIERING: 'IntelligentTieringFAStorage',
  GLACIER_IR: 'GlacierInstantRetrievalStorage',
  GLACIER: 'GlacierStorage',
  DEEP_ARCHIVE: 'DeepArchiveStorage',
};

/** Bytes per StorageType and the number of objects (versions) a bucket holds. */
export function storageOf(bucket: Bucket): { bytes: Map<string, number>; objects: number } {
  const bytes = new Map<string, number>();
  let objects = 0;
  for (const versions of Object.values(bucket.objects)) {
    for (const v of versions) {
      if (v.isDeleteMarker) continue;
      objects++;
      const type = STORAGE_TYPE_OF_CLASS[v.storageClass] ?? 'StandardStorage';
      bytes.set(type, (bytes.get(type) ?? 0) + v.size);
    }
  }
  return { bytes, objects };
}

/** The datapoints of one bucket for the day starting at `dayStart`. */
export function dailyDatapoints(bucket: Bucket, dayStart: number): MetricDatumInput[] {
  const { bytes, objects } = storageOf(bucket);
  if (objects === 0) return [];
  const dims = (storageType: string) => [
    { Name: 'BucketName', Value: bucket.name },
    { Name: 'StorageType', Value: storageType },
  ];
  return [
    ...[...bytes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, n]) => ({ MetricName: 'BucketSizeBytes', Dimensions: dims(type), Value: n, Unit: 'Bytes', Timestamp: dayStart })),
    { MetricName: 'NumberOfObjects', Dimensions: dims('AllStorageTypes'), Value: objects, Unit: 'Count', Timestamp: dayStart },
  ];
}

/** Publishes each finished day's storage once, when CloudWatch is next asked anything. */
export class DailyStorageMetrics {
  /** Start of the last day reported (ms), or undefined before the first report. */
  private reportedDay: number | undefined;

  constructor(private readonly opts: { clock: Clock; state: () => S3State; cloudwatch: CloudWatchService }) {}

  publishDue(): void {
    const today = Math.floor(this.opts.clock.now() / DAY_MS) * DAY_MS;
    const yesterday = today - DAY_MS;
    if (this.reportedDay !== undefined && this.reportedDay >= yesterday) return;
    this.reportedDay = yesterday;
    for (const b of Object.values(this.opts.state().buckets)) {
      if (b.creationDate >= today) continue;
      const data = dailyDatapoints(b, yesterday);
      if (data.length > 0) this.opts.cloudwatch.putMetricData(b.accountId, b.region, 'AWS/S3', data);
    }
  }
}
