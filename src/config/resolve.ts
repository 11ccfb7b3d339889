/**
 * From a schema-valid document to the resolved `Config`: every default filled
 * in (regions, priorities, metrics, notify lists, destination accounts, the
 * state path). Pure; the AWS-rule checks run on its result.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { withMeshes } from './mesh.js';
import { EVENT_TYPES_NEEDING_METRICS } from './events.js';
import type {
  AccountConfig,
  AlarmThresholds,
  BucketConfig,
  BucketUsageConfig,
  Config,
  MeshConfig,
  MultiRegionAccessPointConfig,
  ReplicationConfig,
  ReplicationEventsConfig,
  ReplicationEventType,
  RoleConfig,
  RuleConfig,
  StateConfig,
  StorageClass,
} from './types.js';

/** replication.yaml as written (after the schema has accepted it). */
export interface RawConfig {
  version: 1;
  state?: { backend?: 'local' | 's3'; path?: string; bucket?: string; key?: string; region?: string };
  defaults?: { region?: string; tags?: Record<string, string>; allowUnknownRegions?: boolean };
  accounts?: Record<string, RawAccount | undefined>;
  buckets?: Record<string, RawBucket | undefined>;
  roles?: Record<string, RawRole | undefined>;
  alarms?: { notify?: string[]; namePrefix?: string; evaluationPeriods?: number };
  jobs?: { reportBucket?: string; reportPrefix?: string; priority?: number };
  replications?: RawReplication[];
  cost?: { priceTable?: string };
  multiRegionAccessPoints?: Record<string, RawMultiRegionAccessPoint | undefined>;
}

export interface RawMultiRegionAccessPoint {
  buckets: string[];
  role?: string;
  mesh?: boolean | RawMesh;
  policy?: Record<string, unknown>;
  publicAccessBlock?: { blockPublicAcls?: boolean; ignorePublicAcls?: boolean; blockPublicPolicy?: boolean; restrictPublicBuckets?: boolean };
  routes?: { active: string[] };
}

export interface RawMesh {
  replicaModifications?: boolean;
  deleteMarkers?: boolean;
  rtc?: boolean;
  metrics?: boolean;
  alarms?: AlarmThresholds & { notify?: string[] };
}

export interface RawAccount {
  profile?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
}

export interface RawBucket {
  region?: string;
  account?: string;
  create?: boolean;
  objectLock?: boolean;
  usage?: BucketUsageConfig;
  bucketKey?: boolean;
  kmsKey?: string;
}

export interface RawRole {
  name?: string;
  path?: string;
  permissionsBoundary?: string;
  arn?: string;
}

export interface RawReplication {
  source: string;
  role: string;
  rules: RawRule[];
  events?: RawReplicationEvents[];
}

export interface RawReplicationEvents {
  types: ReplicationEventType[];
  queue?: string;
  topic?: string;
  function?: string;
  rules?: string[];
  createQueue?: boolean;
}

export interface RawRule {
  id: string;
  priority?: number;
  status?: 'enabled' | 'disabled';
  filter?: { prefix?: string; tags?: Record<string, string> };
  destination: { bucket: string; account?: string; storageClass?: StorageClass; ownerOverride?: boolean };
  deleteMarkers?: boolean;
  replicaModifications?: boolean;
  encryption?: { sseKms?: boolean; replicaKmsKey?: string; sourceKmsKeys?: string[] };
  rtc?: boolean;
  metrics?: boolean;
  existingObjects?: 'replicate' | 'ignore';
  usageShare?: number;
  alarms?: AlarmThresholds & { notify?: string[] };
}

export const DEFAULT_STATE_PATH = '.s3repl/state.json';
export const DEFAULT_ALARM_PREFIX = 's3repl';
export const DEFAULT_EVALUATION_PERIODS = 5;
export const DEFAULT_REPORT_PREFIX = 's3repl/batch-reports';
export const DEFAULT_JOB_PRIORITY = 10;

/**
 * Resolves defaults. `file` is the configuration's path: a local state path
 * is resolved against its directory. A bucket with no region at all gets ''
 * (the `missing-region` check reports it).
 */
