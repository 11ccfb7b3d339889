/**
 * The buckets s3repl does not create whose default encryption the generated
 * role policy relies on: their `bucketKey` decides the KMS encryption context
 * the policy allows (docs/aws-behaviour.md, "KMS: S3 Bucket Key encryption
 * context"), their `kmsKey` the key it may generate data keys with.
 */
import type { BucketConfig, Config } from '../../config/types.js';
import type { DesiredResource, ExpandContext, Json } from '../types.js';
import { bucketId, bucketsInUse, managed } from '../bucket/expand.js';

export const bucketEncryptionAddress = (name: string): string => `bucket-encryption.${name}`;

/**
 * Buckets without `create: true` that s3repl can read and whose encryption a
 * generated policy depends on: the source or destination of a rule that
 * replicates SSE-KMS objects, or a bucket that declares `kmsKey`.
 * Sorted by name.
 */
export function encryptionRelied(config: Config, accountId: string): BucketConfig[] {
  const relied = new Set<string>();
  for (const rep of config.replications) {
    for (const r of rep.rules) {
      if (r.encryption?.sseKms) {
        relied.add(rep.source);
        relied.add(r.destination.bucket);
      }
    }
  }
  for (const b of bucketsInUse(config)) if (b.kmsKey !== undefined) relied.add(b.name);
  return [...relied]
    .sort()
    .map((name) => config.buckets[name]!)
    .filter((b) => b && !b.create && managed(config, b, accountId));
}

export function expandBucketEncryptions({ config, accountId }: ExpandContext): DesiredResource[] {
  return encryptionRelied(config, accountId).map((b) => ({
    address: bucketEncryptionAddress(b.name),
    kind: 'bucket-encryption',
    id: bucketId(config, b, accountId),
    attributes: { bucketKey: b.bucketKey, ...(b.kmsKey !== undefined ? { kmsKey: b.kmsKey as Json } : {}) },
    dependsOn: [],
  }));
}
