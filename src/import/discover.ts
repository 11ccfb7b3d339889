/**
 * `s3repl import`, step 1: read what exists in AWS for the source buckets the
 * user names: each bucket's region (found, never asked for), versioning and
 * Object Lock, its replication configuration as AWS returns it, the
 * destination buckets (region; whether these credentials own them), the IAM
 * roles (GetRole and inline policies) and the CloudWatch alarms in each
 * source region that watch S3 replication metrics of these sources.
 *
 * Nothing here decides what replication.yaml says; generate.ts does, from
 * these facts alone (a pure function, tested without AWS).
 */
import {
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  type ReplicationConfiguration,
} from '@aws-sdk/client-s3';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../aws/clients.js';
import { bucketRegionFromError, describeAwsError, httpStatus, isAwsError } from '../aws/errors.js';
import { UserError } from '../errors.js';
import { bucketFromArn, parseRoleArn } from '../resources/arn.js';
import { decodePolicy, type PolicyDocument } from '../resources/policy-doc.js';
import { tagsFromList } from '../resources/util.js';
import { describeMetricAlarms, listInlinePolicyNames, readEncryption, readInlinePolicy, readReplicationDocument, readRoleDocument } from '../resources/operations.js';

/** What these credentials can see of a bucket. */
export type BucketAccess =
  /** Exists, readable, owned by the caller's account. */
  | 'owned'
  /** Exists, but HeadBucket is refused (another account's bucket, or a bucket policy). */
  | 'denied'
  /** No such bucket. */
  | 'missing';

export interface BucketFacts {
  name: string;
  access: BucketAccess;
  /** Known for owned and (usually) denied buckets: S3 names the region even when it refuses access. */
  region?: string;
  /** Owned buckets only. */
  versioning?: 'Enabled' | 'Suspended' | 'Unversioned';
  objectLock?: boolean;
  /** Owned buckets only: the default encryption uses an S3 Bucket Key (BucketKeyEnabled). */
  bucketKey?: boolean;
  /** Owned buckets only: the key of the default SSE-KMS encryption, as the bucket names it. */
  kmsKey?: string;
  /** Owned buckets that are not imported sources: whether they have a replication configuration of their own. */
  replicates?: boolean;
}

export interface SourceFacts {
  bucket: BucketFacts & { access: 'owned'; region: string };
  /** As GetBucketReplication returns it. */
  replication: ReplicationConfiguration;
}

export interface RoleFacts {
  arn: string;
  name: string;
  path: string;
  /** The account in the ARN. */
  account: string;
  /** false: GetRole said NoSuchEntity; null: not read (another account's role). */
  exists: boolean | null;
  permissionsBoundary?: string;
  tags: Record<string, string>;
  trustPolicy?: PolicyDocument | null;
  /** Inline policies by name (GetRolePolicy, normalised). */
  inlinePolicies: Record<string, PolicyDocument | null>;
}

export interface AlarmFacts {
  region: string;
  alarm: MetricAlarm;
}

export interface ImportFacts {
  accountId: string;
  sources: SourceFacts[];
  /** Every bucket involved (sources and destinations), by name. */
  buckets: Record<string, BucketFacts>;
  /** By role ARN. */
  roles: Record<string, RoleFacts>;
  /** Metric alarms in the source regions on AWS/S3 metrics whose SourceBucket is an imported source. */
  alarms: AlarmFacts[];
}

export interface DiscoverOptions {
  /** Progress lines for the user (stderr). */
  log?: (message: string) => void;
}

