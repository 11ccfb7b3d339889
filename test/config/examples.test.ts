/** Every example, and the root replication.yaml, is valid with no warnings. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const root = resolve(__dirname, '../..');
const files = [
  'replication.yaml',
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `examples/${f}`),
];

describe('examples', () => {
  it('include the documented set', () => {
    for (const name of ['crr-dr', 'srr-log-aggregation', 'two-way', 'sse-kms', 'cross-account', 'rtc-alarms', 'multi-destination', 'existing-objects']) {
      expect(files).toContain(`examples/${name}.yaml`);
    }
  });

  for (const f of files) {
    it(`${f} is valid, without warnings`, async () => {
      const r = await loadConfig(join(root, f));
      expect(r.diagnostics).toEqual([]);
      expect(r.config).toBeDefined();
      const text = readFileSync(join(root, f), 'utf8');
      expect(text).toMatch(/^# yaml-language-server: \$schema=(\.\.\/|\.\/)schema\/replication\.schema\.json\n#/);
    });
  }

  it('the root file is the demo: created buckets, a managed role, CRR with RTC and alarms, and SRR', async () => {
    const c = (await loadConfig(join(root, 'replication.yaml'))).config!;
    expect(Object.values(c.buckets).every((b) => b.create)).toBe(true);
    expect(Object.values(c.roles).map((r) => r.managed)).toEqual([true]);
    const rules = c.replications.flatMap((r) => r.rules.map((rule) => ({ source: c.buckets[r.source]!, rule })));
    const crr = rules.find(({ source, rule }) => source.region !== c.buckets[rule.destination.bucket]!.region)!;
    expect(crr.rule).toMatchObject({ rtc: true, metrics: true, deleteMarkers: true, destination: { storageClass: 'STANDARD_IA' } });
    expect(crr.rule.alarms).toMatchObject({ latencySeconds: 900, failedOperations: 1 });
    expect(rules.some(({ source, rule }) => source.region === c.buckets[rule.destination.bucket]!.region)).toBe(true);
  });
});
