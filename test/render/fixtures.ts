/**
 * Hand-built plans for the renderer tests: what the engine would produce for
 * one source bucket `acme-logs` (us-east-1) replicating to a DR bucket that
 * s3repl creates (`acme-logs-dr`, us-west-2) and, for audit objects, to a
 * bucket in another account (`acme-audit-archive`, 444455556666).
 */
import { PLAN_FORMAT_VERSION, type AttributeChange, type DriftItem, type IamStatementChange, type Notice, type Plan, type PlanSummary, type ResourceChange } from '../../src/engine/types.js';
import type { Attrs, KindName } from '../../src/resources/types.js';
import { estimateCost } from '../../src/cost/estimate.js';
import type { RuleSpec } from '../../src/cost/model.js';
import { BUILT_IN_PRICES } from '../../src/cost/prices.js';

export const ACCOUNT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/service-role/s3repl-replication`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:replication-alerts`;
const KMS_KEY = 'arn:aws:kms:us-west-2:444455556666:key/6f1e0a3c-2b7d-4c55-9a0e-3b1f5d2c8e71';
const TAGS = { 'managed-by': 's3repl', 's3repl:lineage': '0b6f3e4a-9d2c-4f57-8a1b-2e3c4d5f6a7b' };

export function summarize(changes: readonly ResourceChange[]): PlanSummary {
  const count = (a: ResourceChange['action']) => changes.filter((c) => c.action === a).length;
  return {
    add: count('create') + count('replace'),
    change: count('update'),
    destroy: count('delete') + count('replace'),
    forget: count('forget'),
    noop: count('no-op'),
  };
}

export function makePlan(parts: Partial<Plan> & Pick<Plan, 'changes'>): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    s3replVersion: '0.1.0',
    createdAt: '2025-03-14T09:26:53.000Z',
    mode: 'apply',
    config: { path: 'replication.yaml', sha256: '9f2c4e1b7a3d5f60a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1' },
    account: ACCOUNT,
    state: { lineage: TAGS['s3repl:lineage'], serial: 7 },
    liveFingerprint: '3c1d9e7f5b2a4c6e8d0f1a3b5c7e9d2f4a6b8c0e1d3f5a7b9c2e4d6f8a0b1c3d',
    drift: [],
    iam: { broadened: false, statements: [] },
    notices: [],
    summary: summarize(parts.changes),
    ...parts,
  };
}

function rc(kind: KindName, name: string, action: ResourceChange['action'], before: Attrs | null, after: Attrs | null, extra: Partial<ResourceChange> = {}): ResourceChange {
  return { address: `${kind}.${name}`, kind, action, id: { name }, before, after, changes: [], reasons: [], dependsOn: [], ...extra };
}

// ---------------------------------------------------------------------------
// Desired attributes

const bucketDr: Attrs = {
  name: 'acme-logs-dr',
  region: 'us-west-2',
  objectLock: false,
  encryption: { sseAlgorithm: 'AES256', bucketKeyEnabled: false },
  publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
  tags: TAGS,
};
const versioning = (bucket: string, region: string): Attrs => ({ bucket, region, status: 'Enabled', mfaDelete: 'Disabled' });

const trustPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: ['s3.amazonaws.com', 'batchoperations.s3.amazonaws.com'] },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    },
  ],
};
const role: Attrs = {
  name: 's3repl-replication',
  path: '/service-role/',
  assumeRolePolicyDocument: trustPolicy,
  maxSessionDuration: 3600,
  description: 'Replication role for acme-logs, managed by s3repl',
  tags: TAGS,
};

const permissionStatements = [
  { Sid: 'SourceBucket', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: 'arn:aws:s3:::acme-logs' },
  {
    Sid: 'SourceObjects',
    Effect: 'Allow',
    Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
    Resource: 'arn:aws:s3:::acme-logs/*',
  },
  {
    Sid: 'Destinations',
    Effect: 'Allow',
    Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
    Resource: ['arn:aws:s3:::acme-logs-dr/*', 'arn:aws:s3:::acme-audit-archive/*'],
  },
  { Sid: 'ReplicaKey', Effect: 'Allow', Action: 'kms:Encrypt', Resource: KMS_KEY, Condition: { StringLike: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } } },
];
/** IAM returns policy documents as JSON strings; this one is kept as a string to show it is rendered readably. */
const rolePolicy: Attrs = {
  role: 's3repl-replication',
  name: 's3repl-replication',
  document: JSON.stringify({ Version: '2012-10-17', Statement: permissionStatements }),
};

