/**
 * The statements a replication role needs in the bucket policy of a
 * destination in another account (S3 User Guide, "Setting up permissions for
 * live replication", step 3; owner override: "Changing the replica owner"):
 * s3:ReplicateObject, s3:ReplicateDelete, s3:ReplicateTags (and
 * s3:ObjectOwnerOverrideToBucketOwner with owner override) on the objects;
 * s3:List*, s3:GetBucketVersioning, s3:PutBucketVersioning on the bucket.
 */
import { createHash } from 'node:crypto';
import { bucketArn } from '../arn.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { bucketAddress, bucketId, otherAccount } from '../bucket/expand.js';
import { roleAddress, roleArnFor } from '../role/expand.js';

export const bucketPolicyAddress = (bucket: string): string => `bucket-policy.${bucket}`;

/** Every statement s3repl writes into a bucket policy has a Sid starting with this; the others are left alone. */
export const SID_PREFIX = 'S3repl';

/** Sids are per role, so several sources (roles) can share a destination. */
function sidSuffix(role: string): string {
  return createHash('sha256').update(role).digest('hex').slice(0, 12);
}

export interface GrantStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { AWS: string };
  Action: string[];
  Resource: string;
}

/** The two statements one role needs on one destination bucket. */
export function destinationGrants(bucket: string, role: string, ownerOverride: boolean): GrantStatement[] {
  const suffix = sidSuffix(role);
  return [
    {
      Sid: `${SID_PREFIX}ReplicateObjects${suffix}`,
      Effect: 'Allow',
      Principal: { AWS: role },
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', ...(ownerOverride ? ['s3:ObjectOwnerOverrideToBucketOwner'] : [])],
      Resource: `${bucketArn(bucket)}/*`,
    },
    {
      Sid: `${SID_PREFIX}BucketVersioning${suffix}`,
      Effect: 'Allow',
      Principal: { AWS: role },
      Action: ['s3:List*', 's3:GetBucketVersioning', 's3:PutBucketVersioning'],
      Resource: bucketArn(bucket),
    },
  ];
}

/**
 * One resource per destination bucket in another account that `accounts:`
 * reaches: the statements of every role replicating into it.
 */
export function expandBucketPolicies({ config, accountId }: ExpandContext): DesiredResource[] {
  const byBucket = new Map<string, Map<string, { ownerOverride: boolean; roleKey: string }>>();
  for (const rep of config.replications) {
    const role = roleArnFor(config, rep.role, accountId);
    for (const rule of rep.rules) {
      const dest = config.buckets[rule.destination.bucket];
      if (!dest || !otherAccount(config, dest, accountId)) continue;
      const roles = byBucket.get(dest.name) ?? new Map<string, { ownerOverride: boolean; roleKey: string }>();
      const seen = roles.get(role);
      roles.set(role, { ownerOverride: (seen?.ownerOverride ?? false) || rule.destination.ownerOverride, roleKey: rep.role });
      byBucket.set(dest.name, roles);
    }
  }
  const out: DesiredResource[] = [];
  for (const [bucket, roles] of [...byBucket].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const b = config.buckets[bucket]!;
    const statements = [...roles].flatMap(([role, r]) => destinationGrants(bucket, role, r.ownerOverride));
    const dependsOn = [
      ...(b.create ? [bucketAddress(bucket)] : []),
      // S3 refuses a policy naming a role that does not exist yet ("Invalid principal in policy").
      ...[...roles.values()].filter((r) => config.roles[r.roleKey]?.managed).map((r) => roleAddress(r.roleKey)),
    ];
    out.push({
      address: bucketPolicyAddress(bucket),
      kind: 'bucket-policy',
      id: bucketId(config, b, accountId),
      attributes: { statements: statements as unknown as Json },
      dependsOn: [...new Set(dependsOn)],
    });
  }
  return out;
}
