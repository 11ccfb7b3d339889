/**
 * The cost estimate end to end, as a new user meets it: the built CLI, the real
 * SDK, the emulator. Adding RTC to a rule with 1 TB of monthly writes, and
 * backfilling a bucket of 10 million objects, each shown in the PR comment and
 * in the plan JSON, with figures checked by hand against the price table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { ROOT, runCli, workdir } from '../helpers/cli.js';
import type { Cost } from '../../src/cost/model.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validatePlan = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/plan.schema.json'), 'utf8')) as object);

const ordersConfig = (sfx: string, rtc: boolean) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  orders-${sfx}:
    create: true
    usage: { monthlyWriteGB: 1024, monthlyWrites: 1000000 }
  orders-ohio-${sfx}: { region: us-east-2, create: true }
roles:
  replication: { name: s3repl-cost-${sfx} }
replications:
  - source: orders-${sfx}
    role: replication
    rules:
      - id: to-ohio
        destination: { bucket: orders-ohio-${sfx} }
        rtc: ${rtc}
`;

async function planJson(cwd: string, extra: string[] = []): Promise<{ cost?: Cost }> {
  const r = await runCli(['plan', '--format', 'json', ...extra], { cwd, endpoint: emu.url });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const plan = JSON.parse(r.stdout) as { cost?: Cost };
  expect(validatePlan(plan), JSON.stringify(validatePlan.errors)).toBe(true);
  return plan;
}

describe('adding RTC to a rule with 1 TB of monthly writes', () => {
  it('shows the extra RTC (and replication metrics) cost in the PR comment and the JSON, as computed by hand', async () => {
    const cwd = workdir(ordersConfig('rtc', false));
    const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);

    // Applied and unchanged: the live rule reads back as the configured one, so the month costs the same.
    const same = await planJson(cwd);
    expect(same.cost!.monthly.change).toEqual({ usd: 0, unknown: [] });
    // Transfer us-east-1 → us-east-2: 1,024 GB × $0.01.
    expect(same.cost!.monthly.before.usd).toBe(10.24);

    writeFileSync(path.join(cwd, 'replication.yaml'), ordersConfig('rtc', true));
    const md = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.code).toBe(0);
    // By hand from the price table: 1,024 GB × $0.015 RTC = $15.36; 4 metrics × $0.30 = $1.20; +$16.56.
    expect(md.stdout).toContain('### 💰 Estimated cost');
    expect(md.stdout).toContain('| `orders-rtc/to-ohio` → `orders-ohio-rtc` | $10.24 + ? | $26.80 + ? | +$16.56 | RTC +$15.36, metrics +$1.20 | — | whole bucket |');
    expect(md.stdout).toContain('Replication Time Control data transfer: 1,024 GB × $0.015 per GB = $15.36');

    const plan = await planJson(cwd);
    expect(plan.cost!.monthly.change).toEqual({ usd: 16.56, unknown: [] });
    const rule = plan.cost!.rules[0]!;
    expect(rule.after!.items.find((i) => i.component === 'rtc')).toMatchObject({ quantity: 1024, unitPrice: 0.015, amount: 15.36, price: { source: 'https://aws.amazon.com/s3/pricing/', read: '2026-11-30' } });
    // us-east-2 PUT and storage prices are not in the built-in table: unknown, in both before and after.
    expect(rule.after!.total.unknown).toEqual([
      'orders-rtc/to-ohio: replication PUT requests (STANDARD, us-east-2) (price unknown)',
      'orders-rtc/to-ohio: replicas of a month of writes (STANDARD, us-east-2) (price unknown)',
    ]);
  });
});

describe('existingObjects: replicate on a bucket of 10 million objects', () => {
  it('shows the one-off backfill estimate: job + manifest + objects + transfer + PUTs', async () => {
    const { s3 } = clients(emu.url, 'us-east-1');
    await s3.send(new CreateBucketCommand({ Bucket: 'photos-backfill' }));
    const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  photos-backfill:
    usage: { storedGB: 4096, objects: 10000000 }
  photos-backfill-copy: { create: true }
roles:
  photos: { name: s3repl-cost-photos }
replications:
  - source: photos-backfill
    role: photos
    rules:
      - id: copy
        destination: { bucket: photos-backfill-copy }
        existingObjects: replicate
`);
    const text = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/photos-backfill\/copy → photos-backfill-copy +— +\$94\.21 \+ \? +\+\$94\.21 \+ \? +\$60\.40/);
    const md = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.stdout).toContain('| `photos-backfill/copy` → `photos-backfill-copy` | — | $94.21 + ? | +$94.21 + ? | new rule | $60.40 | whole bucket |');
    expect(md.stdout).toContain('objects processed: 10 million objects × $1.00 per million objects = $10.00');

    const plan = await planJson(cwd);
    // By hand: $0.25 job + 10 M × $0.015/M manifest + 10 M × $1.00/M objects + 4,096 GB × $0 (same region) + 10,000 × $0.005 per 1,000 PUTs.
    expect(plan.cost!.oneOff).toEqual({ usd: 0.25 + 0.15 + 10 + 0 + 50, unknown: [] });
    // The replicas of the 4,096 GB are stored at $0.023 per GB-month.
    expect(plan.cost!.rules[0]!.after!.items.find((i) => i.description.startsWith('replicas of existing objects'))!.amount).toBe(94.208);
  });
});

describe('a filtered rule', () => {
  it('counts the usageShare the configuration gives it, or the whole bucket as an upper bound, and every format says which', async () => {
    const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  logs-share:
    create: true
    usage: { storedGB: 1000, objects: 4000000, monthlyWriteGB: 200, monthlyWrites: 400000 }
  logs-share-dr: { region: us-west-2, create: true }
  logs-share-web: { create: true }
roles:
  r: { name: s3repl-cost-share }
replications:
  - source: logs-share
    role: r
    rules:
      - id: app
        filter: { prefix: app/ }
        usageShare: 0.25
        destination: { bucket: logs-share-dr, storageClass: STANDARD }
        rtc: true
      - id: web
        filter: { prefix: web/ }
        destination: { bucket: logs-share-web }
`);
    // By hand, app: 200 GB × 0.25 = 50 GB written a month; transfer us-east-1 → us-west-2 50 × $0.02 = $1.00,
    //   RTC 50 × $0.015 = $0.75, metrics 4 × $0.30 = $1.20: $2.95; us-west-2 PUT and storage prices unknown.
    // web, no share: the whole bucket, same region: transfer $0, 400,000 / 1,000 × $0.005 = $2.00 PUTs,
    //   200 GB × $0.023 = $4.60 storage: $6.60.
    const md = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('| `logs-share/app` → `logs-share-dr` | — | $2.95 + ? | +$2.95 + ? | new rule | — | 25% of bucket (usageShare) |');
    expect(md.stdout).toContain('| `logs-share/web` → `logs-share-web` | — | $6.60 | +$6.60 | new rule | — | whole bucket (upper bound) |');
    const text = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(text.stdout).toMatch(/logs-share\/app → logs-share-dr +— +\$2\.95 \+ \? +\+\$2\.95 \+ \? +— +25% of bucket \(usageShare\)/);
    expect(text.stdout).toContain('logs-share: the rule replicates only objects with prefix "app/": 25% of the bucket\'s stored data, objects and writes is counted (usageShare 0.25 in the configuration)');

    const plan = await planJson(cwd);
    const [app, web] = plan.cost!.rules;
    expect(app!.usage).toMatchObject({ share: 0.25, basis: 'share', monthlyWriteGB: 200 });
    expect(web!.usage).toMatchObject({ share: 1, basis: 'upper-bound' });
    const rtc = app!.after!.items.find((i) => i.component === 'rtc')!;
    expect(rtc).toMatchObject({ quantity: 50, amount: 0.75 });
    expect(rtc.assumptions).toContain("the rule's share of the bucket: 25% (usageShare)");
    expect(app!.after!.total).toEqual({
      usd: 2.95,
      unknown: ['logs-share/app: replication PUT requests (STANDARD, us-west-2) (price unknown)', 'logs-share/app: replicas of a month of writes (STANDARD, us-west-2) (price unknown)'],
    });
    expect(web!.after!.total).toEqual({ usd: 6.6, unknown: [] });
  });
});

describe('usage from CloudWatch', () => {
  it("reads a source's stored bytes and objects from S3's daily storage metrics, and says so", async () => {
    // An emulator one day ahead once the bucket is filled, so S3 has reported the day it was filled in.
    let offset = 0;
    const ahead = await startEmulator({ clock: { now: () => Date.now() + offset } });
    try {
      const { s3 } = clients(ahead.url, 'us-east-1');
      await s3.send(new CreateBucketCommand({ Bucket: 'archive-metrics' }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: 'archive-metrics', VersioningConfiguration: { Status: 'Enabled' } }));
      for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: 'archive-metrics', Key: `k${i}`, Body: 'x'.repeat(1000) }));
      offset = 86_400_000;
      const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  archive-metrics: {}
  archive-metrics-copy: { create: true }
roles:
  r: { name: s3repl-cost-metrics }
replications:
  - source: archive-metrics
    role: r
    rules:
      - id: copy
        destination: { bucket: archive-metrics-copy }
        existingObjects: replicate
`);
      const r = await runCli(['plan', '--format', 'json'], { cwd, endpoint: ahead.url });
      expect(r.code, r.stderr).toBe(0);
      const cost = (JSON.parse(r.stdout) as { cost: Cost }).cost;
      const usage = cost.rules[0]!.usage;
      expect(usage).toMatchObject({ storedGB: 3000 / 2 ** 30, objects: 3 });
      expect(usage.notes.join('\n')).toMatch(/storedGB from CloudWatch BucketSizeBytes \(all storage types\), daily average of \d{4}-\d{2}-\d{2}/);
      // 3 objects: $0.25 job + 3/1M × $0.015 manifest + 3/1M × $1 objects + 3/1,000 × $0.005 PUTs.
      expect(cost.oneOff.usd).toBe(Math.round((0.25 + 3e-6 * 0.015 + 3e-6 * 1 + 0.003 * 0.005) * 1e6) / 1e6);
    } finally {
      await ahead.stop();
    }
  });
});

describe('options', () => {
  it('--no-cost leaves the estimate out and reads no CloudWatch metrics', async () => {
    const cwd = workdir(ordersConfig('nocost', true));
    const r = await runCli(['plan', '--no-cost', '--debug'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Estimated cost');
    expect(r.stderr).toMatch(/AWS calls: \d+/);
    expect(r.stderr).not.toContain('GetMetricData');
    const json = JSON.parse((await runCli(['plan', '--no-cost', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as object;
    expect(json).not.toHaveProperty('cost');
    const withCost = await runCli(['plan', '--debug'], { cwd, endpoint: emu.url });
    expect(withCost.stderr).toContain('cloudwatch:GetMetricData=1');
  });

  it('--price-table (and cost.priceTable) merge a user table over the built-in one; a bad one is an error', async () => {
    const cwd = workdir(`${ordersConfig('prices', true)}cost: { priceTable: team-prices.json }\n`);
    const figures = (put: number) =>
      JSON.stringify({ version: '2026-12-01', regions: { 'us-east-2': { putPer1000: { STANDARD: { usd: put } }, storagePerGBMonth: { STANDARD: { usd: 0.023 } } } } });
    writeFileSync(path.join(cwd, 'team-prices.json'), figures(0.005));
    writeFileSync(path.join(cwd, 'flag-prices.json'), figures(0.01));
    const fromConfig = await planJson(cwd);
    expect(fromConfig.cost!.priceTable).toEqual({ version: '2026-12-01 (over 2026-11-30)', origin: `${path.join(cwd, 'team-prices.json')} over built-in` });
    // Everything priced now: transfer 10.24 + RTC 15.36 + PUTs 1,000 × 0.005 + storage 1,024 × 0.023 + metrics 1.20.
    expect(fromConfig.cost!.monthly.after).toEqual({ usd: Math.round((10.24 + 15.36 + 5 + 1024 * 0.023 + 1.2) * 1e6) / 1e6, unknown: [] });
    const fromFlag = await planJson(cwd, ['--price-table', 'flag-prices.json']);
    expect(fromFlag.cost!.rules[0]!.after!.items.find((i) => i.component === 'put-requests')).toMatchObject({ unitPrice: 0.01, amount: 10, price: { source: 'user: flag-prices.json', read: '2026-12-01' } });

    writeFileSync(path.join(cwd, 'flag-prices.json'), JSON.stringify({ rtcPerGB: { usd: 'cheap' } }));
    const bad = await runCli(['plan', '--price-table', 'flag-prices.json'], { cwd, endpoint: emu.url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('flag-prices.json: rtcPerGB must be { "usd": a number >= 0, or null for unknown }');
    expect(bad.stdout).toBe('');
  });
});