const ruleToDr: Attrs = {
  id: 'to-dr',
  priority: 1,
  status: 'Enabled',
  filter: { prefix: '' },
  destination: {
    bucket: 'arn:aws:s3:::acme-logs-dr',
    storageClass: 'STANDARD_IA',
    replicationTime: { status: 'Enabled', minutes: 15 },
    metrics: { status: 'Enabled', eventThresholdMinutes: 15 },
  },
  deleteMarkerReplication: 'Enabled',
  existingObjectReplication: 'Enabled',
};
const ruleAudit: Attrs = {
  id: 'audit-to-archive',
  priority: 2,
  status: 'Enabled',
  filter: { prefix: 'audit/', tags: { retention: '7y' } },
  destination: {
    bucket: 'arn:aws:s3:::acme-audit-archive',
    account: '444455556666',
    storageClass: 'GLACIER_IR',
    accessControlTranslation: { owner: 'Destination' },
    encryptionConfiguration: { replicaKmsKeyId: KMS_KEY },
  },
  sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' }, replicaModifications: { status: 'Disabled' } },
  deleteMarkerReplication: 'Disabled',
  existingObjectReplication: 'Disabled',
};
const replication: Attrs = { bucket: 'acme-logs', region: 'us-east-1', role: ROLE_ARN, rules: [ruleToDr, ruleAudit] };

const alarm = (metric: string, suffix: string, threshold: number, statistic: string, comparison: string): Attrs => ({
  name: `s3repl-acme-logs-to-dr-${suffix}`,
  region: 'us-east-1',
  namespace: 'AWS/S3',
  metricName: metric,
  statistic,
  period: 60,
  evaluationPeriods: 5,
  threshold,
  comparisonOperator: comparison,
  dimensions: { SourceBucket: 'acme-logs', DestinationBucket: 'acme-logs-dr', RuleId: 'to-dr' },
  alarmActions: [TOPIC],
  okActions: [TOPIC],
  treatMissingData: 'notBreaching',
});
const latencyAlarm = alarm('ReplicationLatency', 'latency', 900, 'Maximum', 'GreaterThanThreshold');
const failedAlarm = alarm('OperationsFailedReplication', 'failed', 1, 'Sum', 'GreaterThanOrEqualToThreshold');

const job: Attrs = {
  bucket: 'acme-logs',
  region: 'us-east-1',
  rules: ['to-dr'],
  priority: 10,
  eligibleForReplication: true,
  objectReplicationStatuses: ['NONE', 'FAILED'],
  report: { bucket: 'arn:aws:s3:::acme-logs', prefix: 's3repl/batch-replication/', scope: 'FailedTasksOnly' },
  roleArn: ROLE_ARN,
};

// ---------------------------------------------------------------------------
// IAM statement changes

const trustStatement = (change: 'added' | 'removed'): IamStatementChange => ({
  change,
  address: 'role.replication',
  roleName: 's3repl-replication',
  policy: 'trust',
  effect: 'Allow',
  actions: ['sts:AssumeRole'],
  resources: [],
  principals: ['Service:s3.amazonaws.com', 'Service:batchoperations.s3.amazonaws.com'],
  conditions: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
});
const permissionChanges = (change: 'added' | 'removed'): IamStatementChange[] =>
  permissionStatements.map((s) => ({
    change,
    address: 'role.replication',
    roleName: 's3repl-replication',
    policy: 'permissions' as const,
    effect: 'Allow' as const,
    actions: ([] as string[]).concat(s.Action),
    resources: ([] as string[]).concat(s.Resource),
    principals: [],
    ...(s.Condition ? { conditions: s.Condition } : {}),
  }));

const crossAccountNotice: Notice = {
  level: 'warning',
  address: 'replication.acme-logs',
  message:
    'Rule audit-to-archive replicates to acme-audit-archive in account 444455556666, which s3repl cannot change: its owner must add this statement to the bucket policy, or replication fails with AccessDenied.',
  detail: JSON.stringify(
    {
      Sid: 'AllowReplicationFrom111122223333',
      Effect: 'Allow',
      Principal: { AWS: ROLE_ARN },
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
      Resource: 'arn:aws:s3:::acme-audit-archive/*',
    },
    null,
    2,
  ),
};

// ---------------------------------------------------------------------------
// The plans

