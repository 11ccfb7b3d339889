/**
 * The cost engine against hand calculations from the price table: each
 * expected figure is written out as quantity × the table's price, and the
 * table's prices themselves are checked against the figures read from AWS's
 * pages, so a changed table or a changed formula both fail here.
 */
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/cost/estimate.js';
import type { BucketUsage, CostInput, RuleSpec } from '../../src/cost/model.js';
import { BUILT_IN_PRICES, mergePrices, TABLE_REGIONS } from '../../src/cost/prices.js';
import { UserError } from '../../src/errors.js';

const T = BUILT_IN_PRICES;
const usd = (n: number) => Math.round(n * 1e6) / 1e6;

function rule(over: Partial<RuleSpec> = {}): RuleSpec {
  return {
    source: 'acme-orders',
    sourceRegion: 'us-east-1',
    ruleId: 'orders-to-ohio',
    destination: 'acme-orders-ohio',
    destinationRegion: 'us-east-2',
    storageClass: 'STANDARD',
    enabled: true,
    rtc: false,
    metrics: false,
    sseKms: false,
    filter: { prefix: '', tags: {} },
    usageShare: null,
    alarms: 0,
    backfilled: false,
    ...over,
  };
}

function usage(over: Partial<BucketUsage> = {}): Record<string, BucketUsage> {
  return { 'acme-orders': { storedGB: null, objects: null, monthlyWriteGB: null, monthlyWrites: null, notes: [], ...over } };
}

function input(over: Partial<CostInput>): CostInput {
  return { before: [], after: [], backfills: [], usage: usage(), ...over };
}

