/**
 * What a managed role needs to replicate one rule's objects (docs/aws-behaviour.md,
 * "IAM: the replication role"):
 * - the source bucket: read the replication configuration, list;
 * - source objects (scoped to the rule's prefix): read versions for replication,
 *   and their retention and legal hold when the source has Object Lock;
 * - destination objects (same prefix): replicate objects, deletes and tags, and
 *   take ownership when the rule overrides the owner;
 * - SSE-KMS ("KMS: replication grants"): kms:Decrypt on the source keys and
 *   kms:Encrypt on the replica key, each conditioned on S3 in that region and on
 *   the encryption context S3 uses: the object ARN, or the bucket ARN when an S3
 *   Bucket Key applies (the source's for kms:Decrypt; the source's or the
 *   destination's for the replica, which then also needs kms:Decrypt on the
 *   replica key);
 * - a destination with default SSE-KMS (`kmsKey`): kms:GenerateDataKey on that key
 *   for the replicas of plaintext objects, with the same kind of conditions.
 */
import type { BucketConfig } from '../../config/types.js';
import { bucketArn } from '../arn.js';
import type { Grant, GrantContext, RoleUse } from '../types.js';

export function roleGrants({ source, rule, destination }: RoleUse, { objects }: GrantContext): Grant[] {
  const grants: Grant[] = [];
  const add = (actions: string[], resource: string, condition?: Grant['condition']) =>
    grants.push({ actions, resource, ...(condition ? { condition } : {}) });
  const prefix = rule.filter.prefix ?? '';
  add(['s3:GetReplicationConfiguration', 's3:ListBucket'], bucketArn(source.name));
  add(
    [
      's3:GetObjectVersionForReplication',
      's3:GetObjectVersionAcl',
      's3:GetObjectVersionTagging',
      ...(source.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : []),
    ],
    objects(source.name, prefix),
  );
  add(
    [
      's3:ReplicateObject',
      's3:ReplicateDelete',
      's3:ReplicateTags',
      ...(rule.destination.ownerOverride ? ['s3:ObjectOwnerOverrideToBucketOwner'] : []),
    ],
    objects(destination.name, prefix),
  );
  const enc = rule.encryption;
  if (enc?.sseKms) {
    // "KMS: replication grants": kms:Decrypt on the keys of the source objects,
    // kms:Encrypt on the replica key; conditions as the KMS replication page writes them.
    const decryptOn = enc.sourceKmsKeys.length ? enc.sourceKmsKeys : ['*'];
    for (const key of decryptOn) {
      add(['kms:Decrypt'], key, {
        StringLike: {
          'kms:ViaService': [`s3.${source.region}.amazonaws.com`],
          'kms:EncryptionContext:aws:s3:arn': encryptionContext(source, objects(source.name, prefix)),
        },
      });
    }
    if (enc.replicaKmsKey) {
      // "KMS: S3 Bucket Key encryption context": a Bucket Key on the source or the
      // destination makes the replica's context the destination bucket's ARN, and S3
      // then also calls kms:Decrypt on the replica key to verify the Bucket Key.
      const bucketKey = destination.bucketKey || source.bucketKey;
      const replicaObjects = objects(destination.name, prefix);
      const condition = {
        StringLike: {
          'kms:ViaService': [`s3.${destination.region}.amazonaws.com`],
          'kms:EncryptionContext:aws:s3:arn': bucketKey ? [bucketArn(destination.name), replicaObjects] : [replicaObjects],
        },
      };
      add(['kms:Encrypt'], enc.replicaKmsKey, condition);
      if (bucketKey) add(['kms:Decrypt'], enc.replicaKmsKey, condition);
    }
  }
  if (destination.kmsKey) {
    // "KMS: replication grants": replicas of plaintext (and SSE-S3) objects are
    // encrypted with the destination's default SSE-KMS key, which needs
    // kms:GenerateDataKey for the replicas' encryption context: their object ARNs, or
    // the destination bucket's ARN with its Bucket Key ("KMS: S3 Bucket Key encryption context").
    add(['kms:GenerateDataKey'], destination.kmsKey, {
      StringLike: {
        'kms:ViaService': [`s3.${destination.region}.amazonaws.com`],
        'kms:EncryptionContext:aws:s3:arn': encryptionContext(destination, objects(destination.name, prefix)),
      },
    });
  }
  return grants;
}

/**
 * The `kms:EncryptionContext:aws:s3:arn` values S3 uses for a bucket's objects:
 * the object ARN, or with an S3 Bucket Key the bucket ARN ("KMS: S3 Bucket Key
 * encryption context"). With a Bucket Key both are allowed: objects written
 * before the Bucket Key was turned on keep their object-ARN context (unconfirmed).
 */
function encryptionContext(bucket: BucketConfig, objects: string): string[] {
  return bucket.bucketKey ? [bucketArn(bucket.name), objects] : [objects];
}