/** An empty account: everything is created. */
export function createAllPlan(): Plan {
  const changes = [
    rc('bucket', 'acme-logs-dr', 'create', null, bucketDr),
    rc('versioning', 'acme-logs', 'create', null, versioning('acme-logs', 'us-east-1')),
    rc('versioning', 'acme-logs-dr', 'create', null, versioning('acme-logs-dr', 'us-west-2'), { dependsOn: ['bucket.acme-logs-dr'] }),
    rc('role', 'replication', 'create', null, role),
    rc('role-policy', 'replication', 'create', null, rolePolicy, { dependsOn: ['role.replication'] }),
    rc('replication', 'acme-logs', 'create', null, replication, {
      dependsOn: ['versioning.acme-logs', 'versioning.acme-logs-dr', 'role-policy.replication'],
    }),
    rc('alarm', 'acme-logs.to-dr.latency', 'create', null, latencyAlarm),
    rc('alarm', 'acme-logs.to-dr.failed', 'create', null, failedAlarm),
    rc('job', 'acme-logs.to-dr', 'create', null, job, {
      reasons: ['rule to-dr sets existingObjects: replicate; a Batch Replication job copies the objects already in acme-logs'],
      dependsOn: ['replication.acme-logs'],
    }),
  ];
  return makePlan({
    changes,
    iam: { broadened: true, statements: [trustStatement('added'), ...permissionChanges('added')] },
    notices: [
      crossAccountNotice,
      { level: 'info', message: 'Replication Time Control (rule to-dr) is billed per GB replicated.' },
    ],
    state: { lineage: null, serial: 0 },
  });
}

const NOOP_ALL = (): ResourceChange[] => [
  rc('bucket', 'acme-logs-dr', 'no-op', bucketDr, bucketDr),
  rc('versioning', 'acme-logs', 'no-op', versioning('acme-logs', 'us-east-1'), versioning('acme-logs', 'us-east-1')),
  rc('versioning', 'acme-logs-dr', 'no-op', versioning('acme-logs-dr', 'us-west-2'), versioning('acme-logs-dr', 'us-west-2')),
  rc('role', 'replication', 'no-op', role, role),
  rc('role-policy', 'replication', 'no-op', rolePolicy, rolePolicy),
  rc('replication', 'acme-logs', 'no-op', replication, replication),
  rc('alarm', 'acme-logs.to-dr.latency', 'no-op', latencyAlarm, latencyAlarm),
  rc('alarm', 'acme-logs.to-dr.failed', 'no-op', failedAlarm, failedAlarm),
];

/** Everything matches. */
export function noopPlan(): Plan {
  return makePlan({ changes: NOOP_ALL() });
}

/** One attribute of one rule changes: the DR copy moves to Glacier Instant Retrieval. */
export function updateRulePlan(): Plan {
  const after = structuredClone(replication);
  const rules = after.rules as Attrs[];
  (rules[0]?.destination as Attrs).storageClass = 'GLACIER_IR';
  const changes = NOOP_ALL().map((c) =>
    c.address === 'replication.acme-logs'
      ? { ...c, action: 'update' as const, after, changes: [{ path: 'rules[0].destination.storageClass', kind: 'changed' as const, before: 'STANDARD_IA', after: 'GLACIER_IR' }] }
      : c,
  );
  return makePlan({ changes });
}

/** The replication was removed from the configuration: what s3repl created goes; buckets are only forgotten. */
export function deletePlan(): Plan {
  const forgetReason = 's3repl never deletes buckets or their versioning; delete it yourself if it is no longer needed';
  const changes = [
    rc('job', 'acme-logs.to-dr', 'forget', job, null, { reasons: ['Batch Replication jobs cannot be deleted; the completed job is dropped from state'] }),
    rc('alarm', 'acme-logs.to-dr.failed', 'delete', failedAlarm, null),
    rc('alarm', 'acme-logs.to-dr.latency', 'delete', latencyAlarm, null),
    rc('replication', 'acme-logs', 'delete', replication, null),
    rc('role-policy', 'replication', 'delete', rolePolicy, null),
    rc('role', 'replication', 'delete', role, null),
    rc('versioning', 'acme-logs-dr', 'forget', versioning('acme-logs-dr', 'us-west-2'), null, { reasons: [forgetReason] }),
    rc('versioning', 'acme-logs', 'forget', versioning('acme-logs', 'us-east-1'), null, { reasons: [forgetReason] }),
    rc('bucket', 'acme-logs-dr', 'forget', bucketDr, null, { reasons: [forgetReason] }),
  ];
  return makePlan({ changes, iam: { broadened: false, statements: [trustStatement('removed'), ...permissionChanges('removed')] } });
}

