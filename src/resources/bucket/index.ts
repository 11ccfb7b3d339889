/**
 * A bucket s3repl creates (`create: true`): versioned (through the versioning
 * resource), SSE-S3 default encryption, all public access blocked, tagged
 * (with the state's lineage, so a run stopped half-way recognises it). Those
 * three are read back and compared, so a bucket left half-made is completed;
 * s3repl never deletes a bucket. Its S3 Bucket Key setting (BucketKeyEnabled
 * of the default encryption) is read back too and compared with `bucketKey`,
 * which the generated KMS conditions rely on (docs/aws-behaviour.md, "KMS: S3
 * Bucket Key encryption context"): a mismatch is drift, and apply sets it.
 */
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type ServerSideEncryptionRule,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { UserError } from '../../errors.js';
import { bucketRegionFromError, describeAwsError, httpStatus, isAwsError } from '../../aws/errors.js';
import type { AwsClients } from '../../aws/clients.js';
import type { ApplyContext, ResourceKind } from '../types.js';
import { readEach, sortedRecord, tagsFromList, tagsToList } from '../util.js';
import { taggedForLineage } from '../ownership.js';
import { LINEAGE_TAG, MANAGED_BY_TAG } from '../role/expand.js';
import { expandBuckets } from './expand.js';

/** A bucket that is not in the region the configuration says. */
export class BucketRegionError extends UserError {
  static wrap(e: unknown, bucket: string, region: string): unknown {
    const actual = bucketRegionFromError(e);
    if (actual && actual !== region) {
      return new BucketRegionError(
        `bucket ${bucket} is in ${actual}, but the configuration says ${region}`,
        `set buckets.${bucket}.region: ${actual}`,
      );
    }
    if (isAwsError(e, 'AccessDenied', 'Forbidden') || httpStatus(e) === 403) {
      return new UserError(
        `access denied reading bucket ${bucket} (${region}): ${describeAwsError(e)}`,
        'if the bucket belongs to another account, set buckets.<name>.account so s3repl does not read it',
      );
    }
    return e;
  }
}

