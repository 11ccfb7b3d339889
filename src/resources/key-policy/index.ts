/**
 * The replication role's statement in the key policy of a replica KMS key in
 * another account that `accounts:` reaches. s3repl owns only the statements
 * whose Sid starts with `S3repl`: it merges them into the key's policy (every
 * other statement kept as it is) and removes them on destroy. Like bucket
 * policies, PutKeyPolicy replaces the whole document and has no conditional
 * form, so the PUT is guarded by a re-read.
 */
import { GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import { UserError } from '../../errors.js';
import { normalizePolicy, type PolicyDocument } from '../policy-doc.js';
import type { ApplyContext, DesiredResource, Json, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { expandKeyPolicies, KEY_SID_PREFIX } from './expand.js';

export { keyPolicyAddress } from './expand.js';

type RawStatement = Record<string, unknown>;
const ours = (s: RawStatement) => typeof s.Sid === 'string' && s.Sid.startsWith(KEY_SID_PREFIX);

async function readPolicy(aws: AwsClients, id: ResourceId): Promise<{ text: string; doc: Record<string, unknown> & { Statement: RawStatement[] } } | null> {
  try {
    const r = await aws.kms(id.region!).send(new GetKeyPolicyCommand({ KeyId: id.keyArn, PolicyName: 'default' }));
    const text = r.Policy ?? '{}';
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const st = parsed.Statement;
    return { text, doc: { ...parsed, Statement: (Array.isArray(st) ? st : st ? [st] : []) as RawStatement[] } };
  } catch (e) {
    if (isAwsError(e, 'NotFoundException')) return null;
    throw e;
  }
}

async function writeOurs(ctx: ApplyContext, id: ResourceId, statements: RawStatement[]): Promise<void> {
  const aws = ctx.aws.in(id.account);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await readPolicy(aws, id);
    if (!before) {
      if (statements.length === 0) return; // the key is gone: nothing of s3repl's is left in it
      throw new UserError(`KMS key ${id.keyArn} does not exist (or s3repl cannot read its policy)`, `create the key in account ${id.account}, or fix encryption.replicaKmsKey`);
    }
    const foreign = before.doc.Statement.filter((s) => !ours(s));
    const next = { ...before.doc, Statement: [...foreign, ...statements] };
    const again = await readPolicy(aws, id);
    if (again?.text !== before.text) {
      ctx.log(`the key policy of ${id.keyArn} changed while s3repl merged its statement; merging again`);
      continue;
    }
    // A key policy cannot be empty: with nothing but s3repl's statement in it, it stays.
    if (next.Statement.length === 0) return;
    await aws.kms(id.region!).send(new PutKeyPolicyCommand({ KeyId: id.keyArn, PolicyName: 'default', Policy: JSON.stringify(next) }));
    return;
  }
  throw new UserError(`the key policy of ${id.keyArn} kept changing while s3repl merged its statement into it`, 'someone else is editing it: run apply again once they are done');
}

const put = (ctx: ApplyContext, r: DesiredResource) => writeOurs(ctx, r.id, ((r.attributes.statements ?? []) as unknown as RawStatement[]).map((s) => ({ ...s })));

export const keyPolicy: ResourceKind = {
  kind: 'key-policy',
  phase: 3,
  doc: {
    address: '`key-policy.KEYID`',
    resource: "the replication role's statement in the key policy of a replica KMS key in another account `accounts:` reaches",
    notes: 'merged by `Sid` (`S3repl…`) into the key policy, other statements kept; removed on destroy',
  },
  describe: (id) => `s3repl's statement in the key policy of ${id.keyArn}`,
  expand: expandKeyPolicies,
  iam: {
    policy: 'permissions',
    document: (a) => (Array.isArray(a.statements) ? ({ Version: '2012-10-17', Statement: a.statements } as unknown as PolicyDocument) : null),
    role: (address, id) => ({ address, roleName: `key policy of ${id.keyArn ?? address}` }),
  },
  normalize: (a) => ({
    statements: normalizePolicy({ Statement: (a.statements ?? []) as unknown }).Statement as unknown as Json,
  }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const policy = await readPolicy(ctx.aws.in(id.account), id);
      const mine = (policy?.doc.Statement ?? []).filter(ours);
      return mine.length > 0 ? { statements: mine as unknown as Json } : null;
    });
  },
  create: put,
  update: put,
  async delete(ctx, _address, id) {
    await writeOurs(ctx, id, []);
  },
};
