/**
 * The price table cost estimates are computed from: dated and versioned, every
 * figure with the page it comes from and the day it was read. A price that could
 * not be found is `usd: null` (unknown), never a guess and never zero: the
 * estimate then says which item it could not price.
 *
 * Users override any figure with a JSON file of the same shape (`cost.priceTable`
 * in replication.yaml, or `plan --price-table FILE`); see docs/cost.md.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { StorageClass } from '../config/types.js';

/** One price: what it costs per unit, where it was read and when. */
export interface PriceFigure {
  /** US dollars per unit; null when no published price was found (unknown). */
  usd: number | null;
  /** The page the figure was read on (or "user: FILE" for an override). */
  source: string;
  /** The day it was read, YYYY-MM-DD. */
  read: string;
  note?: string;
}

export interface RegionPrices {
  /** Storage per GB-month, first tier (first 50 TB), by storage class. */
  storagePerGBMonth: Partial<Record<StorageClass, PriceFigure>>;
  /** PUT, COPY, POST requests per 1,000, by storage class. */
  putPer1000: Partial<Record<StorageClass, PriceFigure>>;
  batchJob: PriceFigure;
  batchPerMillionObjects: PriceFigure;
  batchManifestPerMillionObjects: PriceFigure;
  /** A custom metric per month (first tier); S3 replication metrics are billed at this rate. */
  cloudwatchMetricPerMonth: PriceFigure;
  /** A standard-resolution alarm metric per month. */
  cloudwatchAlarmPerMonth: PriceFigure;
  /** Symmetric KMS requests per 10,000. */
  kmsPer10000Requests: PriceFigure;
}

export interface PriceTable {
  /** `YYYY-MM-DD` of the last review, with a suffix when figures change the same day. */
  version: string;
  currency: 'USD';
  /** RTC data transfer per GB (the same in every region). */
  rtcPerGB: PriceFigure;
  /** Inter-region data transfer OUT from S3 per GB, keyed `source>destination` (priced by the source region). */
  transferPerGB: Record<string, PriceFigure>;
  /** Transfer between buckets in one region. */
  sameRegionTransferPerGB: PriceFigure;
  regions: Record<string, RegionPrices>;
  /** Where the table came from: `built-in`, or the override file merged over it. */
  origin: string;
}

const READ = '2026-11-30';
const S3 = 'https://aws.amazon.com/s3/pricing/';

const unknown = (what: string): PriceFigure => ({ usd: null, source: 'not found', read: READ, note: `no published ${what} price found when the table was made` });
const s3 = (usd: number, note?: string): PriceFigure => ({ usd, source: S3, read: READ, ...(note ? { note } : {}) });

/** Every component unknown: the starting point of each region. */
function unknownRegion(): RegionPrices {
  return {
    storagePerGBMonth: {},
    putPer1000: {},
    batchJob: unknown('Batch Operations job'),
    batchPerMillionObjects: unknown('Batch Operations per-object'),
    batchManifestPerMillionObjects: unknown('Batch Operations manifest'),
    cloudwatchMetricPerMonth: unknown('CloudWatch custom metric'),
    cloudwatchAlarmPerMonth: unknown('CloudWatch alarm'),
    kmsPer10000Requests: unknown('KMS request'),
  };
}

/** The regions examples/*.yaml and replication.yaml use; each listed, unknown where no price was found. */
export const TABLE_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-southeast-4'] as const;

