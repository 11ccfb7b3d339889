/**
 * PutBucketReplication: parse, validate (the rules in docs/aws-behaviour.md,
 * "Replication configuration") and render the stored configuration back for
 * GetBucketReplication.
 *
 * Messages marked "unconfirmed" have no primary source (the ledger says so or
 * nothing was found); they are our best guess at AWS's wording.
 */
import { child, children, has, isObject, text, type XmlNode, type XmlValue } from './xml.js';
import { bucketNameFromArn, generatedRuleId, type Bucket, type Tag } from './s3-model.js';

export interface StatusBlock {
  Status: string;
}

export interface ReplicationFilter {
  Prefix?: string;
  Tag?: Tag;
  And?: { Prefix?: string; Tags: Tag[] };
}

export interface ReplicationDestination {
  Bucket: string;
  Account?: string;
  StorageClass?: string;
  AccessControlTranslation?: { Owner: string };
  EncryptionConfiguration?: { ReplicaKmsKeyID?: string };
  ReplicationTime?: { Status: string; Time?: { Minutes?: number } };
  Metrics?: { Status: string; EventThreshold?: { Minutes?: number } };
}

export interface ReplicationRule {
  ID: string;
  Priority?: number;
  Status: string;
  /** V1 (legacy) rule-level prefix. */
  Prefix?: string;
  Filter?: ReplicationFilter;
  SourceSelectionCriteria?: { SseKmsEncryptedObjects?: StatusBlock; ReplicaModifications?: StatusBlock };
  DeleteMarkerReplication?: StatusBlock;
  Destination: ReplicationDestination;
}

export interface ReplicationConfig {
  Role: string;
  Rules: ReplicationRule[];
}

export interface S3ErrorSpec {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, string>;
}

const MALFORMED: S3ErrorSpec = {
  status: 400,
  code: 'MalformedXML',
  message: 'The XML you provided was not well-formed or did not validate against our published schema',
};

const invalidRequest = (message: string): S3ErrorSpec => ({ status: 400, code: 'InvalidRequest', message });
const invalidArgument = (message: string, extra?: Record<string, string>): S3ErrorSpec => ({ status: 400, code: 'InvalidArgument', message, ...(extra ? { extra } : {}) });

class Reject extends Error {
  constructor(readonly spec: S3ErrorSpec) {
    super(spec.message);
  }
}
const fail = (spec: S3ErrorSpec): never => {
  throw new Reject(spec);
};

/** Storage classes of the model's StorageClass enum. */
const MODEL_STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE',
  'OUTPOSTS', 'GLACIER_IR', 'SNOW', 'EXPRESS_ONEZONE', 'FSX_OPENZFS', 'FSX_ONTAP',
]);
/** Those replication accepts (OUTPOSTS only on Outposts; unconfirmed). */
const REPLICATION_STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR',
]);

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

// ----------------------------------------------------------------- parsing

function status(v: XmlValue | undefined, where: string): StatusBlock | undefined {
  if (v === undefined) return undefined;
  const s = text(v, 'Status');
  if (s !== 'Enabled' && s !== 'Disabled') fail(MALFORMED); // enum in the schema
  void where;
  return { Status: s as string };
}

function parseTag(v: XmlValue): Tag {
  const Key = text(v, 'Key');
  const Value = text(v, 'Value');
  if (Key === undefined || Value === undefined) fail(MALFORMED);
  return { Key: Key!, Value: Value! };
}

function parseFilter(v: XmlValue): ReplicationFilter {
  if (typeof v === 'string') {
    if (v.trim() !== '') fail(MALFORMED);
    return {}; // <Filter/> is accepted and echoed as an empty Filter
  }
  const kinds = ['Prefix', 'Tag', 'And'].filter((k) => has(v, k));
  for (const k of ['Prefix', 'Tag', 'And']) if (children(v, k).length > 1) fail(MALFORMED);
  if (kinds.length > 1) fail(MALFORMED);
  const out: ReplicationFilter = {};
  const prefix = text(v, 'Prefix');
  if (has(v, 'Prefix')) out.Prefix = prefix ?? fail(MALFORMED);
  const tag = child(v, 'Tag');
  if (tag !== undefined) out.Tag = parseTag(tag);
  const and = child(v, 'And');
  if (and !== undefined) {
    const andOut: { Prefix?: string; Tags: Tag[] } = { Tags: children(and, 'Tag').map(parseTag) };
    if (has(and, 'Prefix')) andOut.Prefix = text(and, 'Prefix') ?? fail(MALFORMED);
    out.And = andOut;
  }
  return out;
}

