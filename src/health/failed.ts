/**
 * How many replication operations failed in a window, per source bucket, from
 * the rules' OperationsFailedReplication metric (Sum). S3 publishes that
 * metric in the source bucket's region (docs/aws-behaviour.md, "Replication
 * metrics: region"), and only for rules with replication metrics on: a rule
 * without them cannot say whether anything failed.
 */
import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';

export interface FailedCount {
  /** Failed operations in the window over the rules that publish metrics. */
  failed: number;
  /** Rules whose metric was read. */
  measured: string[];
  /** Chosen rules that publish no metrics (metrics off, or the rule is disabled). */
  unmeasured: string[];
}

/** GetMetricData takes up to 500 queries a call. */
const QUERIES_PER_CALL = 500;

export async function failedOperations(
  aws: AwsClients,
  config: Config,
  source: string,
  ruleIds: readonly string[],
  start: Date,
  end: Date,
): Promise<FailedCount> {
  const rep = config.replications.find((r) => r.source === source);
  const region = config.buckets[source]!.region;
  const rules = (rep?.rules ?? []).filter((r) => ruleIds.includes(r.id));
  const measuredRules = rules.filter((r) => r.metrics && r.status === 'enabled');
  const out: FailedCount = {
    failed: 0,
    measured: measuredRules.map((r) => r.id),
    unmeasured: rules.filter((r) => !measuredRules.includes(r)).map((r) => r.id),
  };
  // One period over the whole window, a multiple of 60 s.
  const period = Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
  const queries: MetricDataQuery[] = measuredRules.map((r, i) => ({
    Id: `f${i}`,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/S3',
        MetricName: 'OperationsFailedReplication',
        Dimensions: [
          { Name: 'SourceBucket', Value: source },
          { Name: 'DestinationBucket', Value: r.destination.bucket },
          { Name: 'RuleId', Value: r.id },
        ],
      },
      Period: period,
      Stat: 'Sum',
    },
  }));
  for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
    const batch = queries.slice(i, i + QUERIES_PER_CALL);
    for await (const page of paginateGetMetricData({ client: aws.cloudwatch(region) }, { MetricDataQueries: batch, StartTime: start, EndTime: end })) {
      for (const res of page.MetricDataResults ?? []) for (const v of res.Values ?? []) out.failed += v;
    }
  }
  return out;
}