function builtIn(): PriceTable {
  const regions: Record<string, RegionPrices> = {};
  for (const r of TABLE_REGIONS) regions[r] = unknownRegion();
  regions['us-east-1'] = {
    ...unknownRegion(),
    storagePerGBMonth: {
      STANDARD: {
        usd: 0.023,
        source: 'https://cloudburn.io/blog/amazon-s3-pricing',
        read: READ,
        note: 'secondary source quoting AWS ("All prices are for US East (N. Virginia) as of March 2026"; "S3 Standard costs $0.023/GB/month"); first 50 TB tier',
      },
    },
    putPer1000: {
      STANDARD: s3(0.005, 'the page prices LIST "at the same rate as S3 Standard PUT, COPY, and POST requests" and gives LIST in S3 Standard, US East (N. Virginia), as $0.005 per 1,000'),
    },
    batchJob: s3(0.25, 'US East (N. Virginia): "Batch Operations – Jobs $0.25 per job"'),
    batchPerMillionObjects: s3(1.0, 'US East (N. Virginia): "$1.00 per million objects processed"'),
    batchManifestPerMillionObjects: s3(0.015, 'US East (N. Virginia): "$0.015 per 1 million objects in the source bucket"'),
    cloudwatchMetricPerMonth: {
      usd: 0.3,
      source: 'https://cal53.calculator.city/cloudwatch-custom-metrics-calculator/',
      read: READ,
      note: 'secondary source: "$0.30 per metric per month for the first 10,000 metrics"; the page names no region; S3 says replication metrics "are billed at the same rate as Amazon CloudWatch custom metrics"',
    },
    cloudwatchAlarmPerMonth: {
      usd: 0.1,
      source: 'https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm',
      read: READ,
      note: 'secondary source: "$0.10/alarm-month for standard resolution"; the page names no region',
    },
    kmsPer10000Requests: {
      usd: 0.03,
      source: 'https://www.wring.co/blog/aws-kms-pricing-guide',
      read: READ,
      note: 'secondary source: "API requests are $0.03 per 10,000 after the 20,000 free monthly requests" (the free tier is not subtracted here)',
    },
  };
  const transferPerGB: Record<string, PriceFigure> = {};
  for (const a of TABLE_REGIONS) for (const b of TABLE_REGIONS) if (a !== b) transferPerGB[`${a}>${b}`] = unknown('inter-region transfer');
  transferPerGB['us-west-2>us-east-1'] = s3(0.02, 'S3 Tables replication example: "Inter-region Data Transfer OUT from US-West (Oregon) to US-East (N. Virginia) is $0.02 per GB"');
  transferPerGB['us-east-1>us-east-2'] = s3(0.01, 'Multi-Region Access Points example 2: "The data transfer charge from US East (N. Virginia) to US East (Ohio) is $0.01 per GB"');
  transferPerGB['us-east-1>us-west-2'] = {
    usd: 0.02,
    source: 'https://repost.aws/articles/ARjzluyMS8RbeOOK4MGXRG6Q/cost-effective-methods-for-accessing-s3-buckets-cross-region',
    read: READ,
    note:
      'secondary source: an AWS re:Post article, not the pricing page ("All prices were verified as of January 2026"); for an EC2 instance in us-east-1 and "an S3 bucket in us-west-2 ... Uploads/Downloads: $0.02 per GB transferred", the S3 side priced "from the Data transfer OUT From Amazon EC2 To {region} table"; lowest volume tier',
  };
  return {
    version: READ,
    currency: 'USD',
    rtcPerGB: s3(0.015, '"S3 Replication Time Control data transfer $0.015 per GB"; "the same in all AWS Regions"'),
    transferPerGB,
    sameRegionTransferPerGB: s3(0, 'no charge for "Data transferred between S3 buckets in the same AWS Region"'),
    regions,
    origin: 'built-in',
  };
}

/** The table shipped with s3repl. */
export const BUILT_IN_PRICES: PriceTable = builtIn();

function isFigure(v: unknown): v is { usd: number | null; source?: string; read?: string; note?: string } {
  if (typeof v !== 'object' || v === null) return false;
  const usd = (v as { usd?: unknown }).usd;
  return usd === null || (typeof usd === 'number' && Number.isFinite(usd) && usd >= 0);
}

/**
 * Merges a user's table (same shape, any subset of figures) over a base table.
 * Every figure given must be `{ "usd": number >= 0 | null, ... }`; its source
 * defaults to the file, its read date to the file's `version`.
 */