function minutes(v: XmlValue | undefined): { Minutes?: number } | undefined {
  if (v === undefined) return undefined;
  const m = text(v, 'Minutes');
  if (m === undefined) return {};
  if (!/^-?\d+$/.test(m)) fail(MALFORMED);
  return { Minutes: Number(m) };
}

function parseDestination(v: XmlValue | undefined): ReplicationDestination {
  if (v === undefined || !isObject(v)) return fail(MALFORMED);
  const bucket = text(v, 'Bucket');
  if (!bucket) fail(MALFORMED);
  const d: ReplicationDestination = { Bucket: bucket! };
  const account = text(v, 'Account');
  if (account !== undefined) d.Account = account;
  const sc = text(v, 'StorageClass');
  if (sc !== undefined) {
    if (!MODEL_STORAGE_CLASSES.has(sc)) fail(MALFORMED); // not in the schema's enum
    d.StorageClass = sc;
  }
  const act = child(v, 'AccessControlTranslation');
  if (act !== undefined) {
    const owner = text(act, 'Owner');
    if (owner !== 'Destination') fail(MALFORMED); // OwnerOverride enum has one value
    d.AccessControlTranslation = { Owner: owner! };
  }
  const enc = child(v, 'EncryptionConfiguration');
  if (enc !== undefined) {
    const key = text(enc, 'ReplicaKmsKeyID');
    d.EncryptionConfiguration = key !== undefined ? { ReplicaKmsKeyID: key } : {};
  }
  const rtc = child(v, 'ReplicationTime');
  if (rtc !== undefined) {
    const s = status(rtc, 'ReplicationTime')!;
    const time = child(rtc, 'Time');
    if (time === undefined) fail(MALFORMED); // Time is required in the model
    d.ReplicationTime = { Status: s.Status, Time: minutes(time) ?? {} };
  }
  const metrics = child(v, 'Metrics');
  if (metrics !== undefined) {
    const s = status(metrics, 'Metrics')!;
    const et = child(metrics, 'EventThreshold');
    d.Metrics = { Status: s.Status, ...(et !== undefined ? { EventThreshold: minutes(et) ?? {} } : {}) };
  }
  return d;
}

function parseRule(v: XmlValue): ReplicationRule {
  if (!isObject(v)) return fail(MALFORMED);
  // ExistingObjectReplication is rejected as MalformedXML (unconfirmed; docs/aws-behaviour.md).
  if (has(v, 'ExistingObjectReplication')) fail(MALFORMED);
  const st = text(v, 'Status');
  if (st !== 'Enabled' && st !== 'Disabled') fail(MALFORMED);
  const hasFilter = has(v, 'Filter');
  const hasPrefix = has(v, 'Prefix');
  if (hasFilter === hasPrefix) fail(MALFORMED); // neither, or both
  const rule: ReplicationRule = { ID: text(v, 'ID') ?? '', Status: st!, Destination: parseDestination(child(v, 'Destination')) };
  const priority = text(v, 'Priority');
  if (priority !== undefined) {
    if (!/^-?\d+$/.test(priority)) fail(MALFORMED);
    rule.Priority = Number(priority);
  }
  if (hasPrefix) rule.Prefix = text(v, 'Prefix') ?? fail(MALFORMED);
  if (hasFilter) rule.Filter = parseFilter(child(v, 'Filter')!);
  const ssc = child(v, 'SourceSelectionCriteria');
  if (ssc !== undefined) {
    rule.SourceSelectionCriteria = {};
    const sse = child(ssc, 'SseKmsEncryptedObjects');
    if (sse !== undefined) rule.SourceSelectionCriteria.SseKmsEncryptedObjects = status(sse, 'SseKmsEncryptedObjects');
    const rm = child(ssc, 'ReplicaModifications');
    if (rm !== undefined) rule.SourceSelectionCriteria.ReplicaModifications = status(rm, 'ReplicaModifications');
  }
  const dmr = child(v, 'DeleteMarkerReplication');
  if (dmr !== undefined) rule.DeleteMarkerReplication = status(dmr, 'DeleteMarkerReplication');
  return rule;
}

