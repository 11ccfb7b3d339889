/**
 * What a managed role needs for Batch Replication on a rule's source bucket
 * (docs/aws-behaviour.md, "Batch Replication: permissions"), for backfills and
 * `retry-failed` alike: any job on the bucket covers the objects of the bucket's
 * whole replication configuration, so each rule's prefix. Initiate replication
 * on those objects, read the replication configuration and put the inventory
 * configuration (the generated manifest), write the completion report.
 */
import { bucketArn, objectsArn } from '../arn.js';
import type { Grant, GrantContext, RoleUse } from '../types.js';

export function roleGrants({ source, rule }: RoleUse, { config, objects }: GrantContext): Grant[] {
  const report = config.jobs.reportBucket ?? source.name;
  return [
    { actions: ['s3:InitiateReplication'], resource: objects(source.name, rule.filter.prefix ?? '') },
    { actions: ['s3:GetReplicationConfiguration', 's3:PutInventoryConfiguration'], resource: bucketArn(source.name) },
    { actions: ['s3:PutObject'], resource: objectsArn(report, `${config.jobs.reportPrefix.replace(/\/+$/, '')}/`) },
  ];
}