export function mergePrices(base: PriceTable, user: unknown, file: string): PriceTable {
  const fail = (path: string, what: string): never => {
    throw new UserError(`${file}: ${path} ${what}`, 'a price table is JSON: { "version": "...", "rtcPerGB": { "usd": 0.015 }, "regions": { "us-east-1": { "putPer1000": { "STANDARD": { "usd": 0.005 } } } } } (see docs/cost.md)');
  };
  if (typeof user !== 'object' || user === null || Array.isArray(user)) fail('the file', 'is not a JSON object');
  const u = user as Record<string, unknown>;
  const version = typeof u.version === 'string' ? u.version : undefined;
  if (u.currency !== undefined && u.currency !== 'USD') fail('currency', 'must be "USD" (the only currency s3repl prices in)');
  const figure = (path: string, v: unknown): PriceFigure => {
    if (!isFigure(v)) return fail(path, 'must be { "usd": a number >= 0, or null for unknown }');
    return { usd: v.usd, source: typeof v.source === 'string' ? v.source : `user: ${file}`, read: typeof v.read === 'string' ? v.read : (version ?? 'unknown'), ...(typeof v.note === 'string' ? { note: v.note } : {}) };
  };
  const record = (path: string, v: unknown): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'must be an object');
    return v as Record<string, unknown>;
  };
  const out: PriceTable = structuredClone(base);
  out.origin = `${file} over ${base.origin}`;
  out.version = version ? `${version} (over ${base.version})` : base.version;
  for (const k of ['rtcPerGB', 'sameRegionTransferPerGB'] as const) if (u[k] !== undefined) out[k] = figure(k, u[k]);
  if (u.transferPerGB !== undefined) {
    for (const [pair, v] of Object.entries(record('transferPerGB', u.transferPerGB))) {
      if (!/^[a-z0-9-]+>[a-z0-9-]+$/.test(pair)) fail(`transferPerGB.${pair}`, 'must be keyed "source-region>destination-region"');
      out.transferPerGB[pair] = figure(`transferPerGB.${pair}`, v);
    }
  }
  if (u.regions !== undefined) {
    for (const [region, rv] of Object.entries(record('regions', u.regions))) {
      const r = (out.regions[region] ??= unknownRegion());
      for (const [key, v] of Object.entries(record(`regions.${region}`, rv))) {
        const path = `regions.${region}.${key}`;
        if (key === 'storagePerGBMonth' || key === 'putPer1000') {
          for (const [cls, fv] of Object.entries(record(path, v))) r[key][cls as StorageClass] = figure(`${path}.${cls}`, fv);
        } else if (key in r) {
          (r as unknown as Record<string, PriceFigure>)[key] = figure(path, v);
        } else fail(path, `is not a price s3repl knows (${Object.keys(r).join(', ')})`);
      }
    }
  }
  return out;
}

/** The built-in table, with the user's file merged over it when one is given. */
export async function loadPrices(file?: string): Promise<PriceTable> {
  if (!file) return BUILT_IN_PRICES;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the price table ${file}: ${(e as Error).message}`, 'check the path given to --price-table or cost.priceTable');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return mergePrices(BUILT_IN_PRICES, json, file);
}

/** Looks a figure up; a region or class the table does not list is unknown. */
export function priceOf(table: PriceTable, region: string | null, pick: (r: RegionPrices) => PriceFigure | undefined, what: string): PriceFigure {
  const r = region ? table.regions[region] : undefined;
  const f = r ? pick(r) : undefined;
  return f ?? { usd: null, source: 'not in the price table', read: table.version, note: `no ${what} price for ${region ?? 'an unknown region'} in the table` };
}

export function transferPrice(table: PriceTable, from: string | null, to: string | null): PriceFigure {
  if (from && to && from === to) return table.sameRegionTransferPerGB;
  const f = from && to ? table.transferPerGB[`${from}>${to}`] : undefined;
  return f ?? { usd: null, source: 'not in the price table', read: table.version, note: `no transfer price from ${from ?? 'an unknown region'} to ${to ?? 'an unknown region'} in the table` };
}
