/**
 * What every example expands to (desired resources, notices, expectations) and
 * what the cost estimate reads from every real plan are kept as fixtures under
 * test/fixtures/, so that moving knowledge between the kinds and the code that
 * uses them (policy grants, cost facts) is shown to change nothing a user sees.
 * A change that means to alter them rewrites them with `vitest -u`; review the
 * diff like any snapshot.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { desiredResources } from '../../src/engine/desired.js';
import type { Plan } from '../../src/engine/types.js';
import { backfillsFromPlan, bucketsCreated, specsFromPlan } from '../../src/cost/scenario.js';

const root = resolve(__dirname, '../..');

describe('every example expands as before', () => {
  const files = ['replication.yaml', ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];
  for (const f of files) {
    it(f, async () => {
      const config = (await loadConfig(join(root, f))).config!;
      const source = config.buckets[config.replications[0]!.source]!;
      const d = desiredResources(config, { accountId: source.account ?? '111111111111', lineage: 'L' });
      await expect(JSON.stringify(d, null, 2) + '\n').toMatchFileSnapshot(join(root, 'test/fixtures/desired', f.replace(/^examples\//, '').replace(/\.yaml$/, '.json')));
    });
  }
});

describe('the cost estimate reads every real plan as before', () => {
  const dir = join(root, 'test/render/plans');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    it(f, async () => {
      const plan = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Plan;
      const config = (await loadConfig(join(root, 'replication.yaml'))).config!;
      const facts = { before: specsFromPlan(plan, config), backfills: backfillsFromPlan(plan), bucketsCreated: [...bucketsCreated(plan)].sort() };
      await expect(JSON.stringify(facts, null, 2) + '\n').toMatchFileSnapshot(join(root, 'test/fixtures/cost', f));
    });
  }
});
