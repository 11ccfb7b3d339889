/**
 * The resolved configuration: what `replication.yaml` means once it has been
 * parsed, validated against the JSON Schema and against AWS's rules, and had
 * every default filled in. Everything downstream (compile, plan, apply) reads
 * this shape only; the raw YAML document is the loader's business.
 */

export type StorageClass =
  | 'STANDARD'
  | 'REDUCED_REDUNDANCY'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER'
  | 'DEEP_ARCHIVE'
  | 'GLACIER_IR';

export const REPLICATION_STORAGE_CLASSES: readonly StorageClass[] = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
];

export type StateConfig =
  | { backend: 'local'; path: string }
  | { backend: 's3'; bucket: string; key: string; region: string };

export interface BucketConfig {
  /** The bucket name: the key under `buckets:`. */
  name: string;
  /** Resolved: the bucket's own `region`, else `defaults.region`. */
  region: string;
  /** 12-digit account id when the bucket lives in another account. */
  account?: string;
  /** s3repl creates it (versioned, SSE-S3 default encryption, public access blocked). */
  create: boolean;
  /** The bucket has (or, with create, gets) S3 Object Lock. */
  objectLock: boolean;
  /** Its SSE-KMS encryption uses an S3 Bucket Key: the KMS encryption context is the bucket ARN. */
  bucketKey: boolean;
  /**
   * The key of its default SSE-KMS encryption (as set on the bucket): replicas of
   * plaintext objects written into it are encrypted with it.
   */
  kmsKey?: string;
  /** Usage given by hand for the cost estimate (wins over CloudWatch). */
  usage?: BucketUsageConfig;
}

export interface BucketUsageConfig {
  storedGB?: number;
  objects?: number;
  monthlyWriteGB?: number;
  monthlyWrites?: number;
}

/**
 * How s3repl reaches an account named by `buckets.<name>.account`: a named
 * profile, or a role it assumes with the default credentials.
 */
export interface AccountConfig {
  /** The 12-digit account id (the key under `accounts:`). */
  id: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  /** RoleSessionName for AssumeRole (default `s3repl`). */
  sessionName?: string;
}

export type RoleConfig =
  | { key: string; managed: true; name: string; path: string; permissionsBoundary?: string }
  | { key: string; managed: false; arn: string; name: string };

export interface AlarmThresholds {
  /** ReplicationLatency (Maximum) above this many seconds. */
  latencySeconds?: number;
  /** OperationsFailedReplication (Sum) at or above this count in a period. */
  failedOperations?: number;
  /** BytesPendingReplication (Maximum) above this many bytes. */
  pendingBytes?: number;
  /** OperationsPendingReplication (Maximum) above this count. */
  pendingOperations?: number;
}

export interface RuleAlarms extends AlarmThresholds {
  /** SNS topic ARNs: the rule's own `notify`, else `alarms.notify`. Each alarm takes those of its own region. */
  notify: string[];
  /** Where `notify` came from. */
  notifyFrom: 'rule' | 'alarms';
}

export interface RuleConfig {
  id: string;
  /** Resolved: the rule's `priority`, else its 1-based position in the list. */
  priority: number;
  status: 'enabled' | 'disabled';
  filter: { prefix?: string; tags: Record<string, string> };
  destination: {
    /** Key of `buckets:` (the destination bucket name). */
    bucket: string;
    /** Resolved: the destination's own `account`, else the bucket's `account`. */
    account?: string;
    storageClass?: StorageClass;
    ownerOverride: boolean;
  };
  deleteMarkers: boolean;
  replicaModifications: boolean;
  encryption?: {
    sseKms: boolean;
    replicaKmsKey?: string;
    /** KMS keys that encrypt source objects (for kms:Decrypt); absent: any key, conditioned on S3 and the bucket. */
    sourceKmsKeys: string[];
  };
  rtc: boolean;
  /** Resolved: explicit `metrics`, else true when `rtc` is on or an `events:` entry needs them. */
  metrics: boolean;
  /** Set when metrics are on only because an `events:` entry asks for an event type that needs them. */
  metricsForEvents?: true;
  existingObjects: 'replicate' | 'ignore';
  /** For the cost estimate: the fraction (0 < share <= 1) of the source bucket's usage the rule's filter selects. */
  usageShare?: number;
  alarms?: RuleAlarms;
  /**
   * Where the rule comes from when it is not written under `replications:`:
   * the `mesh` of a Multi-Region Access Point. Problems are reported there.
   */
  origin?: DocPath;
}