/** Reads every fact import needs. Throws UserError for buckets that are missing, unreadable or not replicating. */
export async function discover(aws: AwsClients, bucketNames: string[], opts: DiscoverOptions = {}): Promise<ImportFacts> {
  const log = opts.log ?? (() => undefined);
  const accountId = await aws.accountId();
  const names = [...new Set(bucketNames)];
  log(`Reading ${names.length === 1 ? 'bucket' : 'buckets'} ${names.join(', ')} from account ${accountId}...`);

  const buckets: Record<string, BucketFacts> = {};
  const sourceFacts = await Promise.all(names.map((n) => locateBucket(aws, n, accountId)));
  for (const b of sourceFacts) {
    if (b.access === 'missing') {
      throw new UserError(`bucket ${b.name} does not exist`, 'check the name passed to --bucket (bucket names are global, lowercase)');
    }
    if (b.access === 'denied') {
      throw new UserError(
        `bucket ${b.name} cannot be read with the credentials of account ${accountId}${b.region ? ` (it is in ${b.region})` : ''}: it belongs to another account, or a policy denies access`,
        "run s3repl import with credentials of the source bucket's account (--profile), which must allow s3:GetReplicationConfiguration, s3:GetBucketVersioning and s3:ListBucket",
      );
    }
    buckets[b.name] = b;
  }

  const sources: SourceFacts[] = await Promise.all(
    sourceFacts.map(async (b) => {
      const region = b.region!;
      const [replication] = await Promise.all([readReplication(aws, b.name, region), readBucketDetails(aws, b)]);
      if (!replication) {
        throw new UserError(
          `bucket ${b.name} (${region}) has no replication configuration: there is nothing to import`,
          'pass only source buckets (those with replication rules) to --bucket; destinations are found from the rules. To set up replication from scratch, write replication.yaml (see docs/configuration.md)',
        );
      }
      return { bucket: b as SourceFacts['bucket'], replication };
    }),
  );

  // Destinations: every bucket a rule names that is not itself an imported source.
  const destNames = new Set<string>();
  for (const s of sources) for (const r of s.replication.Rules ?? []) if (r.Destination?.Bucket) destNames.add(bucketFromArn(r.Destination.Bucket));
  const others = [...destNames].filter((n) => !buckets[n]).sort();
  if (others.length) log(`Reading destination ${others.length === 1 ? 'bucket' : 'buckets'} ${others.join(', ')}...`);
  await Promise.all(
    others.map(async (n) => {
      const b = await locateBucket(aws, n, accountId);
      if (b.access === 'owned') {
        await readBucketDetails(aws, b);
        b.replicates = (await readReplication(aws, b.name, b.region!)) !== null;
      }
      buckets[n] = b;
    }),
  );

  // Roles.
  const roleArns = [...new Set(sources.map((s) => s.replication.Role ?? '').filter(Boolean))].sort();
  const roles: Record<string, RoleFacts> = {};
  await Promise.all(roleArns.map(async (arn) => (roles[arn] = await readRole(aws, arn, accountId))));

  // Alarms on these sources' replication metrics, in each source's region and
  // in each destination's (where S3 publishes the latency and pending metrics).
  const byRegion = new Map<string, Set<string>>();
  const watch = (region: string | undefined, source: string) => {
    if (!region) return;
    const set = byRegion.get(region) ?? new Set<string>();
    set.add(source);
    byRegion.set(region, set);
  };
  for (const s of sources) {
    watch(s.bucket.region, s.bucket.name);
    for (const r of s.replication.Rules ?? []) {
      const dest = r.Destination?.Bucket ? buckets[bucketFromArn(r.Destination.Bucket)] : undefined;
      if (dest?.access === 'owned') watch(dest.region ?? undefined, s.bucket.name);
    }
  }
  log('Reading CloudWatch alarms...');
  const alarms: AlarmFacts[] = [];
  await Promise.all(
    [...byRegion].map(async ([region, set]) => {
      for (const alarm of await listMetricAlarms(aws, region)) {
        if (alarm.Namespace !== 'AWS/S3') continue;
        const source = alarm.Dimensions?.find((d) => d.Name === 'SourceBucket')?.Value;
        if (source && set.has(source)) alarms.push({ region, alarm });
      }
    }),
  );
  alarms.sort((a, b) => ((a.alarm.AlarmName ?? '') < (b.alarm.AlarmName ?? '') ? -1 : 1));

  return { accountId, sources, buckets, roles, alarms };
}

/**
 * Finds a bucket's region and whether these credentials own it. HeadBucket
 * answers with the region (x-amz-bucket-region) even when it redirects (wrong
 * region) or refuses (403), so another account's bucket still has a region.
 * ExpectedBucketOwner makes S3 refuse a bucket that another account owns even
 * when its policy would let us read it.
 */
