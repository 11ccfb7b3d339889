/**
 * The replication engine: after a write on a bucket with a replication
 * configuration, copies the version to each destination it matches (after a
 * short delay, like S3's asynchronous replication), checking what real S3
 * would check at that moment: destination reachable and versioned, role
 * usable, the role's policies allow the replication actions. Publishes the
 * AWS/S3 replication metrics for rules with Metrics enabled. Batch
 * Replication (s3control.ts) uses the same path without the delay.
 */
import type { CloudWatchService, Clock, IamService, MetricDatumInput } from './types.js';
import type { KmsService } from './kms.js';
import {
  bucketKeyEnabled,
  bucketNameFromArn,
  defaultKmsKeyArn,
  findVersion,
  putVersionWithId,
  type Bucket,
  type ObjectVersion,
  type S3State,
} from './s3-model.js';
import { isV1, ruleMatches, type ReplicationConfig, type ReplicationRule } from './replication-config.js';
import { bucketPolicyDecision, type PolicyDocument } from './bucket-policy.js';
import { targetMatches, type NotificationDestinations } from './notification-config.js';
import { canonicalUserId, newHostId, newRequestId } from './s3-model.js';
import { strings, wildcard } from './policy-match.js';

export interface ReplicationDeps {
  state: () => S3State;
  iam: IamService;
  kms: KmsService;
  cloudwatch: CloudWatchService;
  clock: Clock;
  delayMs: number;
  /** Where replication event notifications go (the SQS service). */
  destinations: NotificationDestinations;
  onChange: () => void;
}

/** The replication event types S3 publishes (docs/aws-behaviour.md, "Replication events"). */
export type ReplicationEvent =
  | 'OperationFailedReplication'
  | 'OperationMissedThreshold'
  | 'OperationReplicatedAfterThreshold'
  | 'OperationNotTracked';

/** S3 RTC's threshold: 15 minutes, the only value a configuration may give. */
const RTC_THRESHOLD_MINUTES = 15;

export type Outcome = 'COMPLETED' | 'FAILED';

/**
 * The failure reasons S3 reports for replication (S3 User Guide, "Amazon S3
 * replication failure reasons"), the subset the emulator produces.
 */
export type FailureReason =
  | 'AssumeRoleNotPermitted'
  | 'DstBucketNotFound'
  | 'DstBucketUnversioned'
  | 'DstDelObjNotPermitted'
  | 'DstKmsKeyNotFound'
  | 'DstPutObjectNotPermitted'
  | 'DstPutTaggingNotPermitted'
  | 'SrcGetObjectNotPermitted'
  | 'SrcGetTaggingNotPermitted';

function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  if (text === undefined) return undefined;
  try {
    const doc = JSON.parse(text) as { Statement?: unknown };
    const st = doc.Statement;
    return { ...doc, Statement: (Array.isArray(st) ? st : st ? [st] : []) as PolicyDocument['Statement'] };
  } catch {
    return undefined;
  }
}

interface Target {
  rule: ReplicationRule;
  destination: string;
}

/** For each destination, the matching Enabled rule with the highest Priority. */
export function targetsFor(config: ReplicationConfig, v: ObjectVersion): Target[] {
  const best = new Map<string, ReplicationRule>();
  const v1 = isV1(config);
  for (const rule of config.Rules) {
    if (rule.Status !== 'Enabled') continue;
    if (!ruleMatches(rule, v.key, v.isDeleteMarker ? [] : v.tags)) continue;
    // SSE-KMS objects replicate only under rules that opt in.
    if (v.kmsKeyArn && rule.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status !== 'Enabled') continue;
    const dest = bucketNameFromArn(rule.Destination.Bucket);
    if (!dest) continue;
    const prev = best.get(dest);
    if (!prev || (rule.Priority ?? 0) > (prev.Priority ?? 0)) best.set(dest, rule);
  }
  const out: Target[] = [];
  for (const [destination, rule] of best) {
    // Delete markers replicate only when the winning rule says so (V1 rules always did).
    if (v.isDeleteMarker && !v1 && rule.DeleteMarkerReplication?.Status !== 'Enabled') continue;
    out.push({ rule, destination });
  }
  return out;
}

// ------------------------------------------------------- policy evaluation

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

