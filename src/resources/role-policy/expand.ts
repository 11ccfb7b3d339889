/** The least-privilege inline policy of each managed role, from the rules that use it. */
import { UserError } from '../../errors.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { permissionsPolicy, rolesUses } from '../role/policy.js';
import { roleAddress } from '../role/expand.js';

export const POLICY_NAME = 's3repl-replication';

export const rolePolicyAddress = (key: string): string => `role-policy.${key}`;

/** IAM's quota for a role's inline policies together, counted without white space. */
export const INLINE_POLICY_LIMIT = 10_240;

export function expandRolePolicies({ config }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  const uses = rolesUses(config);
  for (const [key, role] of Object.entries(config.roles)) {
    if (!role.managed) continue;
    const roleUses = uses.get(key) ?? [];
    const doc = permissionsPolicy(roleUses, config);
    if (!doc) continue;
    checkPolicySize(key, role.name, doc, roleUses.length);
    out.push({
      address: rolePolicyAddress(key),
      kind: 'role-policy',
      id: { roleName: role.name, policyName: POLICY_NAME },
      attributes: { document: doc as unknown as Json },
      dependsOn: [roleAddress(key)],
    });
  }
  return out;
}

/** Caught at plan time rather than as LimitExceeded halfway through an apply. */
function checkPolicySize(key: string, name: string, doc: unknown, rules: number): void {
  const size = JSON.stringify(doc).replace(/\s+/g, '').length;
  if (size <= INLINE_POLICY_LIMIT) return;
  throw new UserError(
    `the policy s3repl generates for role ${key} (${name}) is ${size} characters, over IAM's ${INLINE_POLICY_LIMIT}-character limit for a role's inline policies (${rules} rules use it)`,
    'split the replications across several roles under roles: (e.g. one per team or per group of buckets)',
  );
}
