/**
 * The cost model attached to a plan (`plan.cost`): plain data, computed once by
 * `estimateCost` and only read by the renderers. Part of the plan JSON contract
 * (formatVersion 1, an additive field): docs/plan-format.md, schema/plan.schema.json.
 */
import type { StorageClass } from '../config/types.js';

export type CostComponent =
  | 'transfer'
  | 'rtc'
  | 'put-requests'
  | 'storage'
  | 'metrics'
  | 'alarms'
  | 'kms-requests'
  | 'batch-job'
  | 'batch-objects'
  | 'batch-manifest';

/** One priced line: quantity × unit price. */
export interface CostItem {
  component: CostComponent;
  description: string;
  /** Units billed; null when the usage is not known. */
  quantity: number | null;
  unit: string;
  /** USD per unit; null when the price is unknown. */
  unitPrice: number | null;
  /** quantity × unitPrice in USD; null when either is unknown (never 0 for unknown). */
  amount: number | null;
  /** Where the unit price comes from and when it was read. */
  price: { source: string; read: string; note?: string };
  /** What the figure assumes. */
  assumptions: string[];
}

/** A sum of items: `usd` adds the known amounts; `unknown` names the items it could not price. */
export interface CostTotal {
  usd: number;
  /** Descriptions of items whose price or usage is unknown (their amount is not in `usd`). */
  unknown: string[];
}

export interface CostSide {
  items: CostItem[];
  total: CostTotal;
}

export type UsageBasis = 'bucket' | 'share' | 'upper-bound';

/** The usage a rule's figures are computed from. */
export interface RuleUsage {
  storedGB: number | null;
  objects: number | null;
  monthlyWriteGB: number | null;
  monthlyWrites: number | null;
  /** The rule's share of the bucket (1 = everything). */
  share: number;
  /**
   * How the rule's part of the bucket was estimated: `bucket` (no filter: all of it),
   * `share` (a filter, and the rule's `usageShare` from the configuration),
   * `upper-bound` (a filter without a share: the whole bucket is counted).
   */
  basis: UsageBasis;
  /** Where each figure came from, and how the share was estimated. */
  notes: string[];
}

export interface RuleCost {
  source: string;
  ruleId: string;
  destination: string;
  sourceRegion: string | null;
  destinationRegion: string | null;
  /** Monthly cost of the rule as it is live now; null when it does not exist yet. */
  before: CostSide | null;
  /** Monthly cost as configured; null when the plan removes it. */
  after: CostSide | null;
  /** One-off cost of the Batch Replication job the plan starts for it; null when none. */
  oneOff: CostSide | null;
  /** after − before a month; `unknown` holds only the unpriced items that differ between the two. */
  change: CostTotal;
  usage: RuleUsage;
}

export interface Cost {
  currency: 'USD';
  priceTable: { version: string; origin: string };
  monthly: { before: CostTotal; after: CostTotal; change: CostTotal };
  oneOff: CostTotal;
  rules: RuleCost[];
  /** Assumptions that hold for every figure. */
  assumptions: string[];
}

/** A replication rule's billable settings, from the configuration (after) or from AWS (before). */
export interface RuleSpec {
  source: string;
  sourceRegion: string | null;
  ruleId: string;
  destination: string;
  destinationRegion: string | null;
  /** null: replicas keep the source object's storage class. */
  storageClass: StorageClass | null;
  enabled: boolean;
  rtc: boolean;
  metrics: boolean;
  sseKms: boolean;
  filter: { prefix: string; tags: Record<string, string> };
  /** The configuration's `usageShare` for a filtered rule: the part of the bucket's usage it selects; null when not given. */
  usageShare: number | null;
  /** CloudWatch alarms on the rule's metrics. */
  alarms: number;
  /** The destination holds replicas of the objects that existed before the rule (Batch Replication ran or runs). */
  backfilled: boolean;
}

/** A bucket's usage, with where each part came from. */
export interface BucketUsage {
  storedGB: number | null;
  objects: number | null;
  monthlyWriteGB: number | null;
  monthlyWrites: number | null;
  notes: string[];
}

export interface CostInput {
  before: RuleSpec[];
  after: RuleSpec[];
  /** Rules whose Batch Replication job the plan starts. */
  backfills: Array<{ source: string; ruleId: string }>;
  usage: Record<string, BucketUsage>;
}
