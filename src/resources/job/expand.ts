/** One S3 Batch Replication job per enabled rule with `existingObjects: replicate`. */
import { createHash } from 'node:crypto';
import type { DesiredResource, ExpandContext } from '../types.js';
import { roleArnFor } from '../role/expand.js';
import { replicationAddress } from '../replication/expand.js';

export const jobAddress = (source: string, ruleId: string): string => `job.${source}.${ruleId}`;

export function jobToken(source: string, ruleId: string, destination: string): string {
  return `s3repl-${createHash('sha256').update(`${source}\n${ruleId}\n${destination}`).digest('hex').slice(0, 40)}`;
}

export function expandJobs({ config, accountId }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    for (const rule of rep.rules) {
      if (rule.existingObjects !== 'replicate' || rule.status !== 'enabled') continue;
      const dest = config.buckets[rule.destination.bucket]!;
      const token = jobToken(rep.source, rule.id, dest.name);
      out.push({
        address: jobAddress(rep.source, rule.id),
        kind: 'job',
        id: { token, region: source.region },
        attributes: {
          token,
          source: rep.source,
          ruleId: rule.id,
          destination: dest.name,
          roleArn: roleArnFor(config, rep.role, accountId),
          reportBucket: config.jobs.reportBucket ?? rep.source,
          reportPrefix: config.jobs.reportPrefix,
          priority: config.jobs.priority,
        },
        // S3 refuses a Batch Replication job on a bucket without a replication configuration.
        dependsOn: [replicationAddress(rep.source)],
      });
    }
  }
  return out;
}
