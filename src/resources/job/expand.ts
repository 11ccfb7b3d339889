/**
 * One S3 Batch Replication job per source bucket whose enabled rules include
 * one with `existingObjects: replicate` (docs/aws-behaviour.md, "Batch
 * Replication: the generated manifest"): S3 builds a job's manifest from the
 * bucket's whole replication configuration and replicates each object by every
 * rule it matches, so a job per rule would cover the same objects twice. The
 * job is narrowed with KeyNameConstraint to the longest prefix the asking rules
 * share; rules that did not ask but match objects under it are covered too, and
 * the plan says so. With several destinations it includes COMPLETED objects,
 * which another destination's replication marks COMPLETED before they ever
 * reached a destination new to the configuration.
 */
import { createHash } from 'node:crypto';
import type { RuleConfig } from '../../config/types.js';
import type { DesiredResource, ExpandContext } from '../types.js';
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

/** The token is derived from everything that shapes the job: change any of it and a new job runs. */
export function jobToken(source: string, shape: Pick<BackfillShape, 'asked' | 'keyPrefix' | 'statuses' | 'destinations'>): string {
  const text = [source, shape.asked.join(','), shape.keyPrefix, shape.statuses.join(','), shape.destinations.join(',')].join('\n');
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
  const statuses: BackfillShape['statuses'] = destinations.length > 1 ? ['NONE', 'FAILED', 'COMPLETED'] : ['NONE', 'FAILED'];
  return { asked: asking.map((r) => r.id), alsoCovered, keyPrefix, statuses, destinations };
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
    if (shape.statuses.includes('COMPLETED')) {
      notice({
        level: 'info',
        address,
        message:
          `the backfill of ${rep.source} includes objects already COMPLETED: with several destinations (${shape.destinations.join(', ')}) an object is COMPLETED once it reached the destinations of its time, ` +
          'so one that never reached a destination new to the configuration is COMPLETED too; such objects are copied again to every destination they match',
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
