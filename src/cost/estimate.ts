/**
 * What a replication setup costs: a pure function from the rules as they are
 * (before) and as configured (after), the buckets' usage and a price table, to
 * the Cost model. Every item says what it assumes; an item whose price or usage
 * is unknown has no amount and is listed as unknown, never counted as zero.
 *
 * Per rule and month (S3 pricing: "you pay the S3 charges for storage in the
 * selected destination S3 storage classes, ... for replication PUT requests ...
 * For CRR, you also pay for inter-region Data Transfer OUT ... When you use S3
 * Replication Time Control, you also pay a Replication Time Control Data Transfer
 * charge and S3 Replication Metrics charges"):
 *   transfer      written GB × transfer price (source region → destination region; 0 within a region)
 *   rtc           written GB × RTC price (rules with rtc)
 *   put-requests  written objects / 1,000 × PUT price of the destination class and region
 *   storage       GB-month of replicas at the destination class and region
 *   metrics       4 replication metrics × custom-metric price (rules with metrics)
 *   alarms        alarms × alarm price
 *   kms-requests  written objects × (1 Decrypt + 1 GenerateDataKey) / 10,000 (rules with sseKms)
 * One-off, for a Batch Replication job the plan starts: the job, its manifest
 * (objects in the source bucket), the objects processed, and their transfer,
 * PUTs and KMS requests.
 */
import type { Cost, CostInput, CostItem, CostSide, CostTotal, BucketUsage, RuleCost, RuleSpec, RuleUsage } from './model.js';
import { priceOf, transferPrice, type PriceFigure, type PriceTable } from './prices.js';

/** S3 replication metrics per rule: ReplicationLatency, BytesPendingReplication, OperationsPendingReplication, OperationsFailedReplication. */
export const REPLICATION_METRICS_PER_RULE = 4;
const round = (n: number) => Math.round(n * 1e6) / 1e6;

function item(
  component: CostItem['component'],
  description: string,
  quantity: number | null,
  unit: string,
  figure: PriceFigure,
  assumptions: string[] = [],
): CostItem {
  // A free item costs nothing whatever the usage; otherwise both must be known.
  const amount = figure.usd === 0 ? 0 : quantity !== null && figure.usd !== null ? round(quantity * figure.usd) : null;
  return {
    component,
    description,
    quantity: quantity === null ? null : round(quantity),
    unit,
    unitPrice: figure.usd,
    amount,
    price: { source: figure.source, read: figure.read, ...(figure.note ? { note: figure.note } : {}) },
    assumptions,
  };
}

function totalOf(items: readonly CostItem[], label: string): CostTotal {
  let usd = 0;
  const unknown: string[] = [];
  for (const i of items) {
    if (i.amount !== null) usd += i.amount;
    else unknown.push(`${label}: ${i.description} (${i.unitPrice === null ? 'price unknown' : 'usage unknown'})`);
  }
  return { usd: round(usd), unknown };
}

function side(items: CostItem[], label: string): CostSide {
  return { items, total: totalOf(items, label) };
}

const times = (a: number | null, b: number) => (a === null ? null : a * b);

const percent = (share: number) => `${Math.round(share * 10000) / 100}%`;

/**
 * The rule's part of its bucket's usage. Storage metrics and `usage:` are per
 * bucket: an unfiltered rule takes all of it; a filtered rule takes the
 * `usageShare` the configuration gives it, else the whole bucket (an upper bound).
 */
