/** The inline policy s3repl generates for a managed role (least privilege, from the rules that use it). */
import { DeleteRolePolicyCommand, GetRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { isAwsError } from '../aws/errors.js';
import { readEach } from './util.js';
import type { ApplyContext, DesiredResource, Json, ResourceKind } from './types.js';
import { decodePolicy, normalizePolicy } from './policy-doc.js';

export const POLICY_NAME = 's3repl-replication';

export const rolePolicy: ResourceKind = {
  kind: 'role-policy',
  phase: 3,
  describe: (id) => `inline policy ${id.policyName} of IAM role ${id.roleName}`,
  normalize: (a) => ({ document: a.document ? (normalizePolicy(a.document) as unknown as Json) : null }),
  readMany(ctx, items) {
    return readEach(items, async (id) => {
      try {
        const r = await ctx.aws.limit(() =>
          ctx.aws.iam().send(new GetRolePolicyCommand({ RoleName: id.roleName, PolicyName: id.policyName })),
        );
        return { document: decodePolicy(r.PolicyDocument) as unknown as Json };
      } catch (e) {
        // No such policy, or no such role yet.
        if (isAwsError(e, 'NoSuchEntity')) return null;
        else throw e;
      }
    });
  },
  create: put,
  update: put,
  async delete(ctx: ApplyContext, _address, id) {
    try {
      await ctx.aws.limit(() =>
        ctx.aws.iam().send(new DeleteRolePolicyCommand({ RoleName: id.roleName, PolicyName: id.policyName })),
      );
    } catch (e) {
      if (!isAwsError(e, 'NoSuchEntity')) throw e;
    }
  },
};

async function put(ctx: ApplyContext, r: DesiredResource): Promise<void> {
  await ctx.aws.limit(() =>
    ctx.aws.iam().send(
      new PutRolePolicyCommand({
        RoleName: r.id.roleName,
        PolicyName: r.id.policyName,
        PolicyDocument: JSON.stringify(r.attributes.document),
      }),
    ),
  );
}
