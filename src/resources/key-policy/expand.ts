/**
 * The statement a replication role needs in the key policy of a replica KMS
 * key in another account (S3 User Guide, replication failure reasons:
 * DstPutObjectNotPermitted "when the AWS KMS key policy doesn't allow the
 * source bucket's replication role to use the AWS KMS key"). s3repl manages
 * it when `accounts:` reaches the key's account; otherwise the plan prints it.
 */
import { createHash } from 'node:crypto';
import type { Config, RuleConfig } from '../../config/types.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { roleAddress, roleArnFor } from '../role/expand.js';

export const keyPolicyAddress = (keyArn: string): string => `key-policy.${keyArn.slice(keyArn.lastIndexOf('/') + 1)}`;

/** Every statement s3repl writes into a key policy has a Sid starting with this. */
export const KEY_SID_PREFIX = 'S3repl';

/** `arn:aws:kms:REGION:ACCOUNT:key/ID` → region and account. */
export function parseKeyArn(arn: string): { region: string; account: string } | undefined {
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/.+$/.exec(arn);
  return m ? { region: m[1]!, account: m[2]! } : undefined;
}

/** The replica key of a rule that replicates SSE-KMS objects, when it is in another account than the caller's. */
export function foreignReplicaKey(rule: RuleConfig, accountId: string): { arn: string; region: string; account: string } | undefined {
  const arn = rule.encryption?.sseKms ? rule.encryption.replicaKmsKey : undefined;
  const parsed = arn ? parseKeyArn(arn) : undefined;
  return arn && parsed && parsed.account !== accountId ? { arn, ...parsed } : undefined;
}

export interface KeyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { AWS: string };
  Action: string[];
  Resource: '*';
}

/** What the role needs on a replica key: encrypt replicas (and decrypt, for S3 Bucket Keys). */
export function replicaKeyGrant(role: string): KeyStatement {
  return {
    Sid: `${KEY_SID_PREFIX}ReplicaEncryption${createHash('sha256').update(role).digest('hex').slice(0, 12)}`,
    Effect: 'Allow',
    Principal: { AWS: role },
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
  };
}

/** One resource per replica key in an account `accounts:` reaches: a statement per role that encrypts with it. */
export function expandKeyPolicies({ config, accountId }: ExpandContext): DesiredResource[] {
  const byKey = new Map<string, { region: string; account: string; roles: Map<string, string> }>();
  for (const rep of config.replications) {
    const role = roleArnFor(config, rep.role, accountId);
    for (const rule of rep.rules) {
      const key = foreignReplicaKey(rule, accountId);
      if (!key || !reaches(config, key.account)) continue;
      const entry = byKey.get(key.arn) ?? { region: key.region, account: key.account, roles: new Map<string, string>() };
      entry.roles.set(role, rep.role);
      byKey.set(key.arn, entry);
    }
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([arn, k]) => ({
    address: keyPolicyAddress(arn),
    kind: 'key-policy' as const,
    id: { keyArn: arn, region: k.region, account: k.account },
    attributes: { statements: [...k.roles.keys()].map(replicaKeyGrant) as unknown as Json },
    // KMS refuses a policy naming a role that does not exist yet.
    dependsOn: [...new Set([...k.roles.values()].filter((key) => config.roles[key]?.managed).map(roleAddress))],
  }));
}

export function reaches(config: Config, account: string): boolean {
  return config.accounts[account] !== undefined;
}
