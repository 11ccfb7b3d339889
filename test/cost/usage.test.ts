/**
 * Where the estimate's usage comes from (configuration, CloudWatch, a new
 * bucket) and the rules as the configuration asks for them.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { specsFromConfig } from '../../src/cost/scenario.js';
import { resolveUsage, type StorageMetrics } from '../../src/cost/usage.js';

function config(yaml: string): Config {
  const r = loadConfigText(yaml, '/project/cfg/replication.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.config!;
}

const YAML = `
version: 1
defaults: { region: us-east-1 }
cost: { priceTable: prices/aws.json }
buckets:
  logs:
    usage: { storedGB: 100, monthlyWriteGB: 30, monthlyWrites: 9000 }
  photos: {}
  fresh: { create: true }
  logs-dr: { region: us-west-2 }
roles:
  r: { name: repl }
replications:
  - source: logs
    role: r
    rules:
      - id: app
        filter: { prefix: app/ }
        usageShare: 0.4
        destination: { bucket: logs-dr, storageClass: GLACIER_IR }
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
  - source: photos
    role: r
    rules:
      - id: all
        destination: { bucket: logs-dr }
        existingObjects: replicate
        encryption: { sseKms: true, replicaKmsKey: "arn:aws:kms:us-west-2:111111111111:key/abc" }
  - source: fresh
    role: r
    rules:
      - id: all
        status: disabled
        destination: { bucket: logs-dr }
`;

describe('usage: in replication.yaml', () => {
  it('is accepted by the schema and kept; cost.priceTable resolves against the configuration directory', () => {
    const c = config(YAML);
    expect(c.buckets.logs!.usage).toEqual({ storedGB: 100, monthlyWriteGB: 30, monthlyWrites: 9000 });
    expect(c.cost.priceTable).toBe('/project/cfg/prices/aws.json');
  });

  it('usageShare must be a fraction above 0 and at most 1, and warns on a rule without a filter', () => {
    for (const bad of ['0', '1.5', '-0.2']) {
      const r = loadConfigText(YAML.replace('usageShare: 0.4', `usageShare: ${bad}`), 'r.yaml');
      expect(r.config, bad).toBeUndefined();
      expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ file: 'r.yaml', pointer: '/replications/0/rules/0/usageShare', line: 19 });
    }
    const unfiltered = loadConfigText(YAML.replace('        destination: { bucket: logs-dr }\n        existingObjects', '        usageShare: 0.5\n        destination: { bucket: logs-dr }\n        existingObjects'), 'r.yaml');
    expect(unfiltered.config).toBeDefined();
    expect(unfiltered.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.rule)).toContain('usage-share-unfiltered');
  });

  it('refuses unknown keys and negative figures', () => {
    const bad = loadConfigText(YAML.replace('storedGB: 100', 'storedGB: -1, lines: 3'), 'r.yaml');
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n')).toMatch(/lines|storedGB/);
    expect(bad.config).toBeUndefined();
  });
});

describe('resolveUsage', () => {
  const metrics = new Map<string, StorageMetrics>([
    ['logs', { bytes: 5 * 2 ** 30, objects: 50, at: '2026-11-29' }],
    ['photos', { bytes: 2 * 2 ** 40, objects: 10_000_000, at: '2026-11-29' }],
  ]);

  it('takes usage: first, then CloudWatch, then 0 for a bucket being created; write volume only from usage:', () => {
    const u = resolveUsage(config(YAML), metrics, (b) => b !== 'fresh');
    expect(u.logs).toMatchObject({ storedGB: 100, objects: 50, monthlyWriteGB: 30, monthlyWrites: 9000 });
    expect(u.photos).toMatchObject({ storedGB: 2048, objects: 10_000_000, monthlyWriteGB: null, monthlyWrites: null });
    expect(u.fresh).toMatchObject({ storedGB: 0, objects: 0, monthlyWriteGB: null });
    expect(u.logs!.notes).toContain('storedGB 100 from usage in the configuration');
    expect(u.logs!.notes).toContain('objects from CloudWatch NumberOfObjects, daily average of 2026-11-29');
    expect(u.photos!.notes.join('\n')).toContain('monthlyWriteGB unknown: AWS publishes no write-volume metric by default; set usage.monthlyWriteGB');
  });

  it('an existing bucket without metrics or usage is unknown, and says what to set', () => {
    const u = resolveUsage(config(YAML), new Map(), () => true);
    expect(u.photos).toMatchObject({ storedGB: null, objects: null });
    expect(u.photos!.notes).toContain('storedGB unknown: no CloudWatch storage metric for the last 3 days; set usage.storedGB');
  });
});

describe('specsFromConfig', () => {
  it('gives each rule its regions, class, features, alarms and backfill', () => {
    const specs = specsFromConfig(config(YAML));
    expect(specs).toEqual([
      { source: 'logs', sourceRegion: 'us-east-1', ruleId: 'app', destination: 'logs-dr', destinationRegion: 'us-west-2', storageClass: 'GLACIER_IR', enabled: true, rtc: true, metrics: true, sseKms: false, filter: { prefix: 'app/', tags: {} }, usageShare: 0.4, alarms: 2, backfilled: false },
      { source: 'photos', sourceRegion: 'us-east-1', ruleId: 'all', destination: 'logs-dr', destinationRegion: 'us-west-2', storageClass: null, enabled: true, rtc: false, metrics: false, sseKms: true, filter: { prefix: '', tags: {} }, usageShare: null, alarms: 0, backfilled: true },
      { source: 'fresh', sourceRegion: 'us-east-1', ruleId: 'all', destination: 'logs-dr', destinationRegion: 'us-west-2', storageClass: null, enabled: false, rtc: false, metrics: false, sseKms: false, filter: { prefix: '', tags: {} }, usageShare: null, alarms: 0, backfilled: false },
    ]);
  });
});