// -------------------------------------------------------------- validation

export interface ValidationContext {
  source: Bucket;
  bucket(name: string): Bucket | undefined;
}

function hasTagFilter(r: ReplicationRule): boolean {
  return r.Filter?.Tag !== undefined || (r.Filter?.And?.Tags.length ?? 0) > 0;
}

function validateRuleV1(r: ReplicationRule): void {
  if (r.DeleteMarkerReplication) {
    fail(invalidRequest('DeleteMarkerReplication cannot be used for this version of Cross Region Replication configuration schema'));
  }
  if (r.SourceSelectionCriteria?.ReplicaModifications) {
    // unconfirmed wording; modelled on the ReplicationTime message below.
    fail(invalidRequest('ReplicaModifications cannot be used for this version of the replication configuration schema'));
  }
  if (r.Destination.ReplicationTime) {
    fail(invalidRequest('ReplicationTime cannot be used for this version of the replication configuration schema'));
  }
  if (r.Destination.Metrics) {
    // unconfirmed wording
    fail(invalidRequest('Metrics cannot be used for this version of the replication configuration schema'));
  }
}

function validateRuleV2(r: ReplicationRule): void {
  if (r.Priority === undefined) {
    // unconfirmed wording (S3-compatible servers that mirror AWS use it)
    fail(invalidRequest('Priority must be specified for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information.'));
  }
  if (!r.DeleteMarkerReplication) {
    fail(invalidRequest('DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information.'));
  }
  if (hasTagFilter(r) && r.DeleteMarkerReplication?.Status === 'Enabled') {
    // unconfirmed wording (docs/aws-behaviour.md: no AWS text found)
    fail(invalidRequest('Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.'));
  }
}

function validateDestination(r: ReplicationRule): void {
  const d = r.Destination;
  if (d.StorageClass !== undefined && !REPLICATION_STORAGE_CLASSES.has(d.StorageClass)) {
    // unconfirmed: the code S3 uses for a storage class it does not accept here
    fail({ status: 400, code: 'InvalidStorageClass', message: 'The storage class you specified is not valid' });
  }
  const rtc = d.ReplicationTime;
  const metrics = d.Metrics;
  if (rtc) {
    if (!metrics) fail(invalidRequest('Metrics must be specified when ReplicationTime is specified')); // unconfirmed wording
    if (rtc.Time?.Minutes !== 15) fail(invalidArgument('Invalid ReplicationTime Time: Minutes must be 15', { ArgumentName: 'Minutes' })); // unconfirmed wording
  }
  if (metrics?.EventThreshold && (!rtc || rtc.Status !== 'Enabled')) {
    fail(invalidArgument('Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled'));
  }
  if (metrics?.EventThreshold && metrics.EventThreshold.Minutes !== 15) {
    fail(invalidArgument('Invalid Metrics EventThreshold: Minutes must be 15', { ArgumentName: 'Minutes' })); // unconfirmed wording
  }
  if (rtc?.Status === 'Enabled' && (metrics?.Status !== 'Enabled' || !metrics.EventThreshold)) {
    // unconfirmed wording: RTC needs metrics with the 15-minute threshold
    fail(invalidRequest('Metrics must be Enabled with an EventThreshold when ReplicationTime is Enabled'));
  }
  if (d.AccessControlTranslation && !d.Account) {
    fail(invalidRequest('Account is required when AccessControlTranslation is specified')); // unconfirmed wording
  }
  const sse = r.SourceSelectionCriteria?.SseKmsEncryptedObjects;
  if (d.EncryptionConfiguration && !sse) {
    fail(invalidRequest('SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present.'));
  }
  if (sse?.Status === 'Enabled' && !d.EncryptionConfiguration?.ReplicaKmsKeyID) {
    fail(invalidRequest('ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.'));
  }
}

