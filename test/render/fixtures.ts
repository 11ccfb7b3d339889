import { readFileSync } from 'node:fs';
/**
 * Plans for the renderer tests. The named ones are real (REAL_PLANS); only the
 * 2,000-resource plan that tests size limits is built by hand, from the pieces
 * below.
 */
import { PLAN_FORMAT_VERSION, type IamStatementChange, type Plan, type PlanSummary, type ResourceChange } from '../../src/engine/types.js';
import type { Attrs, KindName } from '../../src/resources/types.js';
import { estimateCost } from '../../src/cost/estimate.js';
import type { RuleSpec } from '../../src/cost/model.js';
import { BUILT_IN_PRICES } from '../../src/cost/prices.js';

/**
 * Plans made by s3repl itself against the emulator (test/render/real-plans.test.ts
 * makes them and keeps them current): the renderer tests read these.
 */
const REAL_PLAN_NAMES = ['createAll', 'noop', 'updateRule', 'replace', 'iamBroadening', 'delete', 'drift', 'adopt', 'crossAccount'] as const;
export type RealPlanName = (typeof REAL_PLAN_NAMES)[number];
export const REAL_PLANS = Object.fromEntries(
  REAL_PLAN_NAMES.map((name) => [name, (): Plan => JSON.parse(readFileSync(new URL(`plans/${name}.json`, import.meta.url), 'utf8')) as Plan]),
) as Record<RealPlanName, () => Plan>;

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
    adopt: count('adopt'),
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

export const createAllPlan = REAL_PLANS.createAll;
export const noopPlan = REAL_PLANS.noop;
export const updateRulePlan = REAL_PLANS.updateRule;
export const replacePlan = REAL_PLANS.replace;
export const deletePlan = REAL_PLANS.delete;
export const driftPlan = REAL_PLANS.drift;
export const iamBroadeningPlan = REAL_PLANS.iamBroadening;
export const adoptPlan = REAL_PLANS.adopt;

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
    usageShare: null,
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

/** The real plans, a real one with a cost estimate added, and one made up for size (2,000 resources). */
export const ALL_FIXTURES: Record<string, () => Plan> = { ...REAL_PLANS, cost: costPlan, huge: () => hugePlan() };
