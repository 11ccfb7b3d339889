/**
 * Multi-Region Access Points in `s3repl status` (and `failover --status`):
 * which member Regions take traffic, and how far replication between the
 * members lags, from the rules' CloudWatch metrics.
 */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../aws/clients.js';
import type { Config, MultiRegionAccessPointConfig } from '../config/types.js';
import { accessPointArn, getAccessPoint, readRoutes } from '../resources/operations.js';

/** Replication from one member to another, from the rule's CloudWatch metrics. */
export interface Backlog {
  source: string;
  destination: string;
  ruleId: string;
  enabled: boolean;
  /** Whether the rule publishes replication metrics. */
  metrics: boolean;
  /** BytesPendingReplication in the latest minute with data (its Minimum: S3 publishes one value a minute); null without data. */
  pendingBytes: number | null;
  /** ReplicationLatency, Maximum over the window; null without data. */
  latencySeconds: number | null;
}

/**
 * The replication between the members of an access point, read where S3
 * publishes BytesPendingReplication and ReplicationLatency: the destination
 * bucket's Region (docs/aws-behaviour.md, replication metrics).
 */
export async function readBacklog(aws: AwsClients, config: Config, ap: MultiRegionAccessPointConfig, start: Date, end: Date): Promise<Backlog[]> {
  const members = new Set(ap.buckets);
  const out: Backlog[] = [];
  for (const rep of config.replications) {
    if (!members.has(rep.source)) continue;
    for (const rule of rep.rules) {
      if (!members.has(rule.destination.bucket) || rule.destination.bucket === rep.source) continue;
      out.push({ source: rep.source, destination: rule.destination.bucket, ruleId: rule.id, enabled: rule.status === 'enabled', metrics: rule.metrics, pendingBytes: null, latencySeconds: null });
    }
  }
  const byRegion = new Map<string, Array<{ b: Backlog; pending: MetricDataQuery; latency: MetricDataQuery }>>();
  out.forEach((b, i) => {
    if (!b.metrics || !b.enabled) return;
    const region = config.buckets[b.destination]!.region;
    const metric = (name: string, stat: string, id: string): MetricDataQuery => ({
      Id: id,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/S3',
          MetricName: name,
          Dimensions: [
            { Name: 'SourceBucket', Value: b.source },
            { Name: 'DestinationBucket', Value: b.destination },
            { Name: 'RuleId', Value: b.ruleId },
          ],
        },
        Period: 60,
        Stat: stat,
      },
    });
    byRegion.set(region, [...(byRegion.get(region) ?? []), { b, pending: metric('BytesPendingReplication', 'Minimum', `p${i}`), latency: metric('ReplicationLatency', 'Maximum', `l${i}`) }]);
  });
  await Promise.all(
    [...byRegion].map(async ([region, list]) => {
      const results = new Map<string, Array<{ t: number; v: number }>>();
      let NextToken: string | undefined;
      do {
        const r = await aws.cloudwatch(region).send(
          new GetMetricDataCommand({ MetricDataQueries: list.flatMap((x) => [x.pending, x.latency]), StartTime: start, EndTime: end, NextToken }),
        );
        for (const res of r.MetricDataResults ?? []) {
          const points = (res.Values ?? []).map((v, k) => ({ v, t: res.Timestamps?.[k]?.getTime() ?? 0 }));
          results.set(res.Id ?? '', [...(results.get(res.Id ?? '') ?? []), ...points]);
        }
        NextToken = r.NextToken;
      } while (NextToken);
      for (const x of list) {
        const pending = results.get(x.pending.Id!) ?? [];
        const latency = results.get(x.latency.Id!) ?? [];
        x.b.pendingBytes = pending.length ? pending.reduce((a, b) => (b.t > a.t ? b : a)).v : null;
        x.b.latencySeconds = latency.length ? Math.max(...latency.map((p) => p.v)) : null;
      }
    }),
  );
  return out;
}

export interface AccessPointStatus {
  name: string;
  /** null: the access point does not exist (yet). */
  alias: string | null;
  /** AWS's status (READY, CREATING, ...); null when it does not exist. */
  status: string | null;
  /** Each member: its Region, bucket and TrafficDialPercentage (100 active, 0 passive; null when not READY). */
  regions: Array<{ region: string; bucket: string; trafficDialPercentage: number | null }>;
  /** Replication between the members. */
  replication: Backlog[];
}

/** The status of every access point of the configuration. */
export async function accessPointsStatus(aws: AwsClients, accountId: string, config: Config, start: Date, end: Date): Promise<AccessPointStatus[]> {
  return Promise.all(
    Object.values(config.multiRegionAccessPoints).map(async (ap) => {
      const [live, replication] = await Promise.all([getAccessPoint(aws, accountId, ap.name), readBacklog(aws, config, ap, start, end)]);
      const routes = live?.Alias && live.Status === 'READY' ? await readRoutes(aws, accountId, accessPointArn(accountId, live.Alias)) : [];
      const regions = [...new Set(ap.buckets)].map((b) => {
        const region = config.buckets[b]!.region;
        return { region, bucket: b, trafficDialPercentage: routes.find((r) => r.region === region)?.percent ?? null };
      });
      return { name: ap.name, alias: live?.Alias ?? null, status: live?.Status ?? null, regions, replication };
    }),
  );
}
