/**
 * Least-privilege IAM documents for a managed replication role, generated from
 * the rules that use it (see ../shared/AWS-FACTS.md, IAM):
 * - source buckets: read the replication configuration, list;
 * - source objects (scoped to each rule's prefix): read versions for replication;
 * - destination objects (same prefix): replicate objects, deletes and tags, and
 *   take ownership when the rule overrides the owner;
 * - SSE-KMS: decrypt with the source keys and encrypt with the replica key, each
 *   conditioned on S3 in that region and on the bucket (and prefix) as context;
 * - Batch Replication (existingObjects: replicate): initiate replication, put the
 *   inventory configuration, write the completion report.
 * Statements with the same effect, actions and conditions are merged.
 */
import type { BucketConfig, Config, RuleConfig } from '../../config/types.js';
import { bucketArn, objectsArn } from '../arn.js';
import { normalizePolicy, type PolicyDocument, type Statement } from '../policy-doc.js';

export interface RoleUse {
  source: BucketConfig;
  rule: RuleConfig;
  destination: BucketConfig;
}

export function rolesUses(config: Config): Map<string, RoleUse[]> {
  const out = new Map<string, RoleUse[]>();
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    for (const rule of rep.rules) {
      const destination = config.buckets[rule.destination.bucket]!;
      const list = out.get(rep.role) ?? [];
      list.push({ source, rule, destination });
      out.set(rep.role, list);
    }
  }
  return out;
}

export const S3_PRINCIPAL = 's3.amazonaws.com';
export const BATCH_PRINCIPAL = 'batchoperations.s3.amazonaws.com';

export function trustPolicy(uses: RoleUse[], accountId: string): PolicyDocument {
  const services = [S3_PRINCIPAL];
  if (uses.some((u) => u.rule.existingObjects === 'replicate')) services.push(BATCH_PRINCIPAL);
  return normalizePolicy({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: services },
        Action: 'sts:AssumeRole',
        // Confused-deputy protection: only S3 acting for this account may assume it.
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  });
}

interface Grant {
  actions: string[];
  resource: string;
  condition?: Record<string, Record<string, string[]>>;
}

export function permissionsPolicy(uses: RoleUse[], config: Config): PolicyDocument | null {
  const grants: Grant[] = [];
  const add = (actions: string[], resource: string, condition?: Grant['condition']) =>
    grants.push({ actions, resource, ...(condition ? { condition } : {}) });

  for (const { source, rule, destination } of uses) {
    const prefix = rule.filter.prefix ?? '';
    add(['s3:GetReplicationConfiguration', 's3:ListBucket'], bucketArn(source.name));
    add(
      [
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionTagging',
        ...(source.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : []),
      ],
      objectsArn(source.name, prefix),
    );
    add(
      [
        's3:ReplicateObject',
        's3:ReplicateDelete',
        's3:ReplicateTags',
        ...(rule.destination.ownerOverride ? ['s3:ObjectOwnerOverrideToBucketOwner'] : []),
      ],
      objectsArn(destination.name, prefix),
    );
    const enc = rule.encryption;
    if (enc?.sseKms) {
      const decryptOn = enc.sourceKmsKeys.length ? enc.sourceKmsKeys : ['*'];
      for (const key of decryptOn) {
        add(['kms:Decrypt'], key, {
          StringEquals: { 'kms:ViaService': [`s3.${source.region}.amazonaws.com`] },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [objectsArn(source.name, prefix)] },
        });
      }
    }
    if (enc?.replicaKmsKey) {
      add(['kms:Encrypt', 'kms:GenerateDataKey'], enc.replicaKmsKey, {
        StringEquals: { 'kms:ViaService': [`s3.${destination.region}.amazonaws.com`] },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [objectsArn(destination.name, prefix)] },
      });
    }
    if (rule.existingObjects === 'replicate') {
      add(['s3:InitiateReplication'], objectsArn(source.name, prefix));
      add(['s3:GetReplicationConfiguration', 's3:PutInventoryConfiguration'], bucketArn(source.name));
      const report = config.jobs.reportBucket ?? source.name;
      add(['s3:PutObject'], objectsArn(report, `${config.jobs.reportPrefix.replace(/\/+$/, '')}/`));
    }
  }
  if (grants.length === 0) return null;
  return normalizePolicy({ Version: '2012-10-17', Statement: merge(grants) });
}

/**
 * One statement per (actions, condition) with all its resources; resources that a
 * broader resource of the same statement covers (`b/*` covers `b/logs/*`) drop out.
 */
function merge(grants: Grant[]): Statement[] {
  // First gather, per resource and condition, every action granted on it.
  const byResource = new Map<string, { resource: string; condition?: Grant['condition']; actions: Set<string> }>();
  for (const g of grants) {
    const key = `${g.resource}\u0000${JSON.stringify(g.condition ?? null)}`;
    const e = byResource.get(key) ?? { resource: g.resource, condition: g.condition, actions: new Set<string>() };
    for (const a of g.actions) e.actions.add(a);
    byResource.set(key, e);
  }
  const groups = new Map<string, { actions: string[]; condition?: Grant['condition']; resources: Set<string> }>();
  for (const e of byResource.values()) {
    const actions = [...e.actions].sort();
    const key = `${actions.join(',')}\u0000${JSON.stringify(e.condition ?? null)}`;
    const g = groups.get(key) ?? { actions, condition: e.condition, resources: new Set<string>() };
    g.resources.add(e.resource);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    Effect: 'Allow' as const,
    Action: g.actions,
    Resource: dropCovered([...g.resources]),
    ...(g.condition ? { Condition: g.condition } : {}),
  }));
}

function dropCovered(resources: string[]): string[] {
  const wild = resources.filter((r) => r.endsWith('*'));
  return resources
    .filter((r) => !wild.some((w) => w !== r && r.startsWith(w.slice(0, -1))))
    .sort();
}
