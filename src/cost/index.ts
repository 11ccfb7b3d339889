/**
 * Replication cost in the plan. `readCostInputs` belongs to the read phase
 * (CloudWatch storage metrics of the source buckets, the price table);
 * `costOfPlan` is pure and gives the Cost model that `plan.cost` carries and
 * the renderers show.
 */
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import type { Plan } from '../engine/types.js';
import { estimateCost } from './estimate.js';
import type { Cost } from './model.js';
import { loadPrices, type PriceTable } from './prices.js';
import { backfillsFromPlan, bucketsCreated, sourceBuckets, specsFromConfig, specsFromPlan } from './scenario.js';
import { readStorageMetrics, resolveUsage, type StorageMetrics } from './usage.js';

export type { Cost, CostItem, CostTotal, RuleCost } from './model.js';
export { estimateCost } from './estimate.js';
export { BUILT_IN_PRICES, loadPrices, mergePrices, type PriceTable, type PriceFigure } from './prices.js';

export interface CostInputs {
  prices: PriceTable;
  metrics: Map<string, StorageMetrics> | null;
  /** Why CloudWatch could not be read, when it could not. */
  metricsError?: string;
}

/** The price table (the flag's file, else the configuration's, else built-in) and the source buckets' storage metrics. */
export async function readCostInputs(aws: AwsClients, config: Config, priceTableFlag?: string): Promise<CostInputs> {
  const [prices, metrics] = await Promise.all([
    loadPrices(priceTableFlag ?? config.cost.priceTable),
    readStorageMetrics(aws, sourceBuckets(config).filter((b) => b.region !== '')).then(
      (m) => ({ m, error: undefined }),
      (e: unknown) => ({ m: null, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    ),
  ]);
  return { prices, metrics: metrics.m, ...(metrics.error ? { metricsError: metrics.error } : {}) };
}

/** The Cost model of a plan. Pure. */
export function costOfPlan(plan: Plan, config: Config, inputs: CostInputs): Cost {
  const created = bucketsCreated(plan);
  const usage = resolveUsage(config, inputs.metrics, (b) => !created.has(b));
  if (inputs.metricsError) for (const u of Object.values(usage)) u.notes.push(`CloudWatch storage metrics could not be read (${inputs.metricsError})`);
  return estimateCost(
    {
      before: specsFromPlan(plan, config),
      after: plan.mode === 'destroy' ? [] : specsFromConfig(config),
      backfills: plan.mode === 'destroy' ? [] : backfillsFromPlan(plan),
      usage,
    },
    inputs.prices,
  );
}
