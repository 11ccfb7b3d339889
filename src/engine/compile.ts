/**
 * Config → the desired resources, in their normalised shape. Pure: the only
 * inputs besides the config are the caller's account id and the state lineage
 * (for ownership tags).
 */
import type { BucketConfig, Config, RuleConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { bucketArn, parseRoleArn, roleArn } from '../resources/arn.js';
import { kindOf } from '../resources/index.js';
import type { NormalReplication, NormalRule } from '../resources/replication.js';
import { LINEAGE_TAG, MANAGED_BY_TAG } from '../resources/role.js';
import { POLICY_NAME } from '../resources/role-policy.js';
import { ALARM_DESCRIPTION_PREFIX } from '../resources/alarm.js';
import { jobToken } from '../resources/job.js';
import type { Attrs, DesiredResource, Json, KindName, ResourceId } from '../resources/types.js';
import { permissionsPolicy, rolesUses, trustPolicy } from './policy.js';
import type { Notice } from './types.js';

export interface Compiled {
  resources: DesiredResource[];
  notices: Notice[];
  /** Buckets that must already exist (not `create: true`), checked after reading versioning. */
  mustExist: Array<{ bucket: string; region: string; versioningAddress: string }>;
}

export const address = {
  bucket: (name: string) => `bucket.${name}`,
  versioning: (name: string) => `versioning.${name}`,
  role: (key: string) => `role.${key}`,
  rolePolicy: (key: string) => `role-policy.${key}`,
  replication: (source: string) => `replication.${source}`,
  alarm: (source: string, ruleId: string, metric: string) => `alarm.${source}.${ruleId}.${metric}`,
  job: (source: string, ruleId: string) => `job.${source}.${ruleId}`,
};

/** The alarm metrics s3repl knows: threshold key → CloudWatch metric and comparison. */
export const ALARM_METRICS = [
  { key: 'latencySeconds', suffix: 'latency', metric: 'ReplicationLatency', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'ignore' },
  // No datapoint means nothing failed or is pending: missing data is not breaching.
  { key: 'failedOperations', suffix: 'failed-operations', metric: 'OperationsFailedReplication', statistic: 'Sum', op: 'GreaterThanOrEqualToThreshold', missing: 'notBreaching' },
  { key: 'pendingBytes', suffix: 'pending-bytes', metric: 'BytesPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching' },
  { key: 'pendingOperations', suffix: 'pending-operations', metric: 'OperationsPendingReplication', statistic: 'Maximum', op: 'GreaterThanThreshold', missing: 'notBreaching' },
] as const;

export function alarmName(config: Config, source: string, ruleId: string, suffix: string): string {
  return `${config.alarms.namePrefix}-${source}-${ruleId}-${suffix}`.slice(0, 255);
}

export function compile(config: Config, opts: { accountId: string; lineage: string }): Compiled {
  const resources: DesiredResource[] = [];
  const notices: Notice[] = [];
  const mustExist: Compiled['mustExist'] = [];
  const ours = (b: BucketConfig) => !b.account || b.account === opts.accountId;
  const push = (kind: KindName, addr: string, id: ResourceId, attributes: Attrs, dependsOn: string[] = []) =>
    resources.push({ address: addr, kind, id, attributes: kindOf(kind).normalize(attributes), dependsOn });

  // Buckets and their versioning: every bucket that takes part in replication.
  const used = new Set<string>();
  for (const rep of config.replications) {
    used.add(rep.source);
    for (const r of rep.rules) used.add(r.destination.bucket);
  }
  // The bucket for Batch Replication reports, when s3repl is asked to create it (an existing one is left as it is).
  const reportBucket = config.jobs.reportBucket;
  if (reportBucket && config.buckets[reportBucket]?.create) used.add(reportBucket);
  for (const name of [...used].sort()) {
    const b = config.buckets[name]!;
    if (!ours(b)) {
      if (b.create) {
        throw new UserError(
          `bucket ${name} is in account ${b.account}, but the credentials are for account ${opts.accountId}: s3repl cannot create it`,
          `create it from account ${b.account}, or remove create: true`,
        );
      }
      continue;
    }
    const id = { bucket: name, region: b.region };
    if (b.create) push('bucket', address.bucket(name), id, { region: b.region, objectLock: b.objectLock });
    else mustExist.push({ bucket: name, region: b.region, versioningAddress: address.versioning(name) });
    push('versioning', address.versioning(name), id, { status: 'Enabled' }, b.create ? [address.bucket(name)] : []);
  }

  // Roles s3repl manages, each with the policy its rules need.
  const uses = rolesUses(config);
  const roleArns = new Map<string, string>();
  for (const [key, role] of Object.entries(config.roles)) {
    if (!role.managed) {
      roleArns.set(key, role.arn);
      const parsed = parseRoleArn(role.arn);
      if (parsed && parsed.account !== opts.accountId) {
        notices.push({
          level: 'warning',
          address: address.role(key),
          message: `role ${role.arn} is in account ${parsed.account}, not ${opts.accountId}: S3 replication needs a role in the source bucket's account`,
        });
      }
      continue;
    }
    const arn = roleArn(opts.accountId, role.path, role.name);
    roleArns.set(key, arn);
    const roleUses = uses.get(key) ?? [];
    push('role', address.role(key), { roleName: role.name }, {
      name: role.name,
      path: role.path,
      arn,
      trustPolicy: trustPolicy(roleUses, opts.accountId) as unknown as Json,
      permissionsBoundary: role.permissionsBoundary ?? null,
      tags: { ...config.defaults.tags, [MANAGED_BY_TAG]: 's3repl', [LINEAGE_TAG]: opts.lineage },
    });
    const doc = permissionsPolicy(roleUses, config);
    if (doc) {
      checkPolicySize(key, role.name, doc, roleUses.length);
      push('role-policy', address.rolePolicy(key), { roleName: role.name, policyName: POLICY_NAME }, { document: doc as unknown as Json }, [
        address.role(key),
      ]);
    }
  }

  // Replication configurations, one per source bucket, and the alarms on their rules.
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    const rules: Record<string, NormalRule> = {};
    for (const rule of rep.rules) rules[rule.id] = normalRule(rule, config);
    const attrs: NormalReplication = { role: roleArns.get(rep.role)!, format: 'V2', rules };
    const deps = [
      address.versioning(rep.source),
      ...rep.rules.map((r) => address.versioning(r.destination.bucket)),
      ...(config.roles[rep.role]?.managed ? [address.role(rep.role), address.rolePolicy(rep.role)] : []),
    ];
    const repAddr = address.replication(rep.source);
    push('replication', repAddr, { bucket: rep.source, region: source.region }, attrs as unknown as Attrs, [...new Set(deps)]);

    for (const rule of rep.rules) {
      const dest = config.buckets[rule.destination.bucket]!;
      if (!ours(dest)) notices.push(crossAccountNotice(rule, dest, roleArns.get(rep.role)!, repAddr));
      if (rule.existingObjects === 'replicate' && rule.status === 'enabled') {
        const token = jobToken(rep.source, rule.id, dest.name);
        push('job', address.job(rep.source, rule.id), { token, region: source.region }, {
          token,
          source: rep.source,
          ruleId: rule.id,
          destination: dest.name,
          roleArn: roleArns.get(rep.role)!,
          reportBucket: config.jobs.reportBucket ?? rep.source,
          reportPrefix: config.jobs.reportPrefix,
          priority: config.jobs.priority,
        }, [repAddr]);
      }
      if (!rule.alarms) continue;
      for (const m of ALARM_METRICS) {
        const threshold = rule.alarms[m.key];
        if (threshold === undefined) continue;
        const name = alarmName(config, rep.source, rule.id, m.suffix);
        push('alarm', address.alarm(rep.source, rule.id, m.suffix), { alarmName: name, region: source.region }, {
          name,
          description: `${ALARM_DESCRIPTION_PREFIX} ${m.metric} of replication rule ${rule.id} (${rep.source} → ${dest.name})`,
          namespace: 'AWS/S3',
          metricName: m.metric,
          dimensions: { SourceBucket: rep.source, DestinationBucket: dest.name, RuleId: rule.id },
          statistic: m.statistic,
          period: 60,
          evaluationPeriods: config.alarms.evaluationPeriods,
          datapointsToAlarm: null,
          threshold,
          comparisonOperator: m.op,
          treatMissingData: m.missing,
          alarmActions: rule.alarms.notify,
          okActions: rule.alarms.notify,
        }, [repAddr]);
      }
    }
  }
  return { resources, notices, mustExist };
}

