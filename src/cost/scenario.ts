/**
 * The inputs of `estimateCost` from what s3repl already has: the rules as
 * configured (after), the rules and alarms as they are live (before, from the
 * plan's `before` values) and the Batch Replication jobs the plan starts. This
 * is the one place the cost module reads resource values: each kind says what
 * its values mean (its costFacts, from the plan JSON shape, docs/plan-format.md),
 * so the estimate follows the plan exactly and names no kind.
 */
import type { Config, RuleConfig, StorageClass } from '../config/types.js';
import { REPLICATION_STORAGE_CLASSES } from '../config/types.js';
import type { Plan, ResourceChange } from '../engine/types.js';
import { kindOf } from '../resources/index.js';
import type { CostFact } from '../resources/types.js';
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
      usageShare: rule.usageShare ?? null,
      alarms: alarmCount(rule),
      backfilled: rule.existingObjects === 'replicate' && rule.status === 'enabled',
    })),
  );
}

type Side = 'before' | 'after';

/** What the resource's value on one side of a change means for the estimate, as its kind says. */
function factsOf(c: ResourceChange, side: Side): CostFact[] {
  const v = c[side];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  return kindOf(c.kind).costFacts?.(v, c.id) ?? [];
}

/**
 * The configuration's usageShare for a live rule: it describes the configured
 * filter, so it applies to the live rule only when that rule filters the same way.
 */
function shareFor(config: Config, source: string, ruleId: string, live: RuleSpec['filter']): number | null {
  const rule = config.replications.find((r) => r.source === source)?.rules.find((r) => r.id === ruleId);
  if (!rule || rule.usageShare === undefined) return null;
  const sameTags = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  return (rule.filter.prefix ?? '') === live.prefix && sameTags(rule.filter.tags, live.tags) ? rule.usageShare : null;
}

/** The rules as they are live: the `before` of each replication configuration in the plan. */
export function specsFromPlan(plan: Plan, config: Config): RuleSpec[] {
  const alarms = new Map<string, number>();
  const backfilled = new Set<string>();
  const rules: Array<Extract<CostFact, { fact: 'rule' }>> = [];
  for (const c of plan.changes) {
    for (const f of factsOf(c, 'before')) {
      if (f.fact === 'rule-alarm') alarms.set(`${f.source}\n${f.ruleId}`, (alarms.get(`${f.source}\n${f.ruleId}`) ?? 0) + 1);
      else if (f.fact === 'rule-backfill') backfilled.add(`${f.source}\n${f.ruleId}`);
      else if (f.fact === 'rule') rules.push(f);
    }
  }
  return rules.map(({ source, region, rule: r }): RuleSpec => {
    const k = `${source}\n${r.ruleId}`;
    return {
      source,
      sourceRegion: region ?? config.buckets[source]?.region ?? null,
      ruleId: r.ruleId,
      destination: r.destination,
      destinationRegion: config.buckets[r.destination]?.region || null,
      storageClass: r.storageClass && (REPLICATION_STORAGE_CLASSES as readonly string[]).includes(r.storageClass) ? (r.storageClass as StorageClass) : null,
      enabled: r.enabled,
      rtc: r.rtc,
      metrics: r.metrics,
      sseKms: r.sseKms,
      filter: r.filter,
      usageShare: shareFor(config, source, r.ruleId, r.filter),
      alarms: alarms.get(k) ?? 0,
      backfilled: backfilled.has(k),
    };
  });
}

/** The Batch Replication jobs the plan starts (created or replaced). */
export function backfillsFromPlan(plan: Plan): Array<{ source: string; ruleId: string }> {
  return plan.changes
    .filter((c) => c.action === 'create' || c.action === 'replace')
    .flatMap((c) => factsOf(c, 'after'))
    .flatMap((f) => (f.fact === 'rule-backfill' ? [{ source: f.source, ruleId: f.ruleId }] : []));
}

/** Source buckets whose usage the estimate needs, with their regions. */
export function sourceBuckets(config: Config): Array<{ bucket: string; region: string }> {
  return [...new Set(config.replications.map((r) => r.source))].map((b) => ({ bucket: b, region: config.buckets[b]?.region ?? '' }));
}

/** Buckets the plan creates (they hold nothing yet). */
export function bucketsCreated(plan: Plan): Set<string> {
  return new Set(
    plan.changes
      .filter((c) => c.action === 'create')
      .flatMap((c) => factsOf(c, 'after'))
      .flatMap((f) => (f.fact === 's3-bucket' ? [f.bucket] : [])),
  );
}
