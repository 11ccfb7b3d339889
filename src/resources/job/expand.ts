/**
 * One S3 Batch Replication job per source bucket whose enabled rules include
 * one with `existingObjects: replicate` (docs/aws-behaviour.md, "Batch
 * Replication: the generated manifest"): S3 builds a job's manifest from the
 * bucket's whole replication configuration and replicates each object by every
 * rule it matches, so a job per rule would cover the same objects twice. The
 * job is narrowed with KeyNameConstraint to the longest prefix the asking rules
 * share; rules that did not ask but match objects under it are covered too, and
 * the plan says so. It includes COMPLETED objects only when one of its
 * destinations is new to the bucket's live replication configuration while
 * another destination was already replicated to (docs/aws-behaviour.md,
 * "Batch Replication: COMPLETED objects"): an object replicated there is
 * COMPLETED without having reached the new one. That needs the live
 * configuration, so `settleJob` decides it once the plan has read AWS.
 */
import { createHash } from 'node:crypto';
import type { RuleConfig } from '../../config/types.js';
import type { Attrs, DesiredResource, ExpandContext, SettleContext } from '../types.js';
import { roleArnFor } from '../role/expand.js';
import { replicationAddress } from '../replication/expand.js';

export const jobAddress = (source: string): string => `job.${source}`;

export interface BackfillShape {
  /** Rules with existingObjects: replicate (enabled). */
  asked: string[];
  /** Enabled rules that did not ask but whose objects the job covers. */
  alsoCovered: string[];
  /** KeyNameConstraint.MatchAnyPrefix (one prefix), or '' for the whole bucket. */
  keyPrefix: string;
  statuses: Array<'NONE' | 'FAILED' | 'COMPLETED'>;
  destinations: string[];
}

/**
 * The token is derived from what the configuration says shapes the job: change
 * any of it and a new job runs. Not from its statuses, which depend on what
 * the bucket replicated to before the job (so they differ once it ran).
 */
export function jobToken(source: string, shape: Pick<BackfillShape, 'asked' | 'keyPrefix' | 'destinations'>): string {
  const text = [source, shape.asked.join(','), shape.keyPrefix, shape.destinations.join(',')].join('\n');
  return `s3repl-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}

function commonPrefix(prefixes: string[]): string {
  if (prefixes.length === 0) return '';
  let p = prefixes[0]!;
  for (const q of prefixes.slice(1)) while (!q.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** What a backfill of `rules` (a source's rules) covers, or null when no enabled rule asks. */
export function backfillShape(rules: readonly RuleConfig[]): BackfillShape | null {
  const enabled = rules.filter((r) => r.status === 'enabled');
  const asking = enabled.filter((r) => r.existingObjects === 'replicate');
  if (asking.length === 0) return null;
  const keyPrefix = commonPrefix(asking.map((r) => r.filter.prefix ?? ''));
  const overlaps = (p: string) => p.startsWith(keyPrefix) || keyPrefix.startsWith(p);
  const alsoCovered = enabled.filter((r) => r.existingObjects !== 'replicate' && overlaps(r.filter.prefix ?? '')).map((r) => r.id);
  const destinations = [...new Set(enabled.map((r) => r.destination.bucket))].sort();
  // COMPLETED is added by settleJob when a destination is new to the live configuration.
  return { asked: asking.map((r) => r.id), alsoCovered, keyPrefix, statuses: ['NONE', 'FAILED'], destinations };
}

export function expandJobs({ config, accountId, notice }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    const shape = backfillShape(rep.rules);
    if (!shape) continue;
    const token = jobToken(rep.source, shape);
    const address = jobAddress(rep.source);
    if (shape.alsoCovered.length > 0) {
      notice({
        level: 'info',
        address,
        message:
          `the backfill of ${rep.source} also replicates existing objects of rule${shape.alsoCovered.length === 1 ? '' : 's'} ${shape.alsoCovered.join(', ')}, which did not ask for it (existingObjects): ` +
          `a Batch Replication job replicates each object by the bucket's whole replication configuration, and S3 can narrow it only to one key prefix` +
          (shape.keyPrefix ? ` (here "${shape.keyPrefix}", the prefix the backfilling rules share)` : ' (the backfilling rules share none, so the job covers the whole bucket)'),
      });
    }
    out.push({
      address,
      kind: 'job',
      id: { token, region: source.region },
      attributes: {
        token,
        source: rep.source,
        rules: shape.asked,
        alsoCovered: shape.alsoCovered,
        keyPrefix: shape.keyPrefix,
        statuses: shape.statuses,
        destinations: shape.destinations,
        roleArn: roleArnFor(config, rep.role, accountId),
        reportBucket: config.jobs.reportBucket ?? rep.source,
        reportPrefix: config.jobs.reportPrefix,
        priority: config.jobs.priority,
      },
      // S3 refuses a Batch Replication job on a bucket without a replication configuration.
      dependsOn: [replicationAddress(rep.source)],
    });
  }
  return out;
}

const S3_ARN = 'arn:aws:s3:::';

/** Destinations of the enabled rules of a replication resource's attributes (live or applied). */
function replicatingTo(attrs: Attrs | null | undefined): Set<string> {
  const rules = (attrs?.rules ?? {}) as Record<string, { status?: string; destination?: { bucket?: string } }>;
  const out = new Set<string>();
  for (const r of Object.values(rules)) {
    const bucket = r.destination?.bucket;
    if (r.status === 'Enabled' && bucket) out.add(bucket.startsWith(S3_ARN) ? bucket.slice(S3_ARN.length) : bucket);
  }
  return out;
}

/**
 * Whether a backfill about to be created must include COMPLETED objects: when
 * one of its destinations is new and the bucket already replicated to another
 * destination, whose objects are COMPLETED without having reached the new one
 * (docs/aws-behaviour.md, "Batch Replication: COMPLETED objects"). "Already
 * replicated to" is the live replication configuration's enabled rules (the
 * state's record when it was deleted by hand); "new" is a destination not
 * among them, or one the last backfill recorded in the state did not cover
 * (an apply that wrote the configuration but stopped before starting the job).
 * A job that already exists is left as it is.
 */
export function settleJob(d: DesiredResource, { live, applied, notice }: SettleContext): DesiredResource {
  if (live(d.address)) return d;
  const source = d.attributes.source as string;
  const repl = replicationAddress(source);
  const current = live(repl);
  const before = replicatingTo(current ?? applied(repl));
  const destinations = d.attributes.destinations as string[];
  const priorJob = applied(d.address)?.destinations as string[] | undefined;
  const fresh = destinations.filter((x) => !before.has(x) || (priorJob !== undefined && !priorJob.includes(x)));
  const already = [...before].filter((x) => !fresh.includes(x)).sort();
  if (fresh.length === 0 || already.length === 0) return d;
  notice({
    level: 'info',
    address: d.address,
    message:
      `the backfill of ${source} includes objects already COMPLETED: ${fresh.join(', ')} ${fresh.length === 1 ? 'is' : 'are'} new to its replication configuration, ` +
      `which already replicates to ${already.join(', ')}; an object replicated there is COMPLETED without having reached ${fresh.length === 1 ? 'the new destination' : 'the new destinations'}. ` +
      'Such objects are copied again to every destination they match',
  });
  return { ...d, attributes: { ...d.attributes, statuses: ['NONE', 'FAILED', 'COMPLETED'] } };
}