function normalRule(rule: RuleConfig, config: Config): NormalRule {
  const dest = config.buckets[rule.destination.bucket]!;
  return {
    priority: rule.priority,
    status: rule.status === 'enabled' ? 'Enabled' : 'Disabled',
    filter: { prefix: rule.filter.prefix ?? '', tags: rule.filter.tags },
    destination: {
      bucket: bucketArn(dest.name),
      account: rule.destination.account ?? null,
      storageClass: rule.destination.storageClass ?? null,
      ownerOverride: rule.destination.ownerOverride,
      replicaKmsKeyId: rule.encryption?.replicaKmsKey ?? null,
    },
    deleteMarkers: rule.deleteMarkers,
    replicaModifications: rule.replicaModifications,
    sseKmsEncryptedObjects: rule.encryption?.sseKms ?? false,
    rtc: rule.rtc,
    metrics: rule.metrics,
  };
}

/** What the destination account must grant, shown in the plan for its owners to apply. */
function crossAccountNotice(rule: RuleConfig, dest: BucketConfig, role: string, addr: string): Notice {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'S3replReplicateObjects',
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: [
          's3:ReplicateObject',
          's3:ReplicateDelete',
          's3:ReplicateTags',
          ...(rule.destination.ownerOverride ? ['s3:ObjectOwnerOverrideToBucketOwner'] : []),
        ],
        Resource: `${bucketArn(dest.name)}/*`,
      },
      {
        Sid: 'S3replBucketVersioning',
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: ['s3:List*', 's3:GetBucketVersioning', 's3:PutBucketVersioning'],
        Resource: bucketArn(dest.name),
      },
    ],
  };
  return {
    level: 'info',
    address: addr,
    message: `rule ${rule.id} replicates to ${dest.name} in account ${dest.account}: s3repl does not manage that bucket; its owners must keep versioning enabled and grant the role this bucket policy`,
    detail: JSON.stringify(policy, null, 2),
  };
}

/** IAM's quota for a role's inline policies together, counted without white space. */
export const INLINE_POLICY_LIMIT = 10_240;

/** Caught at plan time rather than as LimitExceeded halfway through an apply. */
function checkPolicySize(key: string, name: string, doc: unknown, rules: number): void {
  const size = JSON.stringify(doc).replace(/\s+/g, '').length;
  if (size <= INLINE_POLICY_LIMIT) return;
  throw new UserError(
    `the policy s3repl generates for role ${key} (${name}) is ${size} characters, over IAM's ${INLINE_POLICY_LIMIT}-character limit for a role's inline policies (${rules} rules use it)`,
    'split the replications across several roles under roles: (e.g. one per team or per group of buckets)',
  );
}