export function resolveConfig(raw: RawConfig, file: string): Config {
  const defaultRegion = raw.defaults?.region ?? '';
  const buckets: Record<string, BucketConfig> = {};
  for (const [name, b] of Object.entries(raw.buckets ?? {})) {
    const bucket: BucketConfig = {
      name,
      region: b?.region ?? defaultRegion,
      create: b?.create ?? false,
      objectLock: b?.objectLock ?? false,
      bucketKey: b?.bucketKey ?? false,
    };
    if (b?.account !== undefined) bucket.account = b.account;
    if (b?.usage !== undefined) bucket.usage = { ...b.usage };
    if (b?.kmsKey !== undefined) bucket.kmsKey = b.kmsKey;
    buckets[name] = bucket;
  }

  const accounts: Record<string, AccountConfig> = {};
  for (const [id, a] of Object.entries(raw.accounts ?? {})) {
    const account: AccountConfig = { id };
    if (a?.profile !== undefined) account.profile = a.profile;
    if (a?.roleArn !== undefined) account.roleArn = a.roleArn;
    if (a?.externalId !== undefined) account.externalId = a.externalId;
    if (a?.sessionName !== undefined) account.sessionName = a.sessionName;
    accounts[id] = account;
  }

  const roles: Record<string, RoleConfig> = {};
  for (const [key, r] of Object.entries(raw.roles ?? {})) {
    if (r?.arn !== undefined) {
      roles[key] = { key, managed: false, arn: r.arn, name: roleNameOf(r.arn) };
    } else {
      const role: RoleConfig = { key, managed: true, name: r?.name ?? key, path: r?.path ?? '/' };
      if (r?.permissionsBoundary !== undefined) role.permissionsBoundary = r.permissionsBoundary;
      roles[key] = role;
    }
  }

  const notify = [...(raw.alarms?.notify ?? [])];
  const replications: ReplicationConfig[] = (raw.replications ?? []).map((rep) => {
    const resolved: ReplicationConfig = {
      source: rep.source,
      role: rep.role,
      rules: rep.rules.map((rule, index) => resolveRule(rule, index, buckets, notify)),
    };
    if (rep.events?.length) {
      resolved.events = rep.events.map(resolveEvents);
      turnOnMetricsForEvents(resolved, rep.rules);
    }
    return resolved;
  });

  const multiRegionAccessPoints: Record<string, MultiRegionAccessPointConfig> = {};
  for (const [name, ap] of Object.entries(raw.multiRegionAccessPoints ?? {})) {
    if (ap) multiRegionAccessPoints[name] = resolveAccessPoint(name, ap, notify);
  }

  const jobs: Config['jobs'] = {
    reportPrefix: raw.jobs?.reportPrefix ?? DEFAULT_REPORT_PREFIX,
    priority: raw.jobs?.priority ?? DEFAULT_JOB_PRIORITY,
  };
  if (raw.jobs?.reportBucket !== undefined) jobs.reportBucket = raw.jobs.reportBucket;

  return {
    version: 1,
    state: resolveState(raw.state, file),
    defaults: { region: defaultRegion, tags: { ...(raw.defaults?.tags ?? {}) }, allowUnknownRegions: raw.defaults?.allowUnknownRegions ?? false },
    accounts,
    buckets,
    roles,
    alarms: {
      notify,
      namePrefix: raw.alarms?.namePrefix ?? DEFAULT_ALARM_PREFIX,
      evaluationPeriods: raw.alarms?.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS,
    },
    jobs,
    replications: withMeshes(replications, multiRegionAccessPoints, buckets),
    multiRegionAccessPoints,
    cost: raw.cost?.priceTable !== undefined ? { priceTable: resolvePath(dirname(file), raw.cost.priceTable) } : {},
  };
}

function resolveAccessPoint(name: string, raw: RawMultiRegionAccessPoint, notify: string[]): MultiRegionAccessPointConfig {
  const pab = raw.publicAccessBlock ?? {};
  const ap: MultiRegionAccessPointConfig = {
    name,
    buckets: [...raw.buckets],
    publicAccessBlock: {
      blockPublicAcls: pab.blockPublicAcls ?? true,
      ignorePublicAcls: pab.ignorePublicAcls ?? true,
      blockPublicPolicy: pab.blockPublicPolicy ?? true,
      restrictPublicBuckets: pab.restrictPublicBuckets ?? true,
    },
  };
  if (raw.role !== undefined) ap.role = raw.role;
  if (raw.policy !== undefined) ap.policy = raw.policy;
  if (raw.routes !== undefined) ap.routes = { active: [...raw.routes.active] };
  if (raw.mesh !== undefined && raw.mesh !== false) {
    const m = raw.mesh === true ? {} : raw.mesh;
    const rtc = m.rtc ?? true;
    const mesh: MeshConfig = {
      replicaModifications: m.replicaModifications ?? true,
      deleteMarkers: m.deleteMarkers ?? true,
      rtc,
      metrics: m.metrics ?? true,
    };
    if (m.alarms) {
      const { notify: own, ...thresholds } = m.alarms;
      mesh.alarms = { ...thresholds, notify: [...(own ?? notify)], notifyFrom: own ? 'rule' : 'alarms' };
    }
    ap.mesh = mesh;
  }
  return ap;
}