/** The request's condition keys (lower case) and values, for the checks that evaluate conditions. */
export type RequestContext = Record<string, string>;

/**
 * Whether a statement's Condition holds for the request: every operator block
 * and every key in it must match (values of one key: any). The string and ARN
 * operators, with IfExists, are evaluated; a key the request does not carry
 * fails a positive operator and passes a negated one (IfExists: passes). An
 * operator not evaluated here makes the statement not apply, so it grants
 * nothing rather than too much.
 */
function conditionHolds(condition: unknown, ctx: RequestContext): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  for (const [rawOp, block] of Object.entries(condition as Record<string, unknown>)) {
    const ifExists = rawOp.endsWith('IfExists');
    const op = ifExists ? rawOp.slice(0, -'IfExists'.length) : rawOp;
    const negated = op === 'StringNotEquals' || op === 'StringNotLike' || op === 'ArnNotEquals' || op === 'ArnNotLike';
    const like = op === 'StringLike' || op === 'StringNotLike' || op === 'ArnLike' || op === 'ArnNotLike' || op === 'ArnEquals' || op === 'ArnNotEquals';
    const known = like || op === 'StringEquals' || op === 'StringNotEquals';
    if (!known || typeof block !== 'object' || block === null) return false;
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      const actual = ctx[key.toLowerCase()];
      if (actual === undefined) {
        if (ifExists || negated) continue;
        return false;
      }
      const any = strings(values).some((v) => (like ? wildcard(v, actual, false) : v === actual));
      if (negated ? any : !any) return false;
    }
  }
  return true;
}

function statements(doc: unknown): Statement[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const s = (doc as { Statement?: unknown }).Statement;
  const arr = Array.isArray(s) ? s : s ? [s] : [];
  return arr.filter((x): x is Statement => typeof x === 'object' && x !== null);
}

/**
 * Allowed when some Allow statement matches and no Deny does. Conditions are
 * evaluated against `context` when the caller gives one (the KMS checks, with
 * the encryption context and kms:ViaService); without one they are ignored.
 */
