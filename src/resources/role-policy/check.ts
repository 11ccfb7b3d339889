/** What validate checks of the role policies s3repl generates (loads no AWS SDK). */
import type { Config } from '../../config/types.js';
import type { Finding } from '../../config/findings.js';
import { INLINE_POLICY_LIMIT, rolePolicy, rolesUses } from '../role/policy.js';

/**
 * The generated policy must fit IAM's limit for a role's inline policies
 * (docs/aws-behaviour.md, "IAM: policy size"). The policy's object grants are
 * first widened to whole buckets (the plan says so); only a policy that is still
 * too large is an error, found by validate rather than halfway through an apply.
 */
export function checkConfig(config: Config): Finding[] {
  const out: Finding[] = [];
  const uses = rolesUses(config);
  for (const [key, role] of Object.entries(config.roles)) {
    if (!role.managed) continue;
    const roleUses = uses.get(key) ?? [];
    const p = rolePolicy(roleUses, config);
    if (p.size <= INLINE_POLICY_LIMIT) continue;
    const sources = new Set(roleUses.map((u) => u.source.name));
    out.push({
      rule: 'policy-too-large',
      severity: 'error',
      path: ['roles', key],
      anchor: 'key',
      message: `the policy s3repl generates for role ${key} (${role.name}) is ${p.size} characters even with whole-bucket grants, over IAM's ${INLINE_POLICY_LIMIT}-character limit for a role's inline policies (${roleUses.length} rules of ${sources.size} source buckets use it)`,
      hint: 'split the replications across several roles under roles: (e.g. one per team or per group of buckets)',
    });
  }
  return out;
}
