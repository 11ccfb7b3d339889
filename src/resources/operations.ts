/**
 * The domain operations that code outside src/resources/ (health, failover,
 * failures, import) needs from kinds. This module is the one door from there
 * into a kind folder: nothing outside src/resources/ imports a kind folder (a
 * registry test fails when something does). A kind whose AWS calls another
 * part of s3repl needs exports them here; see docs/adding-a-kind.md.
 */

/** CloudWatch alarms s3repl manages (status reads their states). */
export { describeMetricAlarms } from './alarm/index.js';

/** S3 Batch Replication jobs (status of jobs, `retry-failed`). */
export { createReplicationJob, JOB_DESCRIPTION_PREFIX, listS3replJobs, TERMINAL_JOB_STATUSES, type ReplicationJobSpec } from './job/index.js';

/** Where `retry-failed --from-events` writes its CSV manifests (the role grants read it). */
export { manifestPrefix } from './bucket-notification/grants.js';

/** Multi-Region Access Points: reading one, its routes, and changing them (status, failover). */
export { accessPointArn, getAccessPoint, readRoutes, setRoutes, type Route, type WaitOptions } from './mrap/api.js';

/** The address of the resource that records an access point's routing (and its last failover). */
export { mrapRoutesAddress as accessPointRoutesAddress } from './mrap-routes/index.js';

/** `s3repl import`: reading what exists (discover) and the addresses and tags of what it generates. */
export { readEncryption } from './bucket/index.js';
export { readReplicationDocument, fromAws, replicationAddress, type NormalRule } from './replication/index.js';
export { listInlinePolicyNames, readInlinePolicy, readRoleDocument, LINEAGE_TAG, MANAGED_BY_TAG, roleAddress } from './role/index.js';
export { POLICY_NAME, rolePolicyAddress } from './role-policy/index.js';
export { alarmAddress } from './alarm/index.js';
