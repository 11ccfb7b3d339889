/**
 * Least-privilege IAM documents for a managed replication role, generated from
 * the rules that use it (docs/aws-behaviour.md, "IAM: the replication role"):
 * - trust: s3.amazonaws.com and batchoperations.s3.amazonaws.com, with no
 *   condition, as AWS documents both ("IAM: trust policy");
 * - permissions: the grants every kind contributes for each rule (its
 *   `roleGrants`, listed in grants.generated.ts: the replication kind's for
 *   replicating objects and SSE-KMS, the job kind's for Batch Replication).
 * Statements with the same effect, actions and conditions are merged. When the
 * result is over IAM's inline limit for a role, object grants are widened to
 * whole buckets, bucket by bucket, and the plan says so ("IAM: policy size").
 */
import type { Config } from '../../config/types.js';
import { objectsArn } from '../arn.js';
import { normalizePolicy, type PolicyDocument, type Statement } from '../policy-doc.js';
import type { Grant, GrantContext, RoleGrants, RoleUse } from '../types.js';
import { ROLE_GRANTS } from '../grants.generated.js';

export type { RoleUse } from '../types.js';

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

/**
 * The trust policy AWS documents for a replication role and for a Batch
 * Operations role, in one statement: no condition (docs/aws-behaviour.md, "IAM:
 * trust policy"; no AWS page documents aws:SourceAccount for these principals).
 * Batch Operations is always trusted, so `retry-failed` works with every role
 * s3repl manages.
 */
export function trustPolicy(_uses: RoleUse[], _accountId: string): PolicyDocument {
  return normalizePolicy({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: [S3_PRINCIPAL, BATCH_PRINCIPAL] }, Action: 'sts:AssumeRole' }],
  });
}

/** IAM's quota for all inline policies of a role together, counted without white space ("IAM: policy size"). */
export const INLINE_POLICY_LIMIT = 10_240;

export function policySize(doc: unknown): number {
  return JSON.stringify(doc).replace(/\s+/g, '').length;
}

export interface RolePolicy {
  document: PolicyDocument | null;
  size: number;
  /** Buckets whose object grants were widened from rule prefixes to the whole bucket, to fit the limit. */
  widened: string[];
}

/**
 * The role's policy, made to fit IAM's inline limit when it can: first with one
 * grant per rule prefix; if that is too large, with whole-bucket object grants
 * for the buckets with the most prefixes first, until it fits (or every bucket
 * is widened and it still does not: `validate` reports that as policy-too-large).
 */
export function rolePolicy(uses: RoleUse[], config: Config): RolePolicy {
  const widened = new Set<string>();
  let document = permissionsPolicy(uses, config, widened);
  let size = document ? policySize(document) : 0;
  if (size <= INLINE_POLICY_LIMIT) return { document, size, widened: [] };
  // Buckets by how many distinct prefixes they are granted under, most first.
  const prefixes = new Map<string, Set<string>>();
  for (const { source, rule, destination } of uses) {
    for (const b of [source.name, destination.name]) {
      const set = prefixes.get(b) ?? new Set<string>();
      set.add(rule.filter.prefix ?? '');
      prefixes.set(b, set);
    }
  }
  const order = [...prefixes].filter(([, p]) => p.size > 1 || !p.has('')).sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]));
  for (const [bucket] of order) {
    widened.add(bucket);
    document = permissionsPolicy(uses, config, widened);
    size = document ? policySize(document) : 0;
    if (size <= INLINE_POLICY_LIMIT) break;
  }
  return { document, size, widened: [...widened].sort() };
}

export function permissionsPolicy(
  uses: RoleUse[],
  config: Config,
  wholeBuckets: ReadonlySet<string> = new Set(),
  contributors: readonly RoleGrants[] = ROLE_GRANTS.map(([, g]) => g),
): PolicyDocument | null {
  const ctx: GrantContext = { config, objects: (bucket, prefix) => objectsArn(bucket, wholeBuckets.has(bucket) ? '' : prefix) };
  // Each kind contributes what it needs the role for (replication, Batch Replication, …).
  const grants = uses.flatMap((use) => contributors.flatMap((g) => g(use, ctx)));
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
  // Each wildcard's stem (`b/` of `b/*`); a resource is covered when one of its
  // own prefixes is the stem of another resource. Looking up the resource's
  // prefixes keeps this linear in the resources (a role's policy has hundreds).
  const stems = new Set<string>();
  for (const r of resources) if (r.endsWith('*')) stems.add(r.slice(0, -1));
  if (stems.size === 0) return [...resources].sort();
  let shortest = Infinity;
  for (const s of stems) shortest = Math.min(shortest, s.length);
  const covered = (r: string): boolean => {
    for (let end = shortest; end <= r.length; end++) {
      const stem = r.slice(0, end);
      if (stems.has(stem) && `${stem}*` !== r) return true;
    }
    return false;
  };
  return resources.filter((r) => !covered(r)).sort();
}
