/** The least-privilege inline policy of each managed role, from the rules that use it. */
import { UserError } from '../../errors.js';
import type { DesiredResource, ExpandContext, Json, RoleUse } from '../types.js';
import { INLINE_POLICY_LIMIT, rolePolicy, rolesUses } from '../role/policy.js';
import { roleAddress } from '../role/expand.js';
import { bucketEncryptionAddress, encryptionRelied } from '../bucket-encryption/expand.js';

export { INLINE_POLICY_LIMIT };

export const POLICY_NAME = 's3repl-replication';

export const rolePolicyAddress = (key: string): string => `role-policy.${key}`;

export function expandRolePolicies({ config, accountId, notice }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  const uses = rolesUses(config);
  const relied = new Set(encryptionRelied(config, accountId).map((b) => b.name));
  for (const [key, role] of Object.entries(config.roles)) {
    if (!role.managed) continue;
    const roleUses = uses.get(key) ?? [];
    const p = rolePolicy(roleUses, config);
    if (!p.document) continue;
    // validate reports this (policy-too-large); kept for a Config built without it.
    if (p.size > INLINE_POLICY_LIMIT) {
      throw new UserError(
        `the policy s3repl generates for role ${key} (${role.name}) is ${p.size} characters even with whole-bucket grants, over IAM's ${INLINE_POLICY_LIMIT}-character limit for a role's inline policies`,
        'split the replications across several roles under roles: (e.g. one per team or per group of buckets)',
      );
    }
    if (p.widened.length > 0) {
      // docs/aws-behaviour.md, "IAM: policy size".
      notice({
        level: 'warning',
        address: rolePolicyAddress(key),
        message:
          `one grant per rule prefix would make role ${role.name}'s policy larger than IAM's ${INLINE_POLICY_LIMIT}-character limit for a role's inline policies, ` +
          `so its object grants on ${p.widened.join(', ')} cover the whole bucket instead of each rule's prefix (${p.size} characters now); ` +
          'to keep per-prefix grants, split the replications across several roles under roles:',
      });
    }
    out.push({
      address: rolePolicyAddress(key),
      kind: 'role-policy',
      id: { roleName: role.name, policyName: POLICY_NAME },
      attributes: { document: p.document as unknown as Json },
      // The policy follows the declared encryption of buckets s3repl does not create: applied only
      // once they are read to be as declared (bucket-encryption refuses a difference).
      dependsOn: [roleAddress(key), ...reliedOn(roleUses, relied)],
    });
  }
  return out;
}

/** The bucket-encryption addresses of the buckets a role's rules join whose encryption is read. */
function reliedOn(uses: RoleUse[], relied: Set<string>): string[] {
  const names = new Set<string>();
  for (const u of uses) for (const b of [u.source.name, u.destination.name]) if (relied.has(b)) names.add(b);
  return [...names].sort().map(bucketEncryptionAddress);
}