function usageFor(spec: RuleSpec, usage: Record<string, BucketUsage>): RuleUsage {
  const u = usage[spec.source];
  const notes = [...(u?.notes ?? [`no usage known for ${spec.source}`])];
  const tags = Object.keys(spec.filter.tags);
  let share = 1;
  let basis: RuleUsage['basis'] = 'bucket';
  if (spec.filter.prefix !== '' || tags.length > 0) {
    const what = [spec.filter.prefix !== '' ? `prefix "${spec.filter.prefix}"` : '', tags.length ? `tag${tags.length > 1 ? 's' : ''} ${tags.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ');
    if (spec.usageShare !== null) {
      share = spec.usageShare;
      basis = 'share';
      notes.push(`the rule replicates only objects with ${what}: ${percent(share)} of the bucket's stored data, objects and writes is counted (usageShare ${spec.usageShare} in the configuration)`);
    } else {
      basis = 'upper-bound';
      notes.push(`the rule replicates only objects with ${what}, but bucket metrics and usage are per bucket: the whole bucket is counted (an upper bound; set usageShare on the rule to estimate its part)`);
    }
  }
  return {
    storedGB: u?.storedGB ?? null,
    objects: u?.objects ?? null,
    monthlyWriteGB: u?.monthlyWriteGB ?? null,
    monthlyWrites: u?.monthlyWrites ?? null,
    share,
    basis,
    notes,
  };
}

/** What a usage-driven figure assumes about the rule's part of the bucket (nothing for an unfiltered rule). */
function shareAssumption(u: RuleUsage): string[] {
  if (u.basis === 'share') return [`the rule's share of the bucket: ${percent(u.share)} (usageShare)`];
  if (u.basis === 'upper-bound') return ['the whole bucket is counted for a filtered rule: an upper bound'];
  return [];
}

const classOf = (spec: RuleSpec) => spec.storageClass ?? 'STANDARD';
const classAssumption = (spec: RuleSpec) =>
  spec.storageClass ? [] : ['no destination storage class: replicas keep the source object\'s class, priced as STANDARD'];

function monthly(spec: RuleSpec, u: RuleUsage, table: PriceTable): CostItem[] {
  const items: CostItem[] = [];
  const writeGB = times(u.monthlyWriteGB, u.share);
  const writes = times(u.monthlyWrites, u.share);
  const writesAssume = [...(u.monthlyWriteGB === null ? ['write volume unknown: set usage.monthlyWriteGB and usage.monthlyWrites under the source bucket'] : []), ...shareAssumption(u)];
  if (spec.enabled) {
    const crossRegion = spec.sourceRegion !== spec.destinationRegion;
    items.push(
      item('transfer', crossRegion ? `inter-region transfer ${spec.sourceRegion ?? '?'} → ${spec.destinationRegion ?? '?'}` : 'transfer within one region', writeGB, 'GB', transferPrice(table, spec.sourceRegion, spec.destinationRegion), writesAssume),
    );
    if (spec.rtc) items.push(item('rtc', 'Replication Time Control data transfer', writeGB, 'GB', table.rtcPerGB, writesAssume));
    const cls = classOf(spec);
    items.push(
      item('put-requests', `replication PUT requests (${cls}, ${spec.destinationRegion ?? '?'})`, times(writes, 1 / 1000), 'thousand requests', priceOf(table, spec.destinationRegion, (r) => r.putPer1000[cls], `${cls} PUT`), [
        ...writesAssume,
        ...classAssumption(spec),
      ]),
    );
    const storagePrice = priceOf(table, spec.destinationRegion, (r) => r.storagePerGBMonth[cls], `${cls} storage`);
    const tier = 'first storage tier (50 TB); minimum object size and duration charges not included';
    if (spec.backfilled) {
      items.push(
        item('storage', `replicas of existing objects (${cls}, ${spec.destinationRegion ?? '?'})`, times(u.storedGB, u.share), 'GB-month', storagePrice, [
          'the objects in the source before the rule, replicated by Batch Replication',
          ...(u.storedGB === null ? ['stored GB unknown: set usage.storedGB under the source bucket'] : []),
          ...shareAssumption(u),
          ...classAssumption(spec),
          tier,
        ]),
      );
    }
    items.push(
      item('storage', `replicas of a month of writes (${cls}, ${spec.destinationRegion ?? '?'})`, writeGB, 'GB-month', storagePrice, [
        'the replica store grows by this each month',
        ...writesAssume,
        ...classAssumption(spec),
        tier,
      ]),
    );
    if (spec.metrics) {
      items.push(
        item('metrics', 'replication metrics (CloudWatch custom metrics)', REPLICATION_METRICS_PER_RULE, 'metric-month', priceOf(table, spec.sourceRegion, (r) => r.cloudwatchMetricPerMonth, 'CloudWatch metric'), [
          `${REPLICATION_METRICS_PER_RULE} metrics per rule (ReplicationLatency, BytesPendingReplication, OperationsPendingReplication, OperationsFailedReplication), published in the source region`,
        ]),
      );
    }
    if (spec.sseKms) {
      const kms = ['one Decrypt per object at the source and one GenerateDataKey for its replica; S3 Bucket Keys, which cut requests, are not assumed'];
      items.push(item('kms-requests', `KMS Decrypt (${spec.sourceRegion ?? '?'})`, times(writes, 1 / 10000), '10 thousand requests', priceOf(table, spec.sourceRegion, (r) => r.kmsPer10000Requests, 'KMS'), [...kms, ...writesAssume]));
      items.push(item('kms-requests', `KMS GenerateDataKey (${spec.destinationRegion ?? '?'})`, times(writes, 1 / 10000), '10 thousand requests', priceOf(table, spec.destinationRegion, (r) => r.kmsPer10000Requests, 'KMS'), [...kms, ...writesAssume]));
    }
  }
  if (spec.alarms > 0) {
    items.push(item('alarms', `CloudWatch alarms (${spec.alarms})`, spec.alarms, 'alarm-month', priceOf(table, spec.sourceRegion, (r) => r.cloudwatchAlarmPerMonth, 'CloudWatch alarm'), ['standard resolution (60-second period), as s3repl creates them']));
  }
  return items;
}

