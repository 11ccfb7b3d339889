/**
 * What a managed role needs for `retry-failed --from-events` on a source whose
 * replication sends its events to a queue: its Batch Replication job reads the
 * CSV manifest s3repl writes under the report prefix (docs/aws-behaviour.md,
 * "Batch Operations: a CSV manifest": "The role also needs permissions to read
 * the manifest"). The job's other needs are the job kind's grants.
 */
import { objectsArn } from '../arn.js';
import type { Config } from '../../config/types.js';
import type { Grant, GrantContext, RoleUse } from '../types.js';

/** Where retry-failed --from-events writes its CSV manifests: under the report prefix. */
export function manifestPrefix(config: Config): string {
  return `${config.jobs.reportPrefix.replace(/\/+$/, '')}/manifests`;
}

export function roleGrants({ source }: RoleUse, { config }: GrantContext): Grant[] {
  const report = config.jobs.reportBucket;
  if (!report) return [];
  const sendsToQueue = config.replications.some((r) => r.source === source.name && r.events?.some((e) => e.destination.type === 'queue'));
  return sendsToQueue ? [{ actions: ['s3:GetObject', 's3:GetObjectVersion'], resource: objectsArn(report, `${manifestPrefix(config)}/`) }] : [];
}
