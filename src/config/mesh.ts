/**
 * The two-way replication mesh among the members of a Multi-Region Access
 * Point. AWS recommends two-way replication when a Multi-Region Access Point
 * is used for failover, with replica modification sync so metadata changes
 * made on replicas flow back, and replication metrics to watch it
 * (docs/aws-behaviour.md, Multi-Region Access Points). `mesh: true` writes
 * those rules: from every member to every other member, one rule per
 * destination, merged into the member's own `replications:` entry when it
 * has one (S3 keeps one replication configuration per bucket).
 *
 * Pure: configuration in, replication entries out.
 */
import type { BucketConfig, MultiRegionAccessPointConfig, ReplicationConfig, RuleConfig } from './types.js';

/** The id of the generated rule from a member to `destination`. */
export function meshRuleId(accessPoint: string, destination: string): string {
  return `mrap-${accessPoint}-to-${destination}`;
}

/**
 * `replications` with every mesh's rules added. Entries written by hand keep
 * their order, role and rules; generated rules come after them with the next
 * free priorities. A member without an entry gets a new one whose `origin` is
 * the mesh declaration. Access points without a mesh or role, and members
 * that are not declared buckets, add nothing (the rule checks report them).
 */
export function withMeshes(
  replications: ReplicationConfig[],
  accessPoints: Record<string, MultiRegionAccessPointConfig>,
  buckets: Record<string, BucketConfig>,
): ReplicationConfig[] {
  const out = replications.map((rep) => ({ ...rep, rules: [...rep.rules] }));
  for (const ap of Object.values(accessPoints)) {
    if (!ap.mesh || ap.role === undefined) continue;
    const mesh = ap.mesh;
    const origin = ['multiRegionAccessPoints', ap.name, 'mesh'];
    const members = [...new Set(ap.buckets)].filter((b) => buckets[b] !== undefined);
    for (const source of members) {
      let entry = out.find((rep) => rep.source === source);
      if (!entry) {
        entry = { source, role: ap.role, rules: [], origin };
        out.push(entry);
      }
      let priority = Math.max(0, ...entry.rules.map((r) => r.priority));
      for (const destination of members) {
        if (destination === source) continue;
        const rule: RuleConfig = {
          id: meshRuleId(ap.name, destination),
          priority: ++priority,
          status: 'enabled',
          filter: { tags: {} },
          destination: { bucket: destination, ownerOverride: false },
          deleteMarkers: mesh.deleteMarkers,
          replicaModifications: mesh.replicaModifications,
          rtc: mesh.rtc,
          metrics: mesh.metrics,
          existingObjects: 'ignore',
          origin,
        };
        const account = buckets[destination]?.account;
        if (account !== undefined) rule.destination.account = account;
        if (mesh.alarms) rule.alarms = { ...mesh.alarms, notify: [...mesh.alarms.notify] };
        entry.rules.push(rule);
      }
    }
  }
  return out;
}