/** Someone suspended versioning on the DR bucket, deleted an alarm and widened the role policy by hand. */
export function driftPlan(): Plan {
  const handEdited = JSON.stringify({
    Version: '2012-10-17',
    Statement: [...permissionStatements, { Sid: 'Debug', Effect: 'Allow', Action: 's3:*', Resource: '*' }],
  });
  const suspended = { ...versioning('acme-logs-dr', 'us-west-2'), status: 'Suspended' };
  const statusChange: AttributeChange = { path: 'status', kind: 'changed', before: 'Enabled', after: 'Suspended' };
  const documentChange: AttributeChange = { path: 'document', kind: 'changed', before: rolePolicy.document, after: handEdited };
  const drift: DriftItem[] = [
    { address: 'versioning.acme-logs-dr', kind: 'versioning', status: 'changed', changes: [statusChange] },
    { address: 'alarm.acme-logs.to-dr.failed', kind: 'alarm', status: 'vanished', changes: [] },
    { address: 'role-policy.replication', kind: 'role-policy', status: 'changed', changes: [documentChange] },
  ];
  const changes = NOOP_ALL().map((c): ResourceChange => {
    switch (c.address) {
      case 'versioning.acme-logs-dr':
        return { ...c, action: 'update', before: suspended, changes: [{ ...statusChange, before: 'Suspended', after: 'Enabled' }], reasons: ['changed outside s3repl'] };
      case 'alarm.acme-logs.to-dr.failed':
        return { ...c, action: 'create', before: null, reasons: ['deleted outside s3repl; it will be created again'] };
      case 'role-policy.replication':
        return {
          ...c,
          action: 'update',
          before: { ...rolePolicy, document: handEdited },
          changes: [{ ...documentChange, before: handEdited, after: rolePolicy.document }],
          reasons: ['changed outside s3repl'],
        };
      default:
        return c;
    }
  });
  return makePlan({
    changes,
    drift,
    iam: {
      broadened: false,
      statements: [
        { change: 'removed', address: 'role.replication', roleName: 's3repl-replication', policy: 'permissions', effect: 'Allow', actions: ['s3:*'], resources: ['*'], principals: [] },
      ],
    },
  });
}

/** A third rule to a backup bucket in another account: the role may now replicate there and use its KMS key. */
export function iamBroadeningPlan(): Plan {
  const backupRule: Attrs = {
    id: 'to-backup',
    priority: 3,
    status: 'Enabled',
    filter: { prefix: '' },
    destination: { bucket: 'arn:aws:s3:::acme-logs-backup', account: '777788889999', storageClass: 'DEEP_ARCHIVE', accessControlTranslation: { owner: 'Destination' } },
    deleteMarkerReplication: 'Disabled',
    existingObjectReplication: 'Disabled',
  };
  const after = { ...replication, rules: [ruleToDr, ruleAudit, backupRule] };
  const newStatement = {
    Sid: 'Backup',
    Effect: 'Allow',
    Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
    Resource: 'arn:aws:s3:::acme-logs-backup/*',
  };
  const kmsAny = { Sid: 'BackupKey', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: '*', Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } };
  const newDocument = JSON.stringify({ Version: '2012-10-17', Statement: [...permissionStatements, newStatement, kmsAny] });
  const changes = NOOP_ALL().map((c): ResourceChange => {
    switch (c.address) {
      case 'replication.acme-logs':
        return { ...c, action: 'update', after, changes: [{ path: 'rules[2]', kind: 'added', after: backupRule }] };
      case 'role-policy.replication':
        return { ...c, action: 'update', after: { ...rolePolicy, document: newDocument }, changes: [{ path: 'document', kind: 'changed', before: rolePolicy.document, after: newDocument }] };
      default:
        return c;
    }
  });
  changes.push(
    rc('job', 'acme-logs.to-dr', 'replace', job, { ...job, rules: ['to-dr', 'to-backup'] }, {
      changes: [{ path: 'rules[1]', kind: 'added', after: 'to-backup' }],
      reasons: ['a Batch Replication job cannot be changed once created; a new job replaces it'],
    }),
  );
  return makePlan({
    changes,
    iam: {
      broadened: true,
      statements: [
        {
          change: 'added',
          address: 'role.replication',
          roleName: 's3repl-replication',
          policy: 'permissions',
          effect: 'Allow',
          actions: newStatement.Action,
          resources: [newStatement.Resource],
          principals: [],
        },
        {
          change: 'added',
          address: 'role.replication',
          roleName: 's3repl-replication',
          policy: 'permissions',
          effect: 'Allow',
          actions: kmsAny.Action,
          resources: ['*'],
          principals: [],
          conditions: kmsAny.Condition,
        },
      ],
    },
    notices: [{ level: 'warning', address: 'role-policy.replication', message: 'kms:Encrypt and kms:GenerateDataKey are granted on every key (Resource "*"); name the backup key in replicaKmsKey to narrow it.' }],
  });
}