function backfill(spec: RuleSpec, u: RuleUsage, table: PriceTable): CostItem[] {
  const objects = times(u.objects, u.share);
  const gb = times(u.storedGB, u.share);
  const cls = classOf(spec);
  const countAssume = u.objects === null ? ['object count unknown: set usage.objects under the source bucket'] : [];
  const usageAssume = [...countAssume, ...shareAssumption(u)];
  const gbAssume = [...(u.storedGB === null ? ['stored GB unknown: set usage.storedGB under the source bucket'] : []), ...shareAssumption(u)];
  const items: CostItem[] = [
    item('batch-job', 'Batch Replication job', 1, 'job', priceOf(table, spec.sourceRegion, (r) => r.batchJob, 'Batch Operations job')),
    item('batch-manifest', 'manifest generated by S3 (every object in the source bucket)', times(u.objects, 1 / 1e6), 'million objects', priceOf(table, spec.sourceRegion, (r) => r.batchManifestPerMillionObjects, 'Batch Operations manifest'), [
      'S3 generates the manifest, charged per object in the source bucket, filtered or not',
      ...countAssume,
    ]),
    item('batch-objects', 'objects processed', times(objects, 1 / 1e6), 'million objects', priceOf(table, spec.sourceRegion, (r) => r.batchPerMillionObjects, 'Batch Operations per-object'), [
      'every existing object is replicated once (none already in sync, none failed and retried)',
      ...usageAssume,
    ]),
    item('transfer', spec.sourceRegion !== spec.destinationRegion ? `inter-region transfer ${spec.sourceRegion ?? '?'} → ${spec.destinationRegion ?? '?'}` : 'transfer within one region', gb, 'GB', transferPrice(table, spec.sourceRegion, spec.destinationRegion), gbAssume),
    item('put-requests', `replication PUT requests (${cls}, ${spec.destinationRegion ?? '?'})`, times(objects, 1 / 1000), 'thousand requests', priceOf(table, spec.destinationRegion, (r) => r.putPer1000[cls], `${cls} PUT`), [...usageAssume, ...classAssumption(spec)]),
  ];
  if (spec.sseKms) {
    items.push(item('kms-requests', 'KMS Decrypt and GenerateDataKey', times(objects, 2 / 10000), '10 thousand requests', priceOf(table, spec.sourceRegion, (r) => r.kmsPer10000Requests, 'KMS'), ['two requests per object, priced in the source region', ...usageAssume]));
  }
  return items;
}

