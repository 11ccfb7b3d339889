/** The inline policy s3repl generates for a managed role (least privilege, from the rules that use it). */
import { DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { isAwsError } from '../../aws/errors.js';
import { readEach, tagsFromList } from '../util.js';
import type { ApplyContext, DesiredResource, Json, ResourceKind } from '../types.js';
import { normalizePolicy } from '../policy-doc.js';
import { expandRolePolicies } from './expand.js';
import { checkConfig } from './check.js';
import { roleAddress } from '../role/expand.js';
import { LINEAGE_TAG, MANAGED_BY_TAG, readInlinePolicy, readRoleDocument } from '../role/index.js';
import { NotOwned, taggedForLineage } from '../ownership.js';
import type { PolicyDocument } from '../policy-doc.js';

export { POLICY_NAME, INLINE_POLICY_LIMIT, rolePolicyAddress } from './expand.js';

export const rolePolicy: ResourceKind = {
  kind: 'role-policy',
  phase: 3,
  doc: { address: '`role-policy.KEY`', resource: 'the inline policy of a role with `name:`', notes: 'generated least-privilege from the rules that use the role' },
  describe: (id) => `inline policy ${id.policyName} of IAM role ${id.roleName}`,
  expand: expandRolePolicies,
  checkConfig,
  // DeleteRole takes the role's inline policies with it (role/index.ts deletes them first).
  goesWithDependency: true,
  iam: {
    policy: 'permissions',
    document: (a) => (a.document ?? null) as PolicyDocument | null,
    // The policy's address is role-policy.KEY; its role's is role.KEY.
    role: (address, id) => ({ address: roleAddress(address.slice(address.indexOf('.') + 1)), roleName: id.roleName ?? address }),
  },
  importCheck({ desired, live, known }) {
    // Missing: import already said the next plan creates it.
    if (!live) return known ? { verdict: 'skip' } : { verdict: 'unexpected' };
    return {
      verdict: 'record',
      nextPlan: `inline policy ${desired.id.policyName} of role ${desired.id.roleName} is rewritten with the least-privilege permissions the rules need`,
    };
  },
  normalize: (a) => ({ document: a.document ? (normalizePolicy(a.document) as unknown as Json) : null }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const doc = await readInlinePolicy(ctx.aws, id.roleName!, id.policyName!);
      return doc ? { document: doc as unknown as Json } : null;
    });
  },
  create: put,
  update: put,
  async delete(ctx: ApplyContext, _address, id) {
    // The policy is s3repl's when its role is: a role made again by hand keeps its policies.
    const owner = await readRoleDocument(ctx.aws, id.roleName!);
    if (!owner) return;
    if (!taggedForLineage(tagsFromList(owner.Tags), ctx.lineage, MANAGED_BY_TAG, LINEAGE_TAG)) {
      throw new NotOwned(`inline policy ${id.policyName} of IAM role ${id.roleName}`, 'its role has no s3repl ownership tags for this state, so the role and its policies are not proven s3repl\'s');
    }
    try {
      await ctx.aws.iam().send(new DeleteRolePolicyCommand({ RoleName: id.roleName, PolicyName: id.policyName }));
    } catch (e) {
      if (!isAwsError(e, 'NoSuchEntity')) throw e;
    }
  },
};

async function put(ctx: ApplyContext, r: DesiredResource): Promise<void> {
  await ctx.aws.iam().send(
    new PutRolePolicyCommand({
      RoleName: r.id.roleName,
      PolicyName: r.id.policyName,
      PolicyDocument: JSON.stringify(r.attributes.document),
    }),
  );
}