function validateDestinationBucket(r: ReplicationRule, ctx: ValidationContext): void {
  const name = bucketNameFromArn(r.Destination.Bucket);
  if (name === null) fail(invalidArgument('Invalid bucket ARN.', { ArgumentName: 'Bucket', ArgumentValue: r.Destination.Bucket })); // unconfirmed wording
  if (name === ctx.source.name) fail(invalidRequest('Destination bucket cannot be the same as the source bucket.')); // unconfirmed wording
  const dest = ctx.bucket(name!);
  // Missing and unversioned destinations get the same error.
  if (!dest || dest.versioning !== 'Enabled') fail(invalidRequest('Destination bucket must have versioning enabled.'));
  if (ctx.source.objectLock && !dest!.objectLock) {
    fail(invalidRequest('Replicating objects from an Object Lock enabled bucket requires Object Lock to be enabled on the destination bucket.')); // unconfirmed wording
  }
}

/** Parses and validates a PutBucketReplication body against the current state. */
export function validateReplicationConfig(
  root: string,
  doc: XmlValue,
  ctx: ValidationContext,
): { ok: true; config: ReplicationConfig } | { ok: false; error: S3ErrorSpec } {
  try {
    return { ok: true, config: validate(root, doc, ctx) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.spec };
    throw e;
  }
}

