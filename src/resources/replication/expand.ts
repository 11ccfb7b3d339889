/** One replication configuration per source bucket, from its rules. */
import type { BucketConfig, Config, RuleConfig } from '../../config/types.js';
import { bucketArn } from '../arn.js';
import { destinationGrants } from '../bucket-policy/expand.js';
import type { Attrs, DesiredResource, ExpandContext, Notice } from '../types.js';
import { managed, otherAccount } from '../bucket/expand.js';
import { bucketPolicyAddress } from '../bucket-policy/expand.js';
import { foreignReplicaKey, keyPolicyAddress, reaches, replicaKeyGrant } from '../key-policy/expand.js';
import { versioningAddress } from '../versioning/expand.js';
import { roleAddress, roleArnFor } from '../role/expand.js';
import { rolePolicyAddress } from '../role-policy/expand.js';
import type { NormalReplication, NormalRule } from './shape.js';

export const replicationAddress = (source: string): string => `replication.${source}`;

export function expandReplications(ctx: ExpandContext): DesiredResource[] {
  const { config, accountId } = ctx;
  const out: DesiredResource[] = [];
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    const rules: Record<string, NormalRule> = {};
    for (const rule of rep.rules) rules[rule.id] = normalRule(rule, config);
    const role = roleArnFor(config, rep.role, accountId);
    const attrs: NormalReplication = { role, format: 'V2', rules };
    const managedRole = config.roles[rep.role]?.managed;
    // The role's inline policy exists only when the role has grants; it always does once a rule uses it.
    const deps = [
      versioningAddress(rep.source),
      ...rep.rules.filter((r) => managed(config, config.buckets[r.destination.bucket]!, accountId)).map((r) => versioningAddress(r.destination.bucket)),
      // The grant in a destination account's bucket policy comes first, so the first objects replicate.
      ...rep.rules.filter((r) => otherAccount(config, config.buckets[r.destination.bucket]!, accountId)).map((r) => bucketPolicyAddress(r.destination.bucket)),
      // And the grant in a replica key's policy, when s3repl manages it.
      ...rep.rules.flatMap((r) => {
        const key = foreignReplicaKey(r, accountId);
        return key && reaches(config, key.account) ? [keyPolicyAddress(key.arn)] : [];
      }),
      ...(managedRole ? [roleAddress(rep.role), rolePolicyAddress(rep.role)] : []),
    ];
    const address = replicationAddress(rep.source);
    out.push({
      address,
      kind: 'replication',
      id: { bucket: rep.source, region: source.region },
      attributes: attrs as unknown as Attrs,
      dependsOn: [...new Set(deps)],
    });
    for (const rule of rep.rules) {
      const dest = config.buckets[rule.destination.bucket]!;
      if (!managed(config, dest, accountId)) ctx.notice(crossAccountNotice(rule, dest, role, address));
      const key = foreignReplicaKey(rule, accountId);
      if (key && !reaches(config, key.account)) ctx.notice(replicaKeyNotice(rule, key.arn, key.account, role, address));
    }
  }
  return out;
}

function normalRule(rule: RuleConfig, config: Config): NormalRule {
  const dest = config.buckets[rule.destination.bucket]!;
  return {
    priority: rule.priority,
    status: rule.status === 'enabled' ? 'Enabled' : 'Disabled',
    filter: { prefix: rule.filter.prefix ?? '', tags: rule.filter.tags },
    destination: {
      bucket: bucketArn(dest.name),
      account: rule.destination.account ?? null,
      storageClass: rule.destination.storageClass ?? null,
      ownerOverride: rule.destination.ownerOverride,
      replicaKmsKeyId: rule.encryption?.replicaKmsKey ?? null,
    },
    deleteMarkers: rule.deleteMarkers,
    replicaModifications: rule.replicaModifications,
    sseKmsEncryptedObjects: rule.encryption?.sseKms ?? false,
    rtc: rule.rtc,
    metrics: rule.metrics,
  };
}

/**
 * A replica key in another account that s3repl cannot reach: its key policy
 * must let the role encrypt replicas with it, so the plan prints the
 * statement for the key's owners (and warns).
 */
function replicaKeyNotice(rule: RuleConfig, key: string, keyAccount: string, role: string, addr: string): Notice {
  const statement = replicaKeyGrant(role);
  return {
    level: 'warning',
    address: addr,
    message: `rule ${rule.id} encrypts replicas with ${key} in account ${keyAccount}, which s3repl has no credentials for: that account must add this statement to the key's policy (or add accounts."${keyAccount}" so s3repl applies it), or SSE-KMS objects fail to replicate`,
    detail: JSON.stringify(statement, null, 2),
  };
}

/** What the destination account must grant, shown in the plan for its owners to apply. */
function crossAccountNotice(rule: RuleConfig, dest: BucketConfig, role: string, addr: string): Notice {
  const policy = { Version: '2012-10-17', Statement: destinationGrants(dest.name, role, rule.destination.ownerOverride) };
  return {
    level: 'warning',
    address: addr,
    message: `rule ${rule.id} replicates to ${dest.name} in account ${dest.account}, which s3repl has no credentials for: that account must keep versioning enabled on ${dest.name} and grant the role this bucket policy (or add accounts."${dest.account}" so s3repl applies it)`,
    detail: JSON.stringify(policy, null, 2),
  };
}