export async function locateBucket(aws: AwsClients, name: string, accountId: string): Promise<BucketFacts> {
  const head = async (region: string) => {
    const r = await aws.s3(region).send(new HeadBucketCommand({ Bucket: name, ExpectedBucketOwner: accountId }));
    return r.BucketRegion ?? region;
  };
  const probe = aws.defaultRegion;
  try {
    return { name, access: 'owned', region: await head(probe) };
  } catch (e) {
    if (isMissing(e)) return { name, access: 'missing' };
    const region = bucketRegionFromError(e);
    const status = httpStatus(e);
    if (status === 403) return { name, access: 'denied', ...(region ? { region } : {}) };
    if (region && region !== probe) {
      try {
        return { name, access: 'owned', region: await head(region) };
      } catch (e2) {
        if (isMissing(e2)) return { name, access: 'missing' };
        if (httpStatus(e2) === 403) return { name, access: 'denied', region };
        throw e2;
      }
    }
    // No region in the answer: ask GetBucketLocation (answered from any region for the owner).
    try {
      const loc = await aws.s3(probe).send(new GetBucketLocationCommand({ Bucket: name, ExpectedBucketOwner: accountId }));
      const r = loc.LocationConstraint ? (loc.LocationConstraint === 'EU' ? 'eu-west-1' : loc.LocationConstraint) : 'us-east-1';
      return { name, access: 'owned', region: await head(r) };
    } catch (e3) {
      if (isMissing(e3)) return { name, access: 'missing' };
      if (httpStatus(e3) === 403) return { name, access: 'denied' };
      throw new UserError(`cannot find the region of bucket ${name}: ${describeAwsError(e)}`);
    }
  }
}

function isMissing(e: unknown): boolean {
  return isAwsError(e, 'NotFound', 'NoSuchBucket') || httpStatus(e) === 404;
}

/** The replication configuration of a bucket, read as plan reads it. */
function readReplication(aws: AwsClients, bucket: string, region: string): Promise<ReplicationConfiguration | null> {
  return readReplicationDocument(aws, bucket, region);
}

async function readBucketDetails(aws: AwsClients, b: BucketFacts): Promise<void> {
  const s3 = aws.s3(b.region!);
  const [versioning, objectLock, encryption] = await Promise.all([
    s3.send(new GetBucketVersioningCommand({ Bucket: b.name })),
    s3.send(new GetObjectLockConfigurationCommand({ Bucket: b.name }))
      .then((r) => r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled')
      .catch((e: unknown) => {
        if (isAwsError(e, 'ObjectLockConfigurationNotFoundError')) return false;
        throw e;
      }),
    readEncryption(aws, b.name, b.region!),
  ]);
  b.versioning = versioning.Status ?? 'Unversioned';
  b.objectLock = objectLock;
  b.bucketKey = encryption.bucketKey;
  if (encryption.kmsKey !== undefined) b.kmsKey = encryption.kmsKey;
}

async function readRole(aws: AwsClients, arn: string, accountId: string): Promise<RoleFacts> {
  const parsed = parseRoleArn(arn);
  const base: RoleFacts = {
    arn,
    name: parsed?.name ?? arn,
    path: parsed?.path ?? '/',
    account: parsed?.account ?? '',
    exists: null,
    tags: {},
    inlinePolicies: {},
  };
  if (!parsed || parsed.account !== accountId) return base;
  const role = await readRoleDocument(aws, parsed.name);
  if (!role) {
    base.exists = false;
    return base;
  }
  base.exists = true;
  base.path = role.Path ?? parsed.path;
  base.tags = tagsFromList(role.Tags);
  base.trustPolicy = decodePolicy(role.AssumeRolePolicyDocument);
  if (role.PermissionsBoundary?.PermissionsBoundaryArn) base.permissionsBoundary = role.PermissionsBoundary.PermissionsBoundaryArn;
  const names = await listInlinePolicyNames(aws, parsed.name);
  await Promise.all(names.map(async (p) => (base.inlinePolicies[p] = await readInlinePolicy(aws, parsed.name, p))));
  return base;
}

/** Every metric alarm in a region (DescribeAlarms has no dimension filter), all pages. */
function listMetricAlarms(aws: AwsClients, region: string): Promise<MetricAlarm[]> {
  return describeMetricAlarms(aws, region);
}
