/** Versioning of every bucket that takes part in replication, in the caller's account or one `accounts:` reaches. */
import type { DesiredResource, ExpandContext } from '../types.js';
import { bucketAddress, bucketId, bucketsInUse, managed } from '../bucket/expand.js';

export const versioningAddress = (bucket: string): string => `versioning.${bucket}`;

export function expandVersioning({ config, accountId, expect }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const b of bucketsInUse(config)) {
    if (!managed(config, b, accountId)) continue;
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
      id: bucketId(config, b, accountId),
      attributes: { status: 'Enabled' },
      dependsOn: b.create ? [bucketAddress(b.name)] : [],
    });
  }
  return out;
}