function validate(root: string, doc: XmlValue, ctx: ValidationContext): ReplicationConfig {
  if (root !== 'ReplicationConfiguration' || !isObject(doc)) fail(MALFORMED);
  const role = text(doc, 'Role');
  if (role === undefined) fail(MALFORMED);
  const ruleNodes = children(doc, 'Rule');
  if (ruleNodes.length === 0) fail(MALFORMED);
  if (ruleNodes.length > 1000) fail(invalidRequest('Number of rules cannot exceed 1000')); // unconfirmed wording
  const rules = ruleNodes.map(parseRule);

  if (ctx.source.versioning !== 'Enabled') {
    fail(invalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration"));
  }
  if (!ROLE_ARN.test(role!)) fail(invalidArgument('Invalid ReplicationConfiguration role ARN', { ArgumentName: 'Role', ArgumentValue: role! })); // unconfirmed wording

  const ids = new Set<string>();
  for (const r of rules) {
    if (r.ID.length > 255) fail(invalidArgument('The ID length should not exceed 255 characters', { ArgumentName: 'ID', ArgumentValue: r.ID })); // unconfirmed wording
    if (r.ID !== '' && ids.has(r.ID)) fail(invalidArgument('Rule Id must be unique.', { ArgumentName: 'ID', ArgumentValue: r.ID })); // unconfirmed wording
    if (r.ID !== '') ids.add(r.ID);
  }
  const v2 = rules.some((r) => r.Filter !== undefined);
  if (v2 && rules.some((r) => r.Filter === undefined)) fail(MALFORMED); // one schema version per document (unconfirmed)
  for (const r of rules) (v2 ? validateRuleV2 : validateRuleV1)(r);
  const destinations = new Set(rules.map((r) => r.Destination.Bucket));
  if (destinations.size > 1 && !v2) fail(invalidRequest('Number of distinct destination bucket ARNs cannot exceed 1'));
  // Every V2 configuration: one priority per rule, whatever the destinations
  // (docs/aws-behaviour.md, "Rule priorities"; the wording is unconfirmed).
  if (v2) {
    const seen = new Map<number, string>();
    for (const r of rules) {
      const other = seen.get(r.Priority!);
      if (other !== undefined) {
        fail(invalidRequest(`Rules ${other} and ${r.ID || '(no ID)'} have the same Priority ${r.Priority}: each rule's Priority must be unique`)); // unconfirmed wording
      }
      seen.set(r.Priority!, r.ID || '(no ID)');
    }
  }
  for (const r of rules) validateDestination(r);
  for (const r of rules) validateDestinationBucket(r, ctx);
  for (const r of rules) if (r.ID === '') r.ID = generatedRuleId();
  return { Role: role!, Rules: rules };
}

// --------------------------------------------------------------- rendering

const statusNode = (tag: string, s: StatusBlock | undefined): XmlNode => [tag, s ? [['Status', s.Status]] : undefined];
const tagNode = (t: Tag): XmlNode => ['Tag', [['Key', t.Key], ['Value', t.Value]]];

function filterNodes(f: ReplicationFilter): XmlNode[] {
  const out: XmlNode[] = [];
  if (f.Prefix !== undefined) out.push(['Prefix', f.Prefix]);
  if (f.Tag) out.push(tagNode(f.Tag));
  if (f.And) {
    const and: XmlNode[] = [];
    if (f.And.Prefix !== undefined) and.push(['Prefix', f.And.Prefix]);
    and.push(...f.And.Tags.map(tagNode));
    out.push(['And', and]);
  }
  return out;
}

function destinationNodes(d: ReplicationDestination): XmlNode[] {
  return [
    ['Bucket', d.Bucket],
    ['Account', d.Account],
    ['StorageClass', d.StorageClass],
    ['AccessControlTranslation', d.AccessControlTranslation ? [['Owner', d.AccessControlTranslation.Owner]] : undefined],
    ['EncryptionConfiguration', d.EncryptionConfiguration ? [['ReplicaKmsKeyID', d.EncryptionConfiguration.ReplicaKmsKeyID]] : undefined],
    [
      'ReplicationTime',
      d.ReplicationTime ? [['Status', d.ReplicationTime.Status], ['Time', [['Minutes', d.ReplicationTime.Time?.Minutes]]]] : undefined,
    ],
    [
      'Metrics',
      d.Metrics
        ? [['Status', d.Metrics.Status], ['EventThreshold', d.Metrics.EventThreshold ? [['Minutes', d.Metrics.EventThreshold.Minutes]] : undefined]]
        : undefined,
    ],
  ];
}

/** The children of <ReplicationConfiguration> as GetBucketReplication returns them. */
export function replicationConfigNodes(c: ReplicationConfig): XmlNode[] {
  return [
    ['Role', c.Role],
    ...c.Rules.map((r): XmlNode => [
      'Rule',
      [
        ['ID', r.ID],
        ['Priority', r.Priority],
        ['Prefix', r.Prefix],
        ['Filter', r.Filter ? filterNodes(r.Filter) : undefined],
        ['Status', r.Status],
        [
          'SourceSelectionCriteria',
          r.SourceSelectionCriteria
            ? [
                statusNode('SseKmsEncryptedObjects', r.SourceSelectionCriteria.SseKmsEncryptedObjects),
                statusNode('ReplicaModifications', r.SourceSelectionCriteria.ReplicaModifications),
              ]
            : undefined,
        ],
        ['Destination', destinationNodes(r.Destination)],
        statusNode('DeleteMarkerReplication', r.DeleteMarkerReplication),
      ],
    ]),
  ];
}

// ----------------------------------------------------------------- matching

/** True when the rule's filter selects an object with this key and these tags. */
export function ruleMatches(r: ReplicationRule, key: string, tags: Tag[]): boolean {
  const hasTag = (t: Tag) => tags.some((x) => x.Key === t.Key && x.Value === t.Value);
  if (r.Prefix !== undefined) return key.startsWith(r.Prefix);
  const f = r.Filter ?? {};
  if (f.Prefix !== undefined) return key.startsWith(f.Prefix);
  if (f.Tag) return hasTag(f.Tag);
  if (f.And) return key.startsWith(f.And.Prefix ?? '') && f.And.Tags.every(hasTag);
  return true;
}

export function isV1(c: ReplicationConfig): boolean {
  return c.Rules.every((r) => r.Filter === undefined);
}