export const bucket: ResourceKind = {
  kind: 'bucket',
  phase: 0,
  doc: { address: '`bucket.NAME`', resource: 'a bucket with `create: true`', notes: 'created versioned, SSE-S3 encrypted (S3 Bucket Key as `bucketKey` says), public access blocked, tagged (a half-made one is completed); **never deleted**' },
  neverDelete: 's3repl never deletes a bucket; it stays as it is',
  describe: (id) => `bucket s3://${id.bucket} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandBuckets,
  // A bucket's Region is one of its identifiers, fixed when it is created (docs/aws-behaviour.md,
  // "S3: a bucket's Region is fixed"): a bucket already there in another Region is an error when
  // it is read. Object Lock can be turned on later, never off ("S3: Object Lock is for good"),
  // and s3repl never deletes a bucket to make it again: turning it off is refused with this reason.
  requiresReplace: {
    objectLock: (before, after) =>
      before === true && after !== true
        ? 'S3 Object Lock cannot be turned off once a bucket has it (docs/aws-behaviour.md, "S3: Object Lock is for good")'
        : null,
  },
  costFacts: (_v, id) => (id.bucket ? [{ fact: 's3-bucket', bucket: id.bucket }] : []),
  // `tags` (all of them, as read) is shown, never compared: `tagged` is.
  normalize: (a) => ({
    region: a.region ?? null,
    ...(a.objectLock !== undefined ? { objectLock: a.objectLock } : {}),
    ...(a.encrypted !== undefined ? { encrypted: a.encrypted } : {}),
    ...(a.bucketKey !== undefined ? { bucketKey: a.bucketKey } : {}),
    ...(a.publicAccessBlocked !== undefined ? { publicAccessBlocked: a.publicAccessBlocked } : {}),
    ...(a.tagged !== undefined ? { tagged: a.tagged } : {}),
    ...(a.tags !== undefined ? { tags: sortedRecord(a.tags as Record<string, string>) } : {}),
  }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      // A bucket in another account is read with that account's credentials (accounts:).
      const aws = ctx.aws.in(id.account);
      const s3 = aws.s3(id.region!);
      try {
        await s3.send(new HeadBucketCommand({ Bucket: id.bucket }));
      } catch (e) {
        if (isAwsError(e, 'NotFound', 'NoSuchBucket') || httpStatus(e) === 404) return null;
        else throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
      const [encryption, publicAccessBlocked, tags, objectLock] = await Promise.all([
        readEncryption(aws, id.bucket!, id.region!),
        readPublicAccessBlocked(aws, id.bucket!, id.region!),
        readBucketTags(aws, id.bucket!, id.region!),
        readObjectLock(aws, id.bucket!, id.region!),
      ]);
      return {
        region: id.region!,
        objectLock,
        encrypted: encryption.encrypted,
        bucketKey: encryption.bucketKey,
        publicAccessBlocked,
        tagged: tags[MANAGED_BY_TAG] === 's3repl',
        tags,
      };
    });
  },
  // A bucket made by this state carries its lineage in its tags.
  ownedBy: (live, lineage) => taggedForLineage(live.tags as Record<string, string> | undefined, lineage, MANAGED_BY_TAG, LINEAGE_TAG),
  async create(ctx, r) {
    const { bucket: name, region, account } = r.id as { bucket: string; region: string; account?: string };
    // A bucket in another account is created with that account's credentials (accounts:).
    const s3 = ctx.aws.in(account).s3(region);
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: name,
          ObjectLockEnabledForBucket: r.attributes.objectLock === true || undefined,
          // A destination in another account owns every replica, ACLs disabled: the
          // replicas are the destination account's whatever the source's ACLs say.
          ...(account !== undefined ? { ObjectOwnership: 'BucketOwnerEnforced' as const } : {}),
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
    } catch (e) {
      // A retried create after a crash finds its own bucket: that is success.
      if (!isAwsError(e, 'BucketAlreadyOwnedByYou')) {
        if (isAwsError(e, 'BucketAlreadyExists')) {
          throw new UserError(`bucket name ${name} is taken by another AWS account`, 'bucket names are global: choose another name');
        }
        throw e;
      }
    }
    await blockPublicAccess(ctx, name, region, account);
    await encrypt(ctx, name, region, r.attributes.bucketKey === true, account);
    await tag(ctx, name, region, {}, account);
  },
  async update(ctx, r, live) {
    // The Region is fixed at creation; what create sets up after CreateBucket is
    // completed when missing (a run stopped half-way, or removed by hand).
    const { bucket: name, region, account } = r.id as { bucket: string; region: string; account?: string };
    // Object Lock can be turned on for a versioned bucket (never off: requiresReplace refuses that).
    if (r.attributes.objectLock === true && live.objectLock === false) {
      await ctx.aws.in(account).s3(region).send(
        new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }),
      );
    }
    if (live.publicAccessBlocked === false) await blockPublicAccess(ctx, name, region, account);
    const bucketKey = r.attributes.bucketKey === true;
    if (live.encrypted === false) await encrypt(ctx, name, region, bucketKey, account);
    else if (live.bucketKey !== undefined && live.bucketKey !== bucketKey) await setBucketKey(ctx, name, region, bucketKey, account);
    if (live.tagged === false) await tag(ctx, name, region, (live.tags ?? {}) as Record<string, string>, account);
  },
  async delete() {
    // Never deleted by s3repl.
  },
};

async function blockPublicAccess(ctx: ApplyContext, name: string, region: string, account?: string): Promise<void> {
  await ctx.aws.in(account).s3(region).send(
    new PutPublicAccessBlockCommand({
      Bucket: name,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
}

async function encrypt(ctx: ApplyContext, name: string, region: string, bucketKey: boolean, account?: string): Promise<void> {
  await ctx.aws.in(account).s3(region).send(
    new PutBucketEncryptionCommand({
      Bucket: name,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: bucketKey }] },
    }),
  );
}

/** Turns the S3 Bucket Key on or off, keeping the bucket's default encryption (algorithm and key) as it is. */
async function setBucketKey(ctx: ApplyContext, name: string, region: string, bucketKey: boolean, account?: string): Promise<void> {
  const s3 = ctx.aws.in(account).s3(region);
  const current = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
  const rule = defaultRule(current.ServerSideEncryptionConfiguration?.Rules);
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: name,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: rule?.ApplyServerSideEncryptionByDefault ?? { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: bucketKey }],
      },
    }),
  );
}

/** Puts s3repl's tags (defaults.tags, managed-by, the lineage), keeping the other tags the bucket has. */
async function tag(ctx: ApplyContext, name: string, region: string, existing: Record<string, string>, account?: string): Promise<void> {
  const tags = sortedRecord({ ...existing, ...ctx.tags, [MANAGED_BY_TAG]: 's3repl', [LINEAGE_TAG]: ctx.lineage });
  await ctx.aws.in(account).s3(region).send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagsToList(tags) } }));
}

/** The rule that sets the bucket's default encryption. */
function defaultRule(rules: ServerSideEncryptionRule[] | undefined): ServerSideEncryptionRule | undefined {
  return (rules ?? []).find((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm);
}

/**
 * Whether the bucket has default encryption (every bucket made since January
 * 2023 has SSE-S3), and whether it uses an S3 Bucket Key (BucketKeyEnabled; an
 * absent value is false, S3's default), and the key of a default SSE-KMS
 * encryption. Also read by `s3repl import`, which writes `bucketKey: true` for a
 * bucket that has one, and `kmsKey` for a default SSE-KMS key given by ARN.
 */
export async function readEncryption(aws: AwsClients, name: string, region: string): Promise<{ encrypted: boolean; bucketKey: boolean; kmsKey?: string }> {
  try {
    const r = await aws.s3(region).send(new GetBucketEncryptionCommand({ Bucket: name }));
    const rule = defaultRule(r.ServerSideEncryptionConfiguration?.Rules);
    const sse = rule?.ApplyServerSideEncryptionByDefault;
    const kmsKey = sse?.SSEAlgorithm === 'aws:kms' ? sse.KMSMasterKeyID : undefined;
    return { encrypted: rule !== undefined, bucketKey: rule?.BucketKeyEnabled === true, ...(kmsKey ? { kmsKey } : {}) };
  } catch (e) {
    if (isAwsError(e, 'ServerSideEncryptionConfigurationNotFoundError')) return { encrypted: false, bucketKey: false };
    throw e;
  }
}

/** Whether the bucket has S3 Object Lock (GetObjectLockConfiguration fails with ObjectLockConfigurationNotFoundError when not). */
async function readObjectLock(aws: AwsClients, name: string, region: string): Promise<boolean> {
  try {
    const r = await aws.s3(region).send(new GetObjectLockConfigurationCommand({ Bucket: name }));
    return r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (e) {
    if (isAwsError(e, 'ObjectLockConfigurationNotFoundError')) return false;
    throw e;
  }
}

/** Whether all four Block Public Access settings are on. */
async function readPublicAccessBlocked(aws: AwsClients, name: string, region: string): Promise<boolean> {
  try {
    const r = await aws.s3(region).send(new GetPublicAccessBlockCommand({ Bucket: name }));
    const c = r.PublicAccessBlockConfiguration;
    return Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
  } catch (e) {
    if (isAwsError(e, 'NoSuchPublicAccessBlockConfiguration')) return false;
    throw e;
  }
}

async function readBucketTags(aws: AwsClients, name: string, region: string): Promise<Record<string, string>> {
  try {
    const r = await aws.s3(region).send(new GetBucketTaggingCommand({ Bucket: name }));
    return tagsFromList(r.TagSet);
  } catch (e) {
    if (isAwsError(e, 'NoSuchTagSet')) return {};
    throw e;
  }
}
