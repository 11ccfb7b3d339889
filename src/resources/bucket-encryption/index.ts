/**
 * What s3repl reads of the default encryption of a bucket it does not create
 * (no `create: true`) and whose encryption the generated role policy relies
 * on: BucketKeyEnabled, which decides whether KMS sees the bucket ARN or the
 * object ARN as encryption context (docs/aws-behaviour.md, "KMS: S3 Bucket Key
 * encryption context"), and the default SSE-KMS key when it is given as a key
 * ARN. The configuration declares them (`bucketKey`, `kmsKey`); a bucket that
 * says otherwise gets a policy under which replication fails.
 *
 * s3repl never changes such a bucket: a difference is shown (in plan and
 * drift) with what to do, and apply refuses it, which also stops the role
 * policy that relies on it (it depends on this resource).
 */
import { UserError } from '../../errors.js';
import type { Attrs, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { BucketRegionError, readEncryption } from '../bucket/index.js';
import { isAwsError } from '../../aws/errors.js';
import { expandBucketEncryptions } from './expand.js';

export { bucketEncryptionAddress, encryptionRelied } from './expand.js';

/** What is wrong with a bucket's declaration and what to do, one sentence per attribute that differs. */
function mismatches(id: ResourceId, live: Attrs, desired: Attrs): string[] {
  const out: string[] = [];
  const name = id.bucket!;
  if (typeof live.bucketKey === 'boolean' && live.bucketKey !== desired.bucketKey) {
    out.push(
      live.bucketKey
        ? `bucket ${name} uses an S3 Bucket Key, but the configuration says bucketKey: false: set bucketKey: true for bucket ${name} in replication.yaml, or turn the S3 Bucket Key off on the bucket: the replication role's KMS conditions follow bucketKey`
        : `bucket ${name} has no S3 Bucket Key, but the configuration says bucketKey: true: set bucketKey: false for bucket ${name} in replication.yaml, or turn the S3 Bucket Key on on the bucket: the replication role's KMS conditions follow bucketKey`,
    );
  }
  if (desired.kmsKey !== undefined && 'kmsKey' in live && live.kmsKey !== desired.kmsKey) {
    out.push(
      live.kmsKey === null
        ? `bucket ${name} has no default SSE-KMS key, but the configuration says kmsKey: ${String(desired.kmsKey)}: remove kmsKey for bucket ${name} in replication.yaml, or make that key the bucket's default encryption: the replication role may generate data keys only with kmsKey`
        : `bucket ${name}'s default SSE-KMS key is ${String(live.kmsKey)}, but the configuration says kmsKey: ${String(desired.kmsKey)}: set kmsKey: ${String(live.kmsKey)} for bucket ${name} in replication.yaml, or change the bucket's default encryption: the replication role may generate data keys only with kmsKey`,
    );
  }
  return out;
}

const REFUSE_HINT = 's3repl never changes the encryption of a bucket it does not create (no create: true); correct the configuration or the bucket, then plan again';

function refuse(id: ResourceId, live: Attrs | null, desired: Attrs): never {
  const what = live ? mismatches(id, live, desired) : [];
  throw new UserError(
    what.length ? what.join('; ') : `the default encryption of bucket ${id.bucket} is not as the configuration says`,
    REFUSE_HINT,
  );
}

export const bucketEncryption: ResourceKind = {
  kind: 'bucket-encryption',
  phase: 0,
  doc: {
    address: '`bucket-encryption.NAME`',
    resource: 'the default encryption of a bucket without `create: true` that a generated role policy relies on (SSE-KMS rules, `kmsKey`)',
    notes: 'read only: S3 Bucket Key (`bucketKey`) and default key (`kmsKey`, when a key ARN) compared with the configuration; a difference is drift and apply refuses it (and the role policy relying on it); **never changed**',
  },
  neverDelete: 's3repl never changes the encryption of a bucket it does not create; it stays as it is',
  describe: (id) => `default encryption of s3://${id.bucket} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandBucketEncryptions,
  normalize: (a) => ({
    ...(a.bucketKey !== undefined ? { bucketKey: a.bucketKey } : {}),
    ...(a.kmsKey !== undefined ? { kmsKey: a.kmsKey } : {}),
  }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const aws = ctx.aws.in(id.account);
      try {
        const e = await readEncryption(aws, id.bucket!, id.region!);
        // A default key given as a key id or alias is not compared: the configuration's
        // kmsKey is a key ARN, and s3repl does not resolve the others.
        const kmsKey = e.kmsKey === undefined ? null : e.kmsKey.startsWith('arn:') && e.kmsKey.includes(':key/') ? e.kmsKey : undefined;
        return { bucketKey: e.bucketKey, ...(kmsKey !== undefined ? { kmsKey } : {}) };
      } catch (e) {
        if (isAwsError(e, 'NoSuchBucket')) return null;
        throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
    });
  },
  // What is wrong and what to do, as the change's reasons (plan and drift show them).
  explain: (live, desired, id) => [
    ...mismatches(id, live, desired),
    's3repl does not change a bucket it does not create: apply refuses this, and the role policy that relies on it',
  ],
  async create(_ctx, r) {
    // The bucket is not there (plan reports a missing bucket first): nothing s3repl may make.
    refuse(r.id, null, r.attributes);
  },
  async update(_ctx, r, live) {
    refuse(r.id, live, r.attributes);
  },
  async delete() {
    // Never changed by s3repl.
  },
};
