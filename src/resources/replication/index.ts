/**
 * A bucket's replication configuration: one document per source bucket (a PUT
 * replaces every rule). s3repl always writes the V2 form (a Filter, Priority and
 * DeleteMarkerReplication on every rule).
 *
 * The normalised shape keys rules by id, so adding a rule does not shift every
 * other rule in a diff, and folds away the differences AWS introduces on
 * read-back, the source of Terraform's perpetual diffs: generated ids,
 * `Filter:{}` vs `Filter:{Prefix:""}`, `Tag` vs `And` with one tag, default
 * priorities, statuses that are absent vs Disabled, V1 rule-level prefixes.
 */
import {
  DeleteBucketReplicationCommand,
  GetBucketReplicationCommand,
  PutBucketReplicationCommand,
  type ReplicationConfiguration,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import type { ApplyContext, Attrs, ResourceKind } from '../types.js';
import { BucketRegionError } from '../bucket/index.js';
import { readEach } from '../util.js';
import { fromAws, sortRules, toAws, type NormalReplication } from './shape.js';
import { expandReplications } from './expand.js';
import { roleGrants } from './grants.js';
import { costFacts } from './cost.js';

export { fromAws, toAws, type NormalReplication, type NormalRule } from './shape.js';
export { replicationAddress } from './expand.js';

export const replication: ResourceKind = {
  kind: 'replication',
  phase: 4,
  doc: { address: '`replication.SOURCE`', resource: 'the bucket\'s replication configuration', notes: 'always the V2 form; one document per source bucket' },
  describe: (id) => `replication configuration of s3://${id.bucket} (${id.region})`,
  expand: expandReplications,
  roleGrants,
  costFacts,
  importCheck({ desired, live, paths, known }) {
    // A V1 configuration import wrote in the V2 form (it reported it): the rules mean the same. The V2 form
    // gives V1 rules priorities they do not have in AWS (read back as 0; import numbers them).
    if (!live || !known || live.format !== 'V1' || desired.attributes.format !== 'V2' || !paths.includes('format')) return { verdict: 'unexpected' };
    const rules = live.rules as Record<string, { priority?: number }>;
    const priority = /^rules\.([^.]+)\.priority$/;
    const explained = paths.every((p) => p === 'format' || rules[priority.exec(p)?.[1] ?? '']?.priority === 0);
    return explained ? { verdict: 'record' } : { verdict: 'unexpected' };
  },
  normalize(a) {
    const n = a as unknown as NormalReplication;
    return { role: n.role, format: n.format ?? 'V2', rules: sortRules(n.rules ?? {}) } as unknown as Attrs;
  },
  explain(live, desired) {
    if (live.format !== 'V1' || desired.format !== 'V2') return [];
    return [
      'format V1 → V2: the live configuration uses the legacy V1 schema (rule-level Prefix); s3repl writes the same rules in the V2 form (Filter, Priority and DeleteMarkerReplication on every rule), which replicates the same objects (V1 rules replicate delete markers: deleteMarkers: true keeps that)',
    ];
  },
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const doc = await readReplicationDocument(ctx.aws, id.bucket!, id.region!);
      return doc ? (fromAws(doc) as unknown as Attrs) : null;
    });
  },
  create: put,
  update: put,
  async delete(ctx: ApplyContext, _address, id) {
    try {
      await ctx.aws.s3(id.region!).send(new DeleteBucketReplicationCommand({ Bucket: id.bucket }));
    } catch (e) {
      if (!isAwsError(e, 'NoSuchBucket')) throw e;
    }
  },
};

/** A bucket's replication configuration as AWS returns it; null when it has none (or the bucket does not exist yet). */
export async function readReplicationDocument(aws: AwsClients, bucket: string, region: string): Promise<ReplicationConfiguration | null> {
  try {
    const r = await aws.s3(region).send(new GetBucketReplicationCommand({ Bucket: bucket }));
    return r.ReplicationConfiguration ?? { Role: '', Rules: [] };
  } catch (e) {
    // No configuration, or no bucket yet (it is created earlier in the same apply).
    if (isAwsError(e, 'ReplicationConfigurationNotFoundError', 'NoSuchBucket')) return null;
    throw BucketRegionError.wrap(e, bucket, region);
  }
}

async function put(ctx: ApplyContext, r: { id: Record<string, string>; attributes: Attrs }): Promise<void> {
  const doc = toAws(r.attributes as unknown as NormalReplication);
  await ctx.aws.s3(r.id.region!).send(new PutBucketReplicationCommand({ Bucket: r.id.bucket, ReplicationConfiguration: doc }));
}