/** `events:` types: s3:Replication:Operation{FailedReplication,MissedThreshold,ReplicatedAfterThreshold,NotTracked}. */
export type ReplicationEventType = 'failed' | 'missedThreshold' | 'replicatedAfterThreshold' | 'notTracked';

export const REPLICATION_EVENT_TYPES: readonly ReplicationEventType[] = ['failed', 'missedThreshold', 'replicatedAfterThreshold', 'notTracked'];

/** One `events:` entry of a replication: which event types go where. */
export interface ReplicationEventsConfig {
  types: ReplicationEventType[];
  destination: { type: 'queue' | 'topic' | 'function'; arn: string };
  /** Rule ids of the replication; empty: every rule. */
  rules: string[];
  /** s3repl creates the queue (with the policy letting S3 send). */
  createQueue?: true;
}

export interface ReplicationConfig {
  /** Key of `buckets:`. */
  source: string;
  /** Key of `roles:`. */
  role: string;
  rules: RuleConfig[];
  /** Replication event notifications (absent: none). */
  events?: ReplicationEventsConfig[];
  /** Set when the whole entry was generated (a Multi-Region Access Point's mesh): where it was declared. */
  origin?: DocPath;
}

/** What `mesh: true` (or `mesh: {...}`) generates between the members of a Multi-Region Access Point. */
export interface MeshConfig {
  /** Replica modification sync on every generated rule (default true). */
  replicaModifications: boolean;
  /** Delete marker replication (default true). */
  deleteMarkers: boolean;
  /** S3 Replication Time Control (default true). */
  rtc: boolean;
  /** Replication metrics (default true; RTC needs them). */
  metrics: boolean;
  alarms?: RuleAlarms;
}

export interface PublicAccessBlockConfig {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface MultiRegionAccessPointConfig {
  /** The access point's name: the key under `multiRegionAccessPoints:`. */
  name: string;
  /** Keys of `buckets:`, one per Region. Fixed at creation: changing them replaces the access point. */
  buckets: string[];
  /** Key of `roles:`: the role of the generated replication rules (required with mesh). */
  role?: string;
  /** Absent with `mesh: false` (or no mesh). */
  mesh?: MeshConfig;
  /** The access point policy document (a JSON object). */
  policy?: Record<string, unknown>;
  /** Resolved: all four settings default to true. */
  publicAccessBlock: PublicAccessBlockConfig;
  /** Regions that receive traffic; the other members are passive. Absent: s3repl leaves routing alone. */
  routes?: { active: string[] };
}

export interface Config {
  version: 1;
  state: StateConfig;
  defaults: {
    region: string;
    tags: Record<string, string>;
    /** Region names the installed SDK does not list are accepted (with a warning). */
    allowUnknownRegions: boolean;
  };
  /** Credentials per account id; an account not listed uses the default credentials. */
  accounts: Record<string, AccountConfig>;
  buckets: Record<string, BucketConfig>;
  roles: Record<string, RoleConfig>;
  alarms: {
    notify: string[];
    /** Alarm names start with this (default `s3repl`). */
    namePrefix: string;
    /** Evaluation periods of one minute (default 5). */
    evaluationPeriods: number;
  };
  jobs: {
    /** Bucket key for Batch Replication completion reports (default: the source bucket). */
    reportBucket?: string;
    reportPrefix: string;
    priority: number;
  };
  /** Includes the rules generated by the meshes of `multiRegionAccessPoints`. */
  replications: ReplicationConfig[];
  /** Cost estimate settings; `priceTable` is resolved against the configuration's directory. */
  cost: { priceTable?: string };
  multiRegionAccessPoints: Record<string, MultiRegionAccessPointConfig>;
}

/** A position in a source file, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** A path into the YAML document, as keys and indexes. */
export type DocPath = ReadonlyArray<string | number>;

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  /** Stable id, e.g. `schema`, `yaml-syntax`, `source-equals-destination`. */
  rule: string;
  message: string;
  hint?: string;
  /** JSON pointer of the offending node, for machines. */
  pointer?: string;
}

/** The result of loading a file: a config when there are no errors. */
export interface LoadResult {
  file: string;
  /** sha256 of the file's bytes, recorded in saved plans. */
  sha256: string;
  diagnostics: Diagnostic[];
  config?: Config;
  /** Position of a node, for errors found later (plan time). */
  positionOf(path: DocPath): Position | undefined;
}