function resolveState(state: RawConfig['state'], file: string): StateConfig {
  if (state?.backend === 's3') {
    return { backend: 's3', bucket: state.bucket ?? '', key: state.key ?? '', region: state.region ?? '' };
  }
  return { backend: 'local', path: resolvePath(dirname(file), state?.path ?? DEFAULT_STATE_PATH) };
}

function resolveEvents(e: RawReplicationEvents): ReplicationEventsConfig {
  const destination: ReplicationEventsConfig['destination'] =
    e.queue !== undefined ? { type: 'queue', arn: e.queue } : e.topic !== undefined ? { type: 'topic', arn: e.topic } : { type: 'function', arn: e.function ?? '' };
  return { types: [...e.types], destination, rules: [...(e.rules ?? [])], ...(e.createQueue ? { createQueue: true as const } : {}) };
}

/**
 * Rules an `events:` entry covers that need metrics for its event types get
 * them, unless the rule says `metrics: false` (validate reports that).
 */
function turnOnMetricsForEvents(rep: ReplicationConfig, raw: RawRule[]): void {
  for (const e of rep.events ?? []) {
    if (!e.types.some((t) => EVENT_TYPES_NEEDING_METRICS.includes(t))) continue;
    rep.rules.forEach((rule, i) => {
      if (e.rules.length && !e.rules.includes(rule.id)) return;
      if (rule.metrics || raw[i]?.metrics !== undefined) return;
      rule.metrics = true;
      rule.metricsForEvents = true;
    });
  }
}

function resolveRule(rule: RawRule, index: number, buckets: Record<string, BucketConfig>, notify: string[]): RuleConfig {
  const rtc = rule.rtc ?? false;
  const destAccount = rule.destination.account ?? buckets[rule.destination.bucket]?.account;
  const destination: RuleConfig['destination'] = {
    bucket: rule.destination.bucket,
    ownerOverride: rule.destination.ownerOverride ?? false,
  };
  if (destAccount !== undefined) destination.account = destAccount;
  if (rule.destination.storageClass !== undefined) destination.storageClass = rule.destination.storageClass;

  const filter: RuleConfig['filter'] = { tags: { ...(rule.filter?.tags ?? {}) } };
  if (rule.filter?.prefix !== undefined) filter.prefix = rule.filter.prefix;

  const resolved: RuleConfig = {
    id: rule.id,
    priority: rule.priority ?? index + 1,
    status: rule.status ?? 'enabled',
    filter,
    destination,
    deleteMarkers: rule.deleteMarkers ?? false,
    replicaModifications: rule.replicaModifications ?? false,
    rtc,
    metrics: rule.metrics ?? rtc,
    existingObjects: rule.existingObjects ?? 'ignore',
  };
  if (rule.usageShare !== undefined) resolved.usageShare = rule.usageShare;
  if (rule.encryption) {
    const encryption: NonNullable<RuleConfig['encryption']> = {
      sseKms: rule.encryption.sseKms ?? false,
      sourceKmsKeys: [...(rule.encryption.sourceKmsKeys ?? [])],
    };
    if (rule.encryption.replicaKmsKey !== undefined) encryption.replicaKmsKey = rule.encryption.replicaKmsKey;
    resolved.encryption = encryption;
  }
  if (rule.alarms) {
    const { notify: own, ...thresholds } = rule.alarms;
    resolved.alarms = { ...thresholds, notify: [...(own ?? notify)], notifyFrom: own ? 'rule' : 'alarms' };
  }
  return resolved;
}

/** `arn:aws:iam::123456789012:role/path/name` → `name`. */
export function roleNameOf(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  return parts[parts.length - 1] ?? resource;
}
