/**
 * Bucket versioning. Replication needs it Enabled on the source and on every
 * destination. s3repl only ever turns it on: removing a bucket from the config
 * forgets it (versioning is never suspended by apply).
 */
import { GetBucketVersioningCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { isAwsError } from '../../aws/errors.js';
import type { ResourceId, ResourceKind } from '../types.js';
import { readEach, str } from '../util.js';
import { BucketRegionError } from '../bucket/index.js';
import { expandVersioning } from './expand.js';

export const versioning: ResourceKind = {
  kind: 'versioning',
  phase: 1,
  doc: { address: '`versioning.NAME`', resource: 'versioning of every source and destination in your account (or one `accounts:` reaches)', notes: 'only ever turned on; never suspended' },
  neverDelete: "s3repl never deletes a bucket's versioning; it stays as it is",
  describe: (id) => `versioning of s3://${id.bucket} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandVersioning,
  importCheck: ({ desired, live }) =>
    live
      ? { verdict: 'record', nextPlan: `versioning of ${desired.id.bucket} is ${String(live.status)}: the next apply enables it, as replication requires` }
      : { verdict: 'unexpected' },
  normalize: (a) => ({ status: a.status ?? 'Unversioned' }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      try {
        const r = await ctx.aws.in(id.account).s3(id.region!).send(new GetBucketVersioningCommand({ Bucket: id.bucket }));
        // A never-versioned bucket answers 200 with no Status.
        return { status: r.Status ?? 'Unversioned' };
      } catch (e) {
        if (isAwsError(e, 'NoSuchBucket')) return null;
        else throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
    });
  },
  async create(ctx, r) {
    await enable(ctx, r.id, str(r.attributes, 'status'));
  },
  async update(ctx, r) {
    await enable(ctx, r.id, str(r.attributes, 'status'));
  },
  async delete() {
    // Never suspended by s3repl: forgetting is all a delete does.
  },
};

async function enable(ctx: Parameters<ResourceKind['create']>[0], id: ResourceId, status: string) {
  // A bucket in another account is changed with that account's credentials (accounts:).
  await ctx.aws.in(id.account).s3(id.region!).send(
    new PutBucketVersioningCommand({
      Bucket: id.bucket,
      VersioningConfiguration: { Status: status === 'Suspended' ? 'Suspended' : 'Enabled' },
    }),
  );
}
