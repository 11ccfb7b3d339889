/** Buckets s3repl creates (`create: true`), from the configuration. */
import type { BucketConfig, Config } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { DesiredResource, ExpandContext } from '../types.js';

export const bucketAddress = (name: string): string => `bucket.${name}`;

/**
 * Every bucket that takes part in replication (sources and destinations), and
 * the Batch Replication report bucket and Multi-Region Access Point members
 * when s3repl is asked to create them (an existing one is left as it is).
 * Sorted by name.
 */
export function bucketsInUse(config: Config): BucketConfig[] {
  const used = new Set<string>();
  for (const rep of config.replications) {
    used.add(rep.source);
    for (const r of rep.rules) used.add(r.destination.bucket);
  }
  const report = config.jobs.reportBucket;
  if (report && config.buckets[report]?.create) used.add(report);
  for (const ap of Object.values(config.multiRegionAccessPoints)) {
    for (const b of ap.buckets) if (config.buckets[b]?.create) used.add(b);
  }
  return [...used].sort().map((name) => config.buckets[name]!);
}

/** Whether the bucket is in the caller's account (its account is the caller's, or not said). */
export function inAccount(b: BucketConfig, accountId: string): boolean {
  return !b.account || b.account === accountId;
}

/**
 * The other account a bucket belongs to when s3repl reaches it through
 * `accounts:`; undefined for a bucket in the caller's account.
 */
export function otherAccount(config: Config, b: BucketConfig, accountId: string): string | undefined {
  return !inAccount(b, accountId) && config.accounts[b.account!] ? b.account : undefined;
}

/** Whether s3repl reads and changes this bucket: it is in the caller's account, or `accounts:` reaches its account. */
export function managed(config: Config, b: BucketConfig, accountId: string): boolean {
  return inAccount(b, accountId) || otherAccount(config, b, accountId) !== undefined;
}

/** A bucket's resource id: name, region, and the account when it is another one s3repl reaches. */
export function bucketId(config: Config, b: BucketConfig, accountId: string): Record<string, string> {
  const account = otherAccount(config, b, accountId);
  return { bucket: b.name, region: b.region, ...(account ? { account } : {}) };
}

export function expandBuckets({ config, accountId }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const b of bucketsInUse(config)) {
    if (!b.create) continue;
    if (!managed(config, b, accountId)) {
      throw new UserError(
        `bucket ${b.name} is in account ${b.account}, but the credentials are for account ${accountId}: s3repl cannot create it`,
        `add accounts."${b.account}" with a profile or roleArn, create it from account ${b.account}, or remove create: true`,
      );
    }
    out.push({
      address: bucketAddress(b.name),
      kind: 'bucket',
      id: bucketId(config, b, accountId),
      // What create sets up beside the bucket itself: compared with what is there, so a
      // bucket left half-made (a run stopped after CreateBucket) is completed by the next apply.
      attributes: { region: b.region, objectLock: b.objectLock, encrypted: true, bucketKey: b.bucketKey, publicAccessBlocked: true, tagged: true },
      dependsOn: [],
    });
  }
  return out;
}