const signature = (i: CostItem) => JSON.stringify([i.component, i.description, i.quantity, i.unitPrice]);

/** after − before: an unpriced item the same on both sides changes nothing, so only differing ones are unknown. */
function changeOf(before: CostSide | null, after: CostSide | null, label: string): CostTotal {
  const b = before?.items ?? [];
  const a = after?.items ?? [];
  const inB = new Set(b.map(signature));
  const inA = new Set(a.map(signature));
  const unknown = [
    ...b.filter((i) => i.amount === null && !inA.has(signature(i))),
    ...a.filter((i) => i.amount === null && !inB.has(signature(i))),
  ].map((i) => `${label}: ${i.description} (${i.unitPrice === null ? 'price unknown' : 'usage unknown'})`);
  return { usd: round((after?.total.usd ?? 0) - (before?.total.usd ?? 0)), unknown: [...new Set(unknown)] };
}

const key = (s: { source: string; ruleId: string }) => `${s.source}\n${s.ruleId}`;

function sum(totals: ReadonlyArray<CostTotal | undefined>): CostTotal {
  let usd = 0;
  const unknown: string[] = [];
  for (const t of totals) {
    if (!t) continue;
    usd += t.usd;
    unknown.push(...t.unknown);
  }
  return { usd: round(usd), unknown };
}

export const COST_ASSUMPTIONS = [
  'list prices in USD from the price table; free tiers, volume tiers past the first, savings plans, credits and taxes are not applied',
  '1 GB is 2^30 bytes, as S3 bills; a month is the usage given in usage.monthlyWriteGB and usage.monthlyWrites (AWS has no metric for write volume by default)',
  'an item whose price or usage is unknown has no amount: totals add the known items and list the unknown ones',
];

/** The Cost model. Pure. */
export function estimateCost(input: CostInput, table: PriceTable): Cost {
  const before = new Map(input.before.map((s) => [key(s), s]));
  const after = new Map(input.after.map((s) => [key(s), s]));
  const backfills = new Set(input.backfills.map(key));
  const keys = [...new Set([...input.after.map(key), ...input.before.map(key)])];
  const rules: RuleCost[] = keys.map((k) => {
    const a = after.get(k);
    const b = before.get(k);
    const spec = (a ?? b)!;
    const u = usageFor(spec, input.usage);
    const label = `${spec.source}/${spec.ruleId}`;
    const beforeSide = b ? side(monthly(b, usageFor(b, input.usage), table), label) : null;
    const afterSide = a ? side(monthly(a, u, table), label) : null;
    return {
      source: spec.source,
      ruleId: spec.ruleId,
      destination: spec.destination,
      sourceRegion: spec.sourceRegion,
      destinationRegion: spec.destinationRegion,
      before: beforeSide,
      after: afterSide,
      oneOff: a && backfills.has(k) ? side(backfill(a, u, table), `${label} backfill`) : null,
      change: changeOf(beforeSide, afterSide, label),
      usage: u,
    };
  });
  const monthlyBefore = sum(rules.map((r) => r.before?.total));
  const monthlyAfter = sum(rules.map((r) => r.after?.total));
  return {
    currency: 'USD',
    priceTable: { version: table.version, origin: table.origin },
    monthly: {
      before: monthlyBefore,
      after: monthlyAfter,
      change: sum(rules.map((r) => r.change)),
    },
    oneOff: sum(rules.map((r) => r.oneOff?.total)),
    rules,
    assumptions: COST_ASSUMPTIONS,
  };
}
