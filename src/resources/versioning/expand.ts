/** Versioning of every bucket in the caller's account that takes part in replication. */
import type { DesiredResource, ExpandContext } from '../types.js';
import { bucketAddress, bucketsInUse, inAccount } from '../bucket/expand.js';

export const versioningAddress = (bucket: string): string => `versioning.${bucket}`;

export function expandVersioning({ config, accountId, expect }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const b of bucketsInUse(config)) {
    if (!inAccount(b, accountId)) continue;
    const address = versioningAddress(b.name);
    // A bucket s3repl does not create must exist: its versioning reads as null when it does not.
    if (!b.create) {
      expect({
        address,
        what: `bucket ${b.name} (${b.region})`,
        hint: 'create the bucket, fix its name or region, or set create: true under buckets: so s3repl creates it',
      });
    }
    out.push({
      address,
      kind: 'versioning',
      id: { bucket: b.name, region: b.region },
      attributes: { status: 'Enabled' },
      dependsOn: b.create ? [bucketAddress(b.name)] : [],
    });
  }
  return out;
}