describe('the built-in price table', () => {
  it('holds the figures read from AWS pages, with their source and date', () => {
    expect(T.rtcPerGB.usd).toBe(0.015);
    expect(T.regions['us-east-1']!.batchJob.usd).toBe(0.25);
    expect(T.regions['us-east-1']!.batchPerMillionObjects.usd).toBe(1.0);
    expect(T.regions['us-east-1']!.batchManifestPerMillionObjects.usd).toBe(0.015);
    expect(T.regions['us-east-1']!.putPer1000.STANDARD?.usd).toBe(0.005);
    expect(T.regions['us-east-1']!.cloudwatchMetricPerMonth.usd).toBe(0.3);
    expect(T.transferPerGB['us-east-1>us-east-2']?.usd).toBe(0.01);
    expect(T.transferPerGB['us-east-1>us-west-2']?.usd).toBe(0.02);
    // A figure from a secondary source says so, with the page and the quote.
    expect(T.transferPerGB['us-east-1>us-west-2']!.source).toMatch(/^https:\/\/repost\.aws\//);
    expect(T.transferPerGB['us-east-1>us-west-2']!.note).toMatch(/^secondary source: .*\$0\.02 per GB/);
    expect(T.sameRegionTransferPerGB.usd).toBe(0);
    for (const f of [T.rtcPerGB, T.regions['us-east-1']!.batchJob, T.transferPerGB['us-west-2>us-east-1']!]) {
      expect(f.source).toMatch(/^https:\/\//);
      expect(f.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('lists every region the examples use, unknown (null) where no price was found, never 0', () => {
    for (const r of TABLE_REGIONS) expect(T.regions[r]).toBeDefined();
    expect(T.regions['ap-southeast-4']!.batchJob.usd).toBeNull();
    expect(T.transferPerGB['us-east-1>ap-southeast-2']!.usd).toBeNull();
    const zeros = Object.entries(T.transferPerGB).filter(([, f]) => f.usd === 0);
    expect(zeros).toEqual([]);
  });
});

describe('estimateCost', () => {
  it('adding RTC to a rule with 1 TB of monthly writes adds RTC transfer and replication metrics (hand calculation)', () => {
    const u = usage({ storedGB: 0, objects: 0, monthlyWriteGB: 1024, monthlyWrites: 1_000_000 });
    const cost = estimateCost(input({ before: [rule()], after: [rule({ rtc: true, metrics: true })], usage: u }), T);
    // By hand: 1,024 GB × $0.015 RTC + 4 replication metrics × $0.30 = $15.36 + $1.20.
    const rtc = 1024 * 0.015;
    const metrics = 4 * 0.3;
    expect(cost.monthly.change.usd).toBe(usd(rtc + metrics));
    expect(cost.monthly.change.usd).toBe(16.56);
    const after = cost.rules[0]!.after!;
    expect(after.items.find((i) => i.component === 'rtc')).toMatchObject({ quantity: 1024, unit: 'GB', unitPrice: 0.015, amount: 15.36 });
    expect(after.items.find((i) => i.component === 'metrics')).toMatchObject({ quantity: 4, unitPrice: 0.3, amount: 1.2 });
    // Transfer us-east-1 → us-east-2: 1,024 GB × $0.01, in both before and after.
    expect(cost.rules[0]!.before!.items.find((i) => i.component === 'transfer')!.amount).toBe(10.24);
    // us-east-2 storage and PUT prices are not in the table: unknown in both, not zero.
    expect(after.items.find((i) => i.component === 'put-requests')).toMatchObject({ unitPrice: null, amount: null });
    expect(cost.monthly.after.unknown).toEqual([
      'acme-orders/orders-to-ohio: replication PUT requests (STANDARD, us-east-2) (price unknown)',
      'acme-orders/orders-to-ohio: replicas of a month of writes (STANDARD, us-east-2) (price unknown)',
    ]);
    expect(cost.monthly.before.usd).toBe(10.24);
    expect(cost.monthly.after.usd).toBe(usd(10.24 + rtc + metrics));
    expect(cost.oneOff).toEqual({ usd: 0, unknown: [] });
  });

  it('adding RTC to the us-east-1 → us-west-2 rule of replication.yaml with 1 TB of monthly writes (hand calculation)', () => {
    const dr = rule({ destination: 'acme-shop-orders-dr', destinationRegion: 'us-west-2', storageClass: 'STANDARD_IA', alarms: 2 });
    const u = usage({ storedGB: 0, objects: 0, monthlyWriteGB: 1024, monthlyWrites: 1_000_000 });
    const cost = estimateCost(input({ before: [dr], after: [{ ...dr, rtc: true, metrics: true }], usage: u }), T);
    // Before: 1,024 GB × $0.02 transfer + 2 alarms × $0.10 = $20.68 (STANDARD_IA PUTs and storage in us-west-2: unknown).
    expect(cost.monthly.before.usd).toBe(usd(1024 * 0.02 + 2 * 0.1));
    expect(cost.monthly.before.usd).toBe(20.68);
    // After: + 1,024 GB × $0.015 RTC + 4 metrics × $0.30 = $37.24; the change is RTC and metrics only.
    expect(cost.monthly.after.usd).toBe(37.24);
    expect(cost.monthly.change).toEqual({ usd: 16.56, unknown: [] });
    expect(cost.monthly.after.unknown).toEqual([
      'acme-orders/orders-to-ohio: replication PUT requests (STANDARD_IA, us-west-2) (price unknown)',
      'acme-orders/orders-to-ohio: replicas of a month of writes (STANDARD_IA, us-west-2) (price unknown)',
    ]);
  });

  it('a backfill of 10 million objects: job + manifest + objects + PUTs (+ transfer, free within a region)', () => {
    const spec = rule({ destination: 'acme-orders-copy', destinationRegion: 'us-east-1', backfilled: true });
    const u = usage({ storedGB: 5000, objects: 10_000_000, monthlyWriteGB: 100, monthlyWrites: 10_000 });
    const cost = estimateCost(input({ after: [spec], backfills: [{ source: 'acme-orders', ruleId: 'orders-to-ohio' }], usage: u }), T);
    // By hand: $0.25 + 10 M × $0.015/M manifest + 10 M × $1.00/M + 5,000 GB × $0 + 10,000 × $0.005 per 1,000 PUTs.
    const expected = 0.25 + 10 * 0.015 + 10 * 1.0 + 5000 * 0 + (10_000_000 / 1000) * 0.005;
    expect(cost.oneOff).toEqual({ usd: usd(expected), unknown: [] });
    expect(cost.oneOff.usd).toBe(60.4);
    const items = cost.rules[0]!.oneOff!.items;
    expect(items.map((i) => [i.component, i.quantity, i.amount])).toEqual([
      ['batch-job', 1, 0.25],
      ['batch-manifest', 10, 0.15],
      ['batch-objects', 10, 10],
      ['transfer', 5000, 0],
      ['put-requests', 10_000, 50],
    ]);
    // The backfilled replicas are stored at the destination (5,000 GB), and a month of writes (100 GB), at $0.023.
    expect(cost.rules[0]!.after!.items.filter((i) => i.component === 'storage').map((i) => [i.quantity, i.amount])).toEqual([
      [5000, usd(5000 * 0.023)],
      [100, usd(100 * 0.023)],
    ]);
  });

  it('an unknown price leaves the item without an amount and names it; it is never counted as 0', () => {
    const spec = rule({ destination: 'acme-orders-sydney', destinationRegion: 'ap-southeast-2' });
    const cost = estimateCost(input({ after: [spec], usage: usage({ storedGB: 10, objects: 10, monthlyWriteGB: 50, monthlyWrites: 1000 }) }), T);
    const transfer = cost.rules[0]!.after!.items.find((i) => i.component === 'transfer')!;
    expect(transfer).toMatchObject({ quantity: 50, unitPrice: null, amount: null });
    expect(transfer.price.source).toBe('not found');
    expect(cost.monthly.after.unknown).toContain('acme-orders/orders-to-ohio: inter-region transfer us-east-1 → ap-southeast-2 (price unknown)');
    expect(cost.monthly.after.usd).toBe(0);
  });

  it('unknown write volume makes the write-driven items unknown (usage), with the assumption saying what to set', () => {
    const cost = estimateCost(input({ after: [rule({ rtc: true, metrics: true })] }), T);
    const rtc = cost.rules[0]!.after!.items.find((i) => i.component === 'rtc')!;
    expect(rtc).toMatchObject({ quantity: null, unitPrice: 0.015, amount: null });
    expect(rtc.assumptions.join(' ')).toContain('usage.monthlyWriteGB');
    expect(cost.monthly.after.unknown).toContain('acme-orders/orders-to-ohio: Replication Time Control data transfer (usage unknown)');
    // Metrics do not depend on usage: priced.
    expect(cost.monthly.after.usd).toBe(1.2);
  });

  it('transfer within a region is free whatever the usage: priced at $0 even when the write volume is unknown', () => {
    const cost = estimateCost(input({ after: [rule({ destinationRegion: 'us-east-1' })] }), T);
    expect(cost.rules[0]!.after!.items.find((i) => i.component === 'transfer')).toMatchObject({ description: 'transfer within one region', quantity: null, unitPrice: 0, amount: 0 });
  });

  it('a filtered rule without usageShare counts the whole bucket and says it is an upper bound', () => {
    const cost = estimateCost(input({ after: [rule({ filter: { prefix: 'app/', tags: {} } })], usage: usage({ monthlyWriteGB: 100, monthlyWrites: 1000 }) }), T);
    const r = cost.rules[0]!;
    expect(r.usage).toMatchObject({ share: 1, basis: 'upper-bound' });
    expect(r.usage.notes.join('\n')).toMatch(/prefix "app\/".*whole bucket is counted \(an upper bound; set usageShare/);
    // Every usage-driven figure carries the basis it used.
    const transfer = r.after!.items.find((i) => i.component === 'transfer')!;
    expect(transfer).toMatchObject({ quantity: 100, amount: 1 });
    expect(transfer.assumptions).toContain('the whole bucket is counted for a filtered rule: an upper bound');
  });

  it('a filtered rule with usageShare counts that part of the bucket (hand calculation)', () => {
    // A quarter of a bucket of 4,000 GB, 8 million objects, 400 GB and 200,000 objects written a month,
    // replicated us-east-1 → us-east-2 with a backfill, and the same-region copy of the us-east-1 prices.
    const spec = rule({ filter: { prefix: 'app/', tags: { team: 'web' } }, usageShare: 0.25, rtc: true, metrics: true, backfilled: true, destinationRegion: 'us-east-1', destination: 'acme-orders-copy' });
    const u = usage({ storedGB: 4000, objects: 8_000_000, monthlyWriteGB: 400, monthlyWrites: 200_000 });
    const cost = estimateCost(input({ after: [spec], backfills: [{ source: 'acme-orders', ruleId: 'orders-to-ohio' }], usage: u }), T);
    const r = cost.rules[0]!;
    expect(r.usage).toMatchObject({ share: 0.25, basis: 'share', storedGB: 4000, objects: 8_000_000 });
    expect(r.usage.notes.join('\n')).toContain('prefix "app/" and tag team: 25% of the bucket\'s stored data, objects and writes is counted (usageShare 0.25 in the configuration)');
    const amount = (items: readonly { component: string; description: string; amount: number | null }[], c: string, d?: RegExp) => items.find((i) => i.component === c && (!d || d.test(i.description)))!.amount;
    // Monthly, by hand: 400 GB × 0.25 = 100 GB written; 200,000 × 0.25 = 50,000 objects.
    //   RTC 100 × $0.015 = $1.50; PUTs 50 × $0.005 = $0.25; metrics 4 × $0.30 = $1.20;
    //   storage of a month of writes 100 × $0.023 = $2.30; backfilled replicas 4,000 × 0.25 = 1,000 GB × $0.023 = $23.00; transfer free.
    const after = r.after!.items;
    expect(amount(after, 'rtc')).toBe(1.5);
    expect(amount(after, 'put-requests')).toBe(0.25);
    expect(amount(after, 'storage', /existing/)).toBe(usd(1000 * 0.023));
    expect(amount(after, 'storage', /writes/)).toBe(usd(100 * 0.023));
    expect(r.after!.total.usd).toBe(usd(1.5 + 0.25 + 1.2 + 23 + 2.3));
    expect(after.find((i) => i.component === 'rtc')!.assumptions).toContain("the rule's share of the bucket: 25% (usageShare)");
    // One-off: $0.25 job + manifest of every object in the bucket, 8 M × $0.015/M = $0.12 (not shared)
    //   + 2 M objects × $1.00/M = $2.00 + 2,000 thousand PUTs × $0.005 = $10.00 + 1,000 GB × $0 transfer.
    const oneOff = r.oneOff!.items;
    expect(oneOff.map((i) => [i.component, i.quantity, i.amount])).toEqual([
      ['batch-job', 1, 0.25],
      ['batch-manifest', 8, 0.12],
      ['batch-objects', 2, 2],
      ['transfer', 1000, 0],
      ['put-requests', 2000, 10],
    ]);
    expect(cost.oneOff).toEqual({ usd: usd(0.25 + 0.12 + 2 + 10), unknown: [] });
  });

  it('an unfiltered rule counts the whole bucket whatever usageShare says', () => {
    const cost = estimateCost(input({ after: [rule({ usageShare: 0.5 })], usage: usage({ monthlyWriteGB: 100, monthlyWrites: 0 }) }), T);
    expect(cost.rules[0]!.usage).toMatchObject({ share: 1, basis: 'bucket' });
    expect(cost.rules[0]!.after!.items.find((i) => i.component === 'transfer')!.quantity).toBe(100);
  });

  it('a removed rule has a before and no after; its monthly change is negative', () => {
    const u = usage({ monthlyWriteGB: 1000, monthlyWrites: 0 });
    const cost = estimateCost(input({ before: [rule({ rtc: true })], after: [], usage: u }), T);
    expect(cost.rules[0]!.after).toBeNull();
    expect(cost.monthly.change.usd).toBe(usd(-(1000 * 0.01 + 1000 * 0.015 + 0 * 0.005)));
  });

  it('alarms and SSE-KMS requests, priced by hand', () => {
    const spec = rule({ destinationRegion: 'us-east-1', destination: 'acme-orders-copy', alarms: 2, sseKms: true });
    const cost = estimateCost(input({ after: [spec], usage: usage({ storedGB: 0, objects: 0, monthlyWriteGB: 0, monthlyWrites: 2_000_000 }) }), T);
    const items = cost.rules[0]!.after!.items;
    expect(items.find((i) => i.component === 'alarms')).toMatchObject({ quantity: 2, amount: 0.2 });
    // 2,000,000 objects: one Decrypt and one GenerateDataKey each, $0.03 per 10,000.
    expect(items.filter((i) => i.component === 'kms-requests').map((i) => i.amount)).toEqual([6, 6]);
    expect(cost.monthly.after.usd).toBe(usd(0.2 + 12 + (2_000_000 / 1000) * 0.005));
  });
});

describe('mergePrices', () => {
  it('overrides figures from a user file, keeping its source and date', () => {
    const t = mergePrices(T, { version: '2027-01-01', transferPerGB: { 'us-east-1>us-west-2': { usd: 0.02, source: 'https://aws.amazon.com/s3/pricing/' } }, regions: { 'us-west-2': { putPer1000: { STANDARD_IA: { usd: 0.01 } } } } }, 'prices.json');
    expect(t.transferPerGB['us-east-1>us-west-2']).toEqual({ usd: 0.02, source: 'https://aws.amazon.com/s3/pricing/', read: '2027-01-01' });
    expect(t.regions['us-west-2']!.putPer1000.STANDARD_IA).toEqual({ usd: 0.01, source: 'user: prices.json', read: '2027-01-01' });
    expect(t.origin).toBe('prices.json over built-in');
    expect(T.transferPerGB['eu-west-1>eu-central-1']!.usd).toBeNull();
  });

  it('refuses a figure that is not a non-negative number or null, naming where', () => {
    expect(() => mergePrices(T, { rtcPerGB: { usd: -1 } }, 'p.json')).toThrow(UserError);
    expect(() => mergePrices(T, { regions: { 'us-east-1': { batchJob: { usd: '0.25' } } } }, 'p.json')).toThrow(/p\.json: regions\.us-east-1\.batchJob must be/);
    expect(() => mergePrices(T, { regions: { 'us-east-1': { nonsense: { usd: 1 } } } }, 'p.json')).toThrow(/is not a price s3repl knows/);
  });
});
