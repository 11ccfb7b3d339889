/**
 * The normalised shape of a replication configuration and its translation from
 * and to AWS's ReplicationConfiguration. Rules are keyed by id, so adding a rule
 * does not shift every other rule in a diff; the differences AWS introduces on
 * read-back (generated ids, `Filter:{}` vs `Filter:{Prefix:""}`, `Tag` vs `And`
 * with one tag, default priorities, absent vs Disabled statuses, V1 rule-level
 * prefixes) fold away.
 */
import type { ReplicationRule, ReplicationConfiguration, StorageClass as S3StorageClass } from '@aws-sdk/client-s3';
import { sortedRecord, tagsFromList, tagsToList } from '../util.js';

/** The normalised form of one rule. Absent optional values are null. */
export interface NormalRule {
  priority: number;
  status: 'Enabled' | 'Disabled';
  filter: { prefix: string; tags: Record<string, string> };
  destination: {
    bucket: string;
    account: string | null;
    storageClass: string | null;
    ownerOverride: boolean;
    replicaKmsKeyId: string | null;
  };
  deleteMarkers: boolean;
  replicaModifications: boolean;
  sseKmsEncryptedObjects: boolean;
  rtc: boolean;
  metrics: boolean;
}

export interface NormalReplication {
  role: string;
  /** V1 when any live rule uses the legacy rule-level Prefix. */
  format: 'V1' | 'V2';
  rules: Record<string, NormalRule>;
}

const enabled = (s: { Status?: string } | undefined): boolean => s?.Status === 'Enabled';

/** AWS's ReplicationConfiguration (as read back) → the normalised shape. */
export function fromAws(cfg: ReplicationConfiguration): NormalReplication {
  const rules: Record<string, NormalRule> = {};
  let v1 = false;
  for (const r of cfg.Rules ?? []) {
    const legacy = r.Filter === undefined && r.Prefix !== undefined;
    v1 ||= legacy;
    const f = r.Filter;
    const tags = tagsFromList(f?.And?.Tags ?? (f?.Tag ? [f.Tag] : []));
    const d = r.Destination;
    rules[r.ID ?? ''] = {
      priority: r.Priority ?? 0,
      status: r.Status === 'Enabled' ? 'Enabled' : 'Disabled',
      filter: { prefix: (legacy ? r.Prefix : (f?.And?.Prefix ?? f?.Prefix)) ?? '', tags },
      destination: {
        bucket: d?.Bucket ?? '',
        account: d?.Account ?? null,
        storageClass: d?.StorageClass ?? null,
        ownerOverride: d?.AccessControlTranslation?.Owner === 'Destination',
        replicaKmsKeyId: d?.EncryptionConfiguration?.ReplicaKmsKeyID ?? null,
      },
      // V1 rules replicate delete markers (the legacy behaviour); V2 only when enabled.
      deleteMarkers: legacy ? true : enabled(r.DeleteMarkerReplication),
      replicaModifications: enabled(r.SourceSelectionCriteria?.ReplicaModifications),
      sseKmsEncryptedObjects: enabled(r.SourceSelectionCriteria?.SseKmsEncryptedObjects),
      rtc: enabled(d?.ReplicationTime),
      metrics: enabled(d?.Metrics),
    };
  }
  return { role: cfg.Role ?? '', format: v1 ? 'V1' : 'V2', rules: sortRules(rules) };
}

/** The normalised shape → the V2 document s3repl sends. */
export function toAws(n: NormalReplication): ReplicationConfiguration {
  return {
    Role: n.role,
    Rules: Object.entries(n.rules).map(([id, r]): ReplicationRule => {
      const tags = tagsToList(r.filter.tags);
      const filter =
        tags.length === 0
          ? { Prefix: r.filter.prefix }
          : tags.length === 1 && r.filter.prefix === ''
            ? { Tag: tags[0] }
            : { And: { ...(r.filter.prefix ? { Prefix: r.filter.prefix } : {}), Tags: tags } };
      const ssc = {
        ...(r.sseKmsEncryptedObjects ? { SseKmsEncryptedObjects: { Status: 'Enabled' as const } } : {}),
        ...(r.replicaModifications ? { ReplicaModifications: { Status: 'Enabled' as const } } : {}),
      };
      const d = r.destination;
      return {
        ID: id,
        Priority: r.priority,
        Status: r.status,
        Filter: filter,
        DeleteMarkerReplication: { Status: r.deleteMarkers ? 'Enabled' : 'Disabled' },
        ...(Object.keys(ssc).length ? { SourceSelectionCriteria: ssc } : {}),
        Destination: {
          Bucket: d.bucket,
          ...(d.account ? { Account: d.account } : {}),
          ...(d.storageClass ? { StorageClass: d.storageClass as S3StorageClass } : {}),
          ...(d.ownerOverride ? { AccessControlTranslation: { Owner: 'Destination' as const } } : {}),
          ...(d.replicaKmsKeyId ? { EncryptionConfiguration: { ReplicaKmsKeyID: d.replicaKmsKeyId } } : {}),
          ...(r.rtc ? { ReplicationTime: { Status: 'Enabled' as const, Time: { Minutes: 15 } } } : {}),
          ...(r.metrics
            ? { Metrics: { Status: 'Enabled' as const, ...(r.rtc ? { EventThreshold: { Minutes: 15 } } : {}) } }
            : {}),
        },
      };
    }),
  };
}

export function sortRules(rules: Record<string, NormalRule>): Record<string, NormalRule> {
  const out: Record<string, NormalRule> = {};
  for (const id of Object.keys(rules).sort()) {
    const r = rules[id]!;
    out[id] = { ...r, filter: { prefix: r.filter.prefix, tags: sortedRecord(r.filter.tags) } };
  }
  return out;
}

