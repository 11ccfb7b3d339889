/**
 * Failover of a Multi-Region Access Point: make one member Region active and
 * every other member passive (TrafficDialPercentage 100 / 0), after checking
 * that the buckets replicating into the new active Region have caught up
 * (BytesPendingReplication and ReplicationLatency of the rules toward it).
 * Routes are changed at the failover-control endpoints, tried in turn, and the
 * change is waited for until it reads back (docs/aws-behaviour.md,
 * "Multi-Region Access Points").
 */
import type { AwsClients } from '../aws/clients.js';
import type { Config, MultiRegionAccessPointConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { didYouMean } from '../config/suggest.js';
import { readBacklog, type Backlog } from '../health/access-points.js';
import { RTC_THRESHOLD_SECONDS } from '../health/status.js';
import { accessPointArn, accessPointRoutesAddress, getAccessPoint, readRoutes, setRoutes, type Route, type WaitOptions } from '../resources/operations.js';

export { readBacklog, type Backlog } from '../health/access-points.js';
import type { StateSession } from '../state/session.js';

export interface AccessPointState {
  name: string;
  alias: string;
  arn: string;
  status: string;
  routes: Route[];
}

/** The access point of the configuration, as it is in AWS with its routes. */
export async function readAccessPoint(aws: AwsClients, accountId: string, config: Config, name: string, log?: (m: string) => void): Promise<AccessPointState> {
  accessPointConfig(config, name);
  const ap = await getAccessPoint(aws, accountId, name);
  if (!ap?.Alias) throw new UserError(`Multi-Region Access Point ${name} does not exist in account ${accountId}`, 'create it with s3repl apply');
  if (ap.Status !== 'READY') throw new UserError(`Multi-Region Access Point ${name} is ${ap.Status ?? 'not ready'}`, 'wait until it is READY (s3repl apply waits for it)');
  const arn = accessPointArn(accountId, ap.Alias);
  return { name, alias: ap.Alias, arn, status: ap.Status, routes: await readRoutes(aws, accountId, arn, log) };
}

export function accessPointConfig(config: Config, name: string): MultiRegionAccessPointConfig {
  const ap = config.multiRegionAccessPoints[name];
  if (!ap) {
    const names = Object.keys(config.multiRegionAccessPoints);
    throw new UserError(
      `no Multi-Region Access Point "${name}" in the configuration${didYouMean(name, names)}`,
      names.length ? `declared: ${names.join(', ')}` : 'declare it under multiRegionAccessPoints:',
    );
  }
  return ap;
}

/** The route updates that make `to` the only active Region (only the routes that change). Pure. */
export function failoverUpdates(routes: readonly Route[], to: string): Array<{ bucket: string; region: string; percent: number }> {
  if (!routes.some((r) => r.region === to)) {
    throw new UserError(`${to} is not a Region of this access point`, `its Regions: ${routes.map((r) => r.region).join(', ')}`);
  }
  return routes
    .map((r) => ({ bucket: r.bucket, region: r.region, percent: r.region === to ? 100 : 0 }))
    .filter((u) => routes.find((r) => r.region === u.region)!.percent !== u.percent);
}

export interface Readiness {
  ok: boolean;
  /** Reasons not to fail over now (each refuses without --force). */
  problems: string[];
  /** What was checked, one line per rule toward the new active Region. */
  checked: string[];
}

/**
 * Whether `to` has what the other members wrote: every other member replicates
 * into it with metrics on, nothing pending above `maxPendingBytes` and latency
 * within `maxLatencySeconds` over the window. Pure.
 */
export function judgeReadiness(
  ap: MultiRegionAccessPointConfig,
  config: Config,
  to: string,
  rules: readonly Backlog[],
  limits: { maxPendingBytes: number; maxLatencySeconds: number },
): Readiness {
  const members = [...new Set(ap.buckets)].map((b) => config.buckets[b]!);
  const target = members.find((b) => b.region === to);
  if (!target) throw new UserError(`${to} is not a Region of Multi-Region Access Point ${ap.name}`, `its Regions: ${members.map((b) => b.region).join(', ')}`);
  const problems: string[] = [];
  const checked: string[] = [];
  for (const src of members) {
    if (src.name === target.name) continue;
    const toward = rules.filter((r) => r.source === src.name && r.destination === target.name && r.enabled);
    if (toward.length === 0) {
      problems.push(`nothing replicates ${src.name} → ${target.name}: objects written in ${src.region} are missing in ${to} (use mesh: true)`);
      continue;
    }
    for (const r of toward) {
      const label = `${r.source} → ${r.destination} (rule ${r.ruleId})`;
      if (!r.metrics) {
        problems.push(`${label} publishes no replication metrics, so its backlog cannot be checked (set metrics: true)`);
        continue;
      }
      const pending = r.pendingBytes;
      const latency = r.latencySeconds;
      checked.push(`${label}: ${pending === null ? 'no pending-bytes datapoints' : `${pending} bytes pending`}, ${latency === null ? 'no latency datapoints' : `latency up to ${latency} s`}`);
      if (pending !== null && pending > limits.maxPendingBytes) problems.push(`${label} has ${pending} bytes pending replication (more than ${limits.maxPendingBytes})`);
      if (latency !== null && latency > limits.maxLatencySeconds) problems.push(`${label} replication latency reached ${latency} s (more than ${limits.maxLatencySeconds} s)`);
    }
  }
  return { ok: problems.length === 0, problems, checked };
}

export interface FailoverOptions extends WaitOptions {
  aws: AwsClients;
  accountId: string;
  config: Config;
  name: string;
  to: string;
  force: boolean;
  /** Window of the metrics checked. */
  start: Date;
  end: Date;
  maxPendingBytes?: number;
  maxLatencySeconds?: number;
}

export interface FailoverResult {
  before: AccessPointState;
  after: Route[];
  readiness: Readiness;
  backlog: Backlog[];
  /** Route updates sent (empty: `to` was already the only active Region). */
  updates: Array<{ bucket: string; region: string; percent: number }>;
}

export async function failover(opts: FailoverOptions): Promise<FailoverResult> {
  const ap = accessPointConfig(opts.config, opts.name);
  const before = await readAccessPoint(opts.aws, opts.accountId, opts.config, opts.name, opts.log);
  const updates = failoverUpdates(before.routes, opts.to);
  const backlog = await readBacklog(opts.aws, opts.config, ap, opts.start, opts.end);
  const readiness = judgeReadiness(ap, opts.config, opts.to, backlog, {
    maxPendingBytes: opts.maxPendingBytes ?? 0,
    maxLatencySeconds: opts.maxLatencySeconds ?? RTC_THRESHOLD_SECONDS,
  });
  if (!readiness.ok && !opts.force) {
    throw new UserError(
      `not failing over ${opts.name} to ${opts.to}:\n  ${readiness.problems.join('\n  ')}`,
      'wait for replication to catch up and try again, or pass --force to fail over anyway (objects not yet replicated will be missing in the new active Region)',
    );
  }
  if (updates.length === 0) return { before, after: before.routes, readiness, backlog, updates };
  const after = await setRoutes(opts.aws, opts.accountId, before.arn, updates, `failover of ${opts.name} to ${opts.to}`, opts);
  return { before, after, readiness, backlog, updates };
}

/**
 * Records a failover in state, beside the routing the last apply set
 * (`lastFailover` on `mrap-routes.NAME`, which drift does not compare), so
 * `s3repl state show` tells who moved traffic where and when. False when the
 * configuration does not manage the routing (no `routes:`): nothing to record it on.
 */
export function recordFailover(session: StateSession, name: string, record: { at: string; to: string; activeBefore: string[] }): boolean {
  const address = accessPointRoutesAddress(name);
  const r = session.get(address);
  if (!r) return false;
  session.put({ ...r, attributes: { ...r.attributes, lastFailover: { at: record.at, to: record.to, activeBefore: record.activeBefore } } });
  return true;
}
