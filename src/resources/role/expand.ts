/** Roles s3repl manages (`roles.KEY.name`), and the ARN every replication's role resolves to. */
import type { Config } from '../../config/types.js';
import { parseRoleArn, roleArn } from '../arn.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { rolesUses, trustPolicy } from './policy.js';

export const MANAGED_BY_TAG = 'managed-by';
export const LINEAGE_TAG = 's3repl:lineage';

export const roleAddress = (key: string): string => `role.${key}`;

/** The ARN of the role `roles.KEY`: built from its name when s3repl manages it, else as given. */
export function roleArnFor(config: Config, key: string, accountId: string): string {
  const role = config.roles[key]!;
  return role.managed ? roleArn(accountId, role.path, role.name) : role.arn;
}

export function expandRoles({ config, accountId, lineage, notice }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  const uses = rolesUses(config);
  for (const [key, role] of Object.entries(config.roles)) {
    if (!role.managed) {
      const parsed = parseRoleArn(role.arn);
      if (parsed && parsed.account !== accountId) {
        notice({
          level: 'warning',
          address: roleAddress(key),
          message: `role ${role.arn} is in account ${parsed.account}, not ${accountId}: S3 replication needs a role in the source bucket's account`,
        });
      }
      continue;
    }
    out.push({
      address: roleAddress(key),
      kind: 'role',
      id: { roleName: role.name },
      attributes: {
        name: role.name,
        path: role.path,
        arn: roleArnFor(config, key, accountId),
        trustPolicy: trustPolicy(uses.get(key) ?? [], accountId) as unknown as Json,
        permissionsBoundary: role.permissionsBoundary ?? null,
        tags: { ...config.defaults.tags, [MANAGED_BY_TAG]: 's3repl', [LINEAGE_TAG]: lineage },
      },
      dependsOn: [],
    });
  }
  return out;
}
