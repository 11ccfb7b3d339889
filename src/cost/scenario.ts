/**
 * The inputs of `estimateCost` from what s3repl already has: the rules as
 * configured (after), the rules and alarms as they are live (before, from the
 * plan's `before` values) and the Batch Replication jobs the plan starts. This
 * is the one place the cost module reads resource values, by their plan JSON
 * shape (docs/plan-format.md), so the estimate follows the plan exactly.
 */
import type { Config, RuleConfig, StorageClass } from '../config/types.js';
import { REPLICATION_STORAGE_CLASSES } from '../config/types.js';
import type { Plan, ResourceChange } from '../engine/types.js';
import type { RuleSpec } from './model.js';

const THRESHOLDS = ['latencySeconds', 'failedOperations', 'pendingBytes', 'pendingOperations'] as const;

function alarmCount(rule: RuleConfig): number {
  return rule.alarms ? THRESHOLDS.filter((k) => rule.alarms![k] !== undefined).length : 0;
}

/** The rules as the configuration asks for them. */
export function specsFromConfig(config: Config): RuleSpec[] {
  return config.replications.flatMap((rep) =>
    rep.rules.map((rule): RuleSpec => ({
      source: rep.source,
      sourceRegion: config.buckets[rep.source]?.region || null,
      ruleId: rule.id,
      destination: rule.destination.bucket,
      destinationRegion: config.buckets[rule.destination.bucket]?.region || null,
      storageClass: rule.destination.storageClass ?? null,
      enabled: rule.status === 'enabled',
      rtc: rule.rtc,
      metrics: rule.metrics,
      sseKms: rule.encryption?.sseKms ?? false,
      filter: { prefix: rule.filter.prefix ?? '', tags: { ...rule.filter.tags } },
      alarms: alarmCount(rule),
      backfilled: rule.existingObjects === 'replicate' && rule.status === 'enabled',
    })),
  );
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function bucketName(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? (arnOrName.split(':::')[1] ?? arnOrName) : arnOrName;
}

/** The rules a backfill job replicates for: `rules` (one job per source), or `ruleId` (earlier, one job per rule). */
function jobsOf(c: ResourceChange, side: 'before' | 'after'): Array<{ source: string; ruleId: string }> {
  const v = c[side];
  if (c.kind !== 'job' || !isObj(v)) return [];
  const source = str(v.source);
  if (!source) return [];
  const rules = Array.isArray(v.rules) ? v.rules.map(str).filter((r): r is string => r !== null) : [str(v.ruleId)].filter((r): r is string => r !== null);
  return rules.map((ruleId) => ({ source, ruleId }));
}

/** The rules as they are live: the `before` of each replication configuration in the plan. */
export function specsFromPlan(plan: Plan, config: Config): RuleSpec[] {
  const alarms = new Map<string, number>();
  const backfilled = new Set<string>();
  for (const c of plan.changes) {
    if (c.kind === 'alarm' && isObj(c.before) && isObj(c.before.dimensions)) {
      const k = `${str(c.before.dimensions.SourceBucket)}\n${str(c.before.dimensions.RuleId)}`;
      alarms.set(k, (alarms.get(k) ?? 0) + 1);
    }
    for (const job of jobsOf(c, 'before')) backfilled.add(`${job.source}\n${job.ruleId}`);
  }
  const specs: RuleSpec[] = [];
  for (const c of plan.changes) {
    if (c.kind !== 'replication' || !isObj(c.before) || !isObj(c.before.rules)) continue;
    const source = c.id.bucket ?? '';
    for (const [ruleId, r] of Object.entries(c.before.rules)) {
      if (!isObj(r)) continue;
      const d = isObj(r.destination) ? r.destination : {};
      const filter = isObj(r.filter) ? r.filter : {};
      const destination = bucketName(str(d.bucket) ?? '');
      const cls = str(d.storageClass);
      const k = `${source}\n${ruleId}`;
      specs.push({
        source,
        sourceRegion: c.id.region ?? config.buckets[source]?.region ?? null,
        ruleId,
        destination,
        destinationRegion: config.buckets[destination]?.region || null,
        storageClass: cls && (REPLICATION_STORAGE_CLASSES as readonly string[]).includes(cls) ? (cls as StorageClass) : null,
        enabled: r.status === 'Enabled',
        rtc: r.rtc === true,
        metrics: r.metrics === true,
        sseKms: r.sseKmsEncryptedObjects === true,
        filter: {
          prefix: str(filter.prefix) ?? '',
          tags: isObj(filter.tags) ? Object.fromEntries(Object.entries(filter.tags).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
        },
        alarms: alarms.get(k) ?? 0,
        backfilled: backfilled.has(k),
      });
    }
  }
  return specs;
}

/** The Batch Replication jobs the plan starts (created or replaced). */
export function backfillsFromPlan(plan: Plan): Array<{ source: string; ruleId: string }> {
  return plan.changes
    .filter((c) => c.action === 'create' || c.action === 'replace')
    .flatMap((c) => jobsOf(c, 'after'));
}

/** Source buckets whose usage the estimate needs, with their regions. */
export function sourceBuckets(config: Config): Array<{ bucket: string; region: string }> {
  return [...new Set(config.replications.map((r) => r.source))].map((b) => ({ bucket: b, region: config.buckets[b]?.region ?? '' }));
}

/** Buckets the plan creates (they hold nothing yet). */
export function bucketsCreated(plan: Plan): Set<string> {
  return new Set(plan.changes.filter((c) => c.kind === 'bucket' && c.action === 'create' && c.id.bucket).map((c) => c.id.bucket!));
}
