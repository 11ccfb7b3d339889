/**
 * The replication role's grants in the bucket policy of a destination in
 * another account that `accounts:` reaches. s3repl owns only the statements
 * whose Sid starts with `S3repl`: it merges them into the bucket's existing
 * policy (every other statement is kept exactly as it is), and removes them
 * on destroy, deleting the policy only when nothing else is left in it.
 *
 * S3 has no conditional PutBucketPolicy, so the whole-document PUT is guarded
 * by a re-read: the policy is read, merged, and read again right before the
 * PUT; if it changed in between (someone else is editing it), the merge starts
 * over from the newer document.
 */
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import { UserError } from '../../errors.js';
import { normalizePolicy, type PolicyDocument } from '../policy-doc.js';
import type { ApplyContext, DesiredResource, Json, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { BucketRegionError } from '../bucket/index.js';
import { expandBucketPolicies, SID_PREFIX } from './expand.js';

export { bucketPolicyAddress, destinationGrants } from './expand.js';

type RawStatement = Record<string, unknown>;
interface RawPolicy {
  text: string;
  doc: { Version?: string; Id?: string; Statement: RawStatement[] };
}

const ours = (s: RawStatement) => typeof s.Sid === 'string' && s.Sid.startsWith(SID_PREFIX);

/** The bucket's policy as stored, or null when it has none. */
async function readPolicy(aws: AwsClients, id: ResourceId): Promise<RawPolicy | null> {
  try {
    const r = await aws.s3(id.region!).send(new GetBucketPolicyCommand({ Bucket: id.bucket }));
    const text = r.Policy ?? '';
    const parsed = JSON.parse(text) as { Version?: string; Id?: string; Statement?: unknown };
    const st = parsed.Statement;
    const statements = (Array.isArray(st) ? st : st ? [st] : []) as RawStatement[];
    return { text, doc: { ...parsed, Statement: statements } };
  } catch (e) {
    if (isAwsError(e, 'NoSuchBucketPolicy')) return null;
    throw e;
  }
}

/** Replaces s3repl's statements in the bucket policy with `statements` (none: remove them). */
async function writeOurs(ctx: ApplyContext, id: ResourceId, statements: RawStatement[]): Promise<void> {
  const aws = ctx.aws.in(id.account);
  const s3 = aws.s3(id.region!);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await readPolicy(aws, id);
    const foreign = (before?.doc.Statement ?? []).filter((s) => !ours(s));
    const next = { ...(before?.doc ?? {}), Version: before?.doc.Version ?? '2012-10-17', Statement: [...foreign, ...statements] };
    const again = await readPolicy(aws, id);
    if ((again?.text ?? null) !== (before?.text ?? null)) {
      ctx.log(`the bucket policy of ${id.bucket} changed while s3repl merged its statements; merging again`);
      continue;
    }
    if (next.Statement.length === 0) {
      if (before) await s3.send(new DeleteBucketPolicyCommand({ Bucket: id.bucket }));
    } else {
      await s3.send(new PutBucketPolicyCommand({ Bucket: id.bucket, Policy: JSON.stringify(next) }));
    }
    return;
  }
  throw new UserError(
    `the bucket policy of ${id.bucket} kept changing while s3repl merged its statements into it`,
    'someone else is editing it: run apply again once they are done',
  );
}

const put = (ctx: ApplyContext, r: DesiredResource) =>
  writeOurs(ctx, r.id, ((r.attributes.statements ?? []) as unknown as RawStatement[]).map((s) => ({ ...s })));

export const bucketPolicy: ResourceKind = {
  kind: 'bucket-policy',
  phase: 3,
  doc: {
    address: '`bucket-policy.NAME`',
    resource: "the replication role's statements in the bucket policy of a destination in another account `accounts:` reaches",
    notes: 'merged by `Sid` (`S3repl…`) into the existing policy, other statements kept; removed on destroy',
  },
  describe: (id) => `s3repl's statements in the bucket policy of s3://${id.bucket} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandBucketPolicies,
  iam: {
    policy: 'permissions',
    document: (a) => (Array.isArray(a.statements) ? ({ Version: '2012-10-17', Statement: a.statements } as unknown as PolicyDocument) : null),
    role: (address, id) => ({ address, roleName: `bucket policy of s3://${id.bucket ?? address}` }),
  },
  normalize: (a) => ({
    statements: normalizePolicy({ Statement: (a.statements ?? []) as unknown }).Statement as unknown as Json,
  }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      try {
        const policy = await readPolicy(ctx.aws.in(id.account), id);
        const mine = (policy?.doc.Statement ?? []).filter(ours);
        return mine.length > 0 ? { statements: mine as unknown as Json } : null;
      } catch (e) {
        if (isAwsError(e, 'NoSuchBucket')) return null;
        throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
    });
  },
  create: put,
  update: put,
  async delete(ctx, _address, id) {
    try {
      await writeOurs(ctx, id, []);
    } catch (e) {
      if (!isAwsError(e, 'NoSuchBucket')) throw e;
    }
  },
};