export function policiesAllow(docs: unknown[], action: string, resource: string, context?: RequestContext): boolean {
  let allowed = false;
  for (const st of docs.flatMap(statements)) {
    if (context && !conditionHolds(st.Condition, context)) continue;
    const actionMatch =
      st.Action !== undefined
        ? strings(st.Action).some((a) => wildcard(a, action, true))
        : st.NotAction !== undefined && !strings(st.NotAction).some((a) => wildcard(a, action, true));
    if (!actionMatch) continue;
    if (!strings(st.Resource).some((r) => wildcard(r, resource, false))) continue;
    if (st.Effect === 'Deny') return false;
    if (st.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

/** What S3 tells KMS for an object of `bucket`: the service it calls through and the encryption context. */
function kmsContext(bucket: Bucket, key: string, bucketKey: boolean): RequestContext {
  return {
    'kms:viaservice': `s3.${bucket.region}.amazonaws.com`,
    'kms:encryptioncontext:aws:s3:arn': bucketKey ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`,
  };
}

/** A replica uses an S3 Bucket Key when its source version did or the destination bucket has one. */
function replicaUsesBucketKey(v: ObjectVersion, dest: Bucket): boolean {
  return v.bucketKey === true || bucketKeyEnabled(dest);
}

// ----------------------------------------------------------------- engine

export class ReplicationEngine {
  private timers = new Map<NodeJS.Timeout, () => void>();
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: ReplicationDeps) {}

  idle(): boolean {
    return this.timers.size === 0;
  }

  settled(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    this.wake();
  }

  /** Runs every pending replication now instead of after its delay. */
  runPending(): void {
    for (const [t, run] of [...this.timers]) {
      clearTimeout(t);
      run();
    }
  }

  private wake(): void {
    if (!this.idle()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private later(fn: () => void): void {
    const run = () => {
      if (!this.timers.delete(t)) return;
      try {
        fn();
      } finally {
        this.deps.onChange();
        this.wake();
      }
    };
    const t = setTimeout(run, this.deps.delayMs);
    this.timers.set(t, run);
  }

  /** A new version (object or delete marker) was written by a client. */
  onWrite(source: Bucket, v: ObjectVersion): void {
    if (!source.replication || v.replicationStatus === 'REPLICA') return;
    const targets = targetsFor(source.replication, v);
    if (targets.length === 0) return;
    const config = source.replication;
    if (!v.isDeleteMarker) v.replicationStatus = 'PENDING';
    const started = this.deps.clock.now();
    for (const t of targets) this.publishPending(source, t, v.size);
    this.later(() => {
      delete v.failureReason;
      const outcomes = targets.map((t) => this.replicate(source, config, t, v, started, true));
      if (!v.isDeleteMarker && v.replicationStatus === 'PENDING') {
        v.replicationStatus = outcomes.every((o) => o === 'COMPLETED') ? 'COMPLETED' : 'FAILED';
      }
    });
  }

  /**
   * Object tags changed. On a source object the new tags follow to its
   * replicas; on a replica they go back only when the replica bucket's rule
   * has ReplicaModifications Enabled.
   */
  onTagsChanged(bucket: Bucket, v: ObjectVersion): void {
    const config = bucket.replication;
    if (!config || v.isDeleteMarker) return;
    const isReplica = v.replicationStatus === 'REPLICA';
    const targets = targetsFor(config, v).filter(
      (t) => !isReplica || t.rule.SourceSelectionCriteria?.ReplicaModifications?.Status === 'Enabled',
    );
    if (targets.length === 0) return;
    const tags = v.tags.map((t) => ({ ...t }));
    this.later(() => {
      for (const t of targets) {
        const dest = this.reachable(t.destination);
        if (!dest || this.denial(config, bucket, dest, t, v, 's3:ReplicateTags') !== null) continue;
        const copy = findVersion(dest, v.key, v.versionId);
        if (copy) copy.tags = tags.map((x) => ({ ...x }));
      }
    });
  }

  /** Batch Replication of one existing version, now. */
  replicateNow(source: Bucket, v: ObjectVersion): Outcome {
    const config = source.replication;
    if (!config) return 'FAILED';
    const targets = targetsFor(config, v);
    if (targets.length === 0) return 'FAILED';
    const started = this.deps.clock.now();
    delete v.failureReason;
    const outcomes = targets.map((t) => this.replicate(source, config, t, v, started, false));
    const outcome: Outcome = outcomes.every((o) => o === 'COMPLETED') ? 'COMPLETED' : 'FAILED';
    if (!v.isDeleteMarker && v.replicationStatus !== 'REPLICA') v.replicationStatus = outcome;
    this.deps.onChange();
    return outcome;
  }

  private reachable(name: string): Bucket | undefined {
    const d = this.destination(name);
    return typeof d === 'string' ? undefined : d;
  }

  /** The destination bucket, or the failure reason S3 reports for it. */
  private destination(name: string): Bucket | FailureReason {
    const state = this.deps.state();
    const b = state.buckets[name];
    if (!b || state.unavailable.includes(name)) return 'DstBucketNotFound';
    return b.versioning === 'Enabled' ? b : 'DstBucketUnversioned';
  }

  /**
   * Why S3 may not replicate this version to this destination, or null when it
   * may: the role must be usable and its policies must allow reading the
   * source and writing the destination; a destination in another account must
   * also allow the role in its bucket policy. Owner override
   * (AccessControlTranslation) needs s3:ObjectOwnerOverrideToBucketOwner on
   * both sides as well.
   */
  private denial(config: ReplicationConfig, source: Bucket, dest: Bucket, t: Target, v: ObjectVersion, destAction: string): FailureReason | null {
    const { iam } = this.deps;
    if (!iam.isRoleUsable(config.Role)) return 'AssumeRoleNotPermitted';
    const docs = iam.rolePolicyDocuments(config.Role);
    const srcArn = `arn:aws:s3:::${source.name}/${v.key}`;
    const dstArn = `arn:aws:s3:::${t.destination}/${v.key}`;
    const tags = destAction === 's3:ReplicateTags';
    if (!policiesAllow(docs, tags ? 's3:GetObjectVersionTagging' : 's3:GetObjectVersionForReplication', srcArn)) {
      return tags ? 'SrcGetTaggingNotPermitted' : 'SrcGetObjectNotPermitted';
    }
    const refused: FailureReason = tags ? 'DstPutTaggingNotPermitted' : destAction === 's3:ReplicateDelete' ? 'DstDelObjNotPermitted' : 'DstPutObjectNotPermitted';
    const actions = [destAction];
    if (t.rule.Destination.AccessControlTranslation && !v.isDeleteMarker && !tags) actions.push('s3:ObjectOwnerOverrideToBucketOwner');
    const roleAccount = /^arn:aws:iam::(\d{12}):/.exec(config.Role)?.[1] ?? source.accountId;
    const crossAccount = dest.accountId !== roleAccount;
    const policy = crossAccount ? parsePolicy(dest.policy) : undefined;
    for (const action of actions) {
      if (!policiesAllow(docs, action, dstArn)) return refused;
      if (crossAccount && bucketPolicyDecision(policy, { arn: config.Role, accountId: roleAccount }, action, dstArn) !== 'allow') return refused;
    }
    if (v.kmsKeyArn && !v.isDeleteMarker && !tags) return this.kmsDenial(docs, { arn: config.Role, accountId: roleAccount }, source, v, t, dest);
    if (!v.kmsKeyArn && !v.isDeleteMarker && !tags) return this.defaultKmsDenial(docs, { arn: config.Role, accountId: roleAccount }, v, dest);
    return null;
  }

  /**
   * A plaintext (or SSE-S3) object replicated into a bucket whose default
   * encryption is SSE-KMS: S3 encrypts the replica with that key, for which the
   * role needs kms:GenerateDataKey (docs/aws-behaviour.md, "KMS: replication
   * grants"), with the replica's encryption context: its object ARN, or the
   * destination bucket's ARN under its Bucket Key. A key policy or identity
   * policy that does not allow it is DstPutObjectNotPermitted (the failure
   * reasons page names kms:GenerateDataKey* for it); a missing key is
   * DstKmsKeyNotFound (unconfirmed for a default-encryption key).
   */
  private defaultKmsDenial(docs: unknown[], role: { arn: string; accountId: string }, v: ObjectVersion, dest: Bucket): FailureReason | null {
    const arn = defaultKmsKeyArn(dest);
    if (arn === undefined) return null;
    const key = this.deps.kms.keyByArn(arn);
    if (!key || key.region !== dest.region) return 'DstKmsKeyNotFound';
    const context = kmsContext(dest, v.key, bucketKeyEnabled(dest));
    if (!policiesAllow(docs, 'kms:GenerateDataKey', key.arn, context) || !this.deps.kms.keyPolicyAllows(key, role, 'kms:GenerateDataKey')) return 'DstPutObjectNotPermitted';
    return null;
  }

  /**
   * SSE-KMS: the role decrypts with the source key and encrypts the replica
   * with the rule's replica key, which must exist in the destination's
   * region. Both its identity policy and the key's policy must allow it (a
   * key policy that does not allow the role is DstPutObjectNotPermitted).
   * The identity policy's conditions are evaluated with what S3 sends KMS:
   * `kms:ViaService` (S3 in the key's bucket's region) and the encryption
   * context `aws:s3:arn`, the object's ARN, or the bucket's ARN when an S3
   * Bucket Key is in use (docs/aws-behaviour.md, "KMS: S3 Bucket Key
   * encryption context"): on the source, when the version was written with
   * one; on the destination, when the destination bucket has one or the
   * source version used one (its replica keeps that setting).
   */
  private kmsDenial(docs: unknown[], role: { arn: string; accountId: string }, source: Bucket, v: ObjectVersion, t: Target, dest: Bucket): FailureReason | null {
    const { kms } = this.deps;
    const src = kms.keyByArn(v.kmsKeyArn!);
    const srcContext = kmsContext(source, v.key, v.bucketKey === true);
    if (!src || !policiesAllow(docs, 'kms:Decrypt', src.arn, srcContext) || !kms.keyPolicyAllows(src, role, 'kms:Decrypt')) return 'SrcGetObjectNotPermitted';
    const replicaKey = t.rule.Destination.EncryptionConfiguration?.ReplicaKmsKeyID;
    const key = replicaKey ? kms.keyByArn(replicaKey) : undefined;
    if (!key || key.region !== dest.region) return 'DstKmsKeyNotFound';
    // The KMS replication page lists kms:Encrypt for the replica key, nothing else
    // (docs/aws-behaviour.md, "KMS: replication grants").
    const bucketKey = replicaUsesBucketKey(v, dest);
    const dstContext = kmsContext(dest, v.key, bucketKey);
    if (!policiesAllow(docs, 'kms:Encrypt', key.arn, dstContext) || !kms.keyPolicyAllows(key, role, 'kms:Encrypt')) return 'DstPutObjectNotPermitted';
    // With a Bucket Key, S3 also decrypts with the replica key to verify the Bucket Key
    // (docs/aws-behaviour.md, "KMS: replication grants").
    if (bucketKey && (!policiesAllow(docs, 'kms:Decrypt', key.arn, dstContext) || !kms.keyPolicyAllows(key, role, 'kms:Decrypt'))) return 'DstPutObjectNotPermitted';
    return null;
  }

  private replicate(source: Bucket, config: ReplicationConfig, t: Target, v: ObjectVersion, started: number, live: boolean): Outcome {
    const found = this.destination(t.destination);
    const action = v.isDeleteMarker ? 's3:ReplicateDelete' : 's3:ReplicateObject';
    const reason = typeof found === 'string' ? found : this.denial(config, source, found, t, v, action);
    // Live replication past the RTC threshold: S3 reports the miss (docs/aws-behaviour.md, "Replication events").
    const late = live && this.pastThreshold(t, started);
    if (late) this.notify(source, t, v, started, 'OperationMissedThreshold');
    if (reason !== null) {
      if (!v.isDeleteMarker) v.failureReason = reason;
      this.publishDone(source, t, started, false);
      if (live) this.notify(source, t, v, started, 'OperationFailedReplication', { failureReason: reason });
      return 'FAILED';
    }
    const dest = found as Bucket;
    const plainReplicaKey = v.isDeleteMarker ? undefined : defaultKmsKeyArn(dest);
    putVersionWithId(dest, {
      ...v,
      tags: v.tags.map((x) => ({ ...x })),
      metadata: { ...v.metadata },
      storageClass: t.rule.Destination.StorageClass ?? v.storageClass,
      replicationStatus: v.isDeleteMarker ? undefined : 'REPLICA',
      failureReason: undefined,
      // The replica is encrypted with the rule's replica key; a plaintext object's replica
      // with the destination's default SSE-KMS key, if it has one (docs/aws-behaviour.md,
      // "KMS: replication grants").
      kmsKeyArn: v.kmsKeyArn ? t.rule.Destination.EncryptionConfiguration?.ReplicaKmsKeyID : plainReplicaKey,
      bucketKey: (v.kmsKeyArn && replicaUsesBucketKey(v, dest)) || (!v.kmsKeyArn && plainReplicaKey && bucketKeyEnabled(dest)) ? true : undefined,
    });
    this.publishDone(source, t, started, true);
    if (late) this.notify(source, t, v, started, 'OperationReplicatedAfterThreshold', { replicationTime: new Date(this.deps.clock.now()).toISOString() });
    return 'COMPLETED';
  }

  // ----------------------------------------------------------------- events

  /** RTC is on for the rule and its 15-minute threshold has passed since the write. */
  private pastThreshold(t: Target, started: number): boolean {
    const d = t.rule.Destination;
    if (d.ReplicationTime?.Status !== 'Enabled' || d.Metrics?.Status !== 'Enabled') return false;
    return this.deps.clock.now() - started > RTC_THRESHOLD_MINUTES * 60_000;
  }

  /**
   * Sends a replication event to every notification configuration of the
   * source bucket that takes it (event type and key filter). S3 publishes
   * replication events only for rules with replication metrics enabled; the
   * threshold events come from S3 RTC. Object versions only: delete markers
   * carry no replication status. SNS and Lambda destinations are not
   * emulated; only queues receive the message.
   */
  private notify(source: Bucket, t: Target, v: ObjectVersion, started: number, event: ReplicationEvent, extra: Record<string, string> = {}): void {
    if (v.isDeleteMarker || t.rule.Destination.Metrics?.Status !== 'Enabled') return;
    const config = source.notification;
    if (!config) return;
    const eventType = `s3:Replication:${event}`;
    const now = this.deps.clock.now();
    for (const target of config.targets) {
      if (target.kind !== 'Queue' || !targetMatches(target, eventType, v.key)) continue;
      const threshold = event === 'OperationMissedThreshold' || event === 'OperationReplicatedAfterThreshold' ? { threshold: String(RTC_THRESHOLD_MINUTES * 60) } : {};
      const record = {
        eventVersion: '2.2',
        eventSource: 'aws:s3',
        awsRegion: source.region,
        eventTime: new Date(now).toISOString(),
        eventName: `Replication:${event}`,
        userIdentity: { principalId: 's3.amazonaws.com' },
        requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
        responseElements: { 'x-amz-request-id': newRequestId(), 'x-amz-id-2': newHostId() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: target.Id,
          bucket: { name: source.name, ownerIdentity: { principalId: canonicalUserId(source.accountId) }, arn: `arn:aws:s3:::${source.name}` },
          object: {
            // Keys are URL-encoded in event messages ("red flower.jpg" becomes "red+flower.jpg").
            key: encodeURIComponent(v.key).replace(/%20/g, '+').replace(/%2F/g, '/'),
            size: v.size,
            eTag: v.etag.replace(/"/g, ''),
            versionId: v.versionId,
            sequencer: v.lastModified.toString(16).toUpperCase().padStart(16, '0'),
          },
        },
        replicationEventData: {
          replicationRuleId: t.rule.ID,
          destinationBucket: t.rule.Destination.Bucket,
          s3Operation: 'OBJECT_PUT',
          requestTime: new Date(started).toISOString(),
          ...threshold,
          ...extra,
        },
      };
      this.deps.destinations.sendToQueue(target.Arn, JSON.stringify({ Records: [record] }), { bucketName: source.name, accountId: source.accountId });
    }
  }

  // ---------------------------------------------------------------- metrics

  /**
   * S3 publishes BytesPendingReplication, OperationsPendingReplication and
   * ReplicationLatency in the destination bucket's region and
   * OperationsFailedReplication in the source bucket's region
   * (docs/aws-behaviour.md, "Replication metrics: region"), in the source
   * bucket owner's account (unconfirmed for cross-account destinations). A
   * destination that does not exist has no region: its metrics go nowhere.
   */
  private publish(source: Bucket, t: Target, data: Array<Omit<MetricDatumInput, 'Dimensions'>>): void {
    if (t.rule.Destination.Metrics?.Status !== 'Enabled') return;
    const Dimensions = [
      { Name: 'SourceBucket', Value: source.name },
      { Name: 'DestinationBucket', Value: t.destination },
      { Name: 'RuleId', Value: t.rule.ID },
    ];
    const destRegion = this.deps.state().buckets[t.destination]?.region;
    const byRegion = new Map<string, MetricDatumInput[]>();
    for (const d of data) {
      const region = d.MetricName === 'OperationsFailedReplication' ? source.region : destRegion;
      if (region === undefined) continue;
      byRegion.set(region, [...(byRegion.get(region) ?? []), { ...d, Dimensions, Timestamp: d.Timestamp ?? this.deps.clock.now() }]);
    }
    for (const [region, list] of byRegion) this.deps.cloudwatch.putMetricData(source.accountId, region, 'AWS/S3', list);
  }

  private publishPending(source: Bucket, t: Target, bytes: number): void {
    this.publish(source, t, [
      { MetricName: 'BytesPendingReplication', Value: bytes, Unit: 'Bytes' },
      { MetricName: 'OperationsPendingReplication', Value: 1, Unit: 'Count' },
    ]);
  }

  private publishDone(source: Bucket, t: Target, started: number, ok: boolean): void {
    const data: Array<Omit<MetricDatumInput, 'Dimensions'>> = [
      { MetricName: 'BytesPendingReplication', Value: 0, Unit: 'Bytes' },
      { MetricName: 'OperationsPendingReplication', Value: 0, Unit: 'Count' },
    ];
    if (ok) data.push({ MetricName: 'ReplicationLatency', Value: Math.max(0, (this.deps.clock.now() - started) / 1000), Unit: 'Seconds' });
    else data.push({ MetricName: 'OperationsFailedReplication', Value: 1, Unit: 'Count' });
    this.publish(source, t, data);
  }
}