/**
 * 333 source buckets, each replicating to a DR bucket s3repl creates, sharing
 * one role: 2 + 333 × 6 = 2,000 resources, all created.
 */
export function hugePlan(pairs = 333): Plan {
  const changes: ResourceChange[] = [rc('role', 'replication', 'create', null, role), rc('role-policy', 'replication', 'create', null, rolePolicy)];
  const sources: string[] = [];
  const destinations: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const src = `acme-tenant-${String(i).padStart(4, '0')}-logs`;
    const dst = `${src}-dr`;
    sources.push(src);
    destinations.push(dst);
    changes.push(
      rc('bucket', dst, 'create', null, { ...bucketDr, name: dst }),
      rc('versioning', src, 'create', null, versioning(src, 'us-east-1')),
      rc('versioning', dst, 'create', null, versioning(dst, 'us-west-2')),
      rc('replication', src, 'create', null, { ...replication, bucket: src, rules: [{ ...ruleToDr, destination: { ...(ruleToDr.destination as Attrs), bucket: `arn:aws:s3:::${dst}` } }] }),
      rc('alarm', `${src}.to-dr.latency`, 'create', null, { ...latencyAlarm, name: `s3repl-${src}-to-dr-latency` }),
      rc('alarm', `${src}.to-dr.failed`, 'create', null, { ...failedAlarm, name: `s3repl-${src}-to-dr-failed` }),
    );
  }
  const perm = (actions: string[], resources: string[]): IamStatementChange => ({
    change: 'added',
    address: 'role.replication',
    roleName: 's3repl-replication',
    policy: 'permissions',
    effect: 'Allow',
    actions,
    resources,
    principals: [],
  });
  return makePlan({
    changes,
    iam: {
      broadened: true,
      statements: [
        trustStatement('added'),
        perm(['s3:GetReplicationConfiguration', 's3:ListBucket'], sources.map((s) => `arn:aws:s3:::${s}`)),
        perm(['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], sources.map((s) => `arn:aws:s3:::${s}/*`)),
        perm(['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], destinations.map((d) => `arn:aws:s3:::${d}/*`)),
      ],
    },
    state: { lineage: null, serial: 0 },
  });
}

/**
 * RTC added to the DR rule (1 TB written a month), and a new rule backfilling a
 * same-region copy of a bucket of 10 million objects: the plan with its cost.
 */
export function costPlan(): Plan {
  const dr: RuleSpec = {
    source: 'acme-logs',
    sourceRegion: 'us-east-1',
    ruleId: 'to-dr',
    destination: 'acme-logs-dr',
    destinationRegion: 'us-west-2',
    storageClass: 'STANDARD_IA',
    enabled: true,
    rtc: false,
    metrics: false,
    sseKms: false,
    filter: { prefix: '', tags: {} },
    alarms: 2,
    backfilled: false,
  };
  const copy: RuleSpec = { ...dr, ruleId: 'to-copy', destination: 'acme-logs-copy', destinationRegion: 'us-east-1', storageClass: null, alarms: 0, backfilled: true };
  const cost = estimateCost(
    {
      before: [dr],
      after: [{ ...dr, rtc: true, metrics: true }, copy],
      backfills: [{ source: 'acme-logs', ruleId: 'to-copy' }],
      usage: {
        'acme-logs': {
          storedGB: 4096,
          objects: 10_000_000,
          monthlyWriteGB: 1024,
          monthlyWrites: 2_000_000,
          notes: ['storedGB from CloudWatch BucketSizeBytes (all storage types), daily average of 2025-03-13', 'monthlyWriteGB 1024 from usage in the configuration'],
        },
      },
    },
    BUILT_IN_PRICES,
  );
  return { ...updateRulePlan(), cost };
}

export const ALL_FIXTURES: Record<string, () => Plan> = {
  createAll: createAllPlan,
  updateRule: updateRulePlan,
  delete: deletePlan,
  noop: noopPlan,
  drift: driftPlan,
  iamBroadening: iamBroadeningPlan,
  cost: costPlan,
  huge: () => hugePlan(),
};
