/**
 * A bucket s3repl creates (`create: true`): versioned (through the versioning
 * resource), SSE-S3 default encryption, all public access blocked, tagged.
 * Existence and region are what is tracked; s3repl never deletes a bucket.
 */
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { UserError } from '../../errors.js';
import { bucketRegionFromError, describeAwsError, httpStatus, isAwsError } from '../../aws/errors.js';
import type { ResourceKind } from '../types.js';
import { readEach, sortedRecord, tagsToList } from '../util.js';
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
  doc: { address: '`bucket.NAME`', resource: 'a bucket with `create: true`', notes: 'created versioned, SSE-S3 encrypted, public access blocked, tagged; **never deleted**' },
  neverDelete: 's3repl never deletes a bucket; it stays as it is',
  describe: (id) => `bucket s3://${id.bucket} (${id.region})`,
  expand: expandBuckets,
  // Object Lock is chosen at creation and HeadBucket does not report it: a live
  // read leaves it out, and the diff only compares attributes a read observed.
  normalize: (a) => ({
    region: a.region ?? null,
    ...(a.objectLock !== undefined ? { objectLock: a.objectLock } : {}),
  }),
  readMany(ctx, items) {
    return readEach(items, async (id) => {
      try {
        await ctx.aws.s3(id.region!).send(new HeadBucketCommand({ Bucket: id.bucket }));
        return { region: id.region! };
      } catch (e) {
        if (isAwsError(e, 'NotFound', 'NoSuchBucket') || httpStatus(e) === 404) return null;
        else throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
    });
  },
  async create(ctx, r) {
    const { bucket: name, region } = r.id as { bucket: string; region: string };
    const s3 = ctx.aws.s3(region);
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: name,
          ObjectLockEnabledForBucket: r.attributes.objectLock === true || undefined,
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
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
        },
      }),
    );
    const tags = sortedRecord({ ...ctx.tags, 'managed-by': 's3repl' });
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagsToList(tags) } }));
  },
  async update() {
    // Nothing to update: region and Object Lock are fixed at creation.
  },
  async delete() {
    // Never deleted by s3repl.
  },
};
