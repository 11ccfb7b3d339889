/**
 * S3 over REST-XML, path style (`/bucket/key`): buckets, versioning,
 * replication, encryption, public access block, tagging, Object Lock and
 * objects (conditional writes included). Errors carry AWS's codes, statuses
 * and messages; anything AWS would reject is rejected.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { CloudWatchService, Clock, EmuRequest, EmuResponse, IamService, ServiceModule } from './types.js';
import type { KmsService } from './kms.js';
import { child, children, has, parseXml, S3_XMLNS, text, toNodes, xmlDocument, type XmlNode, type XmlValue } from './xml.js';
import {
  addVersion,
  bucketKeyEnabled,
  canonicalUserId,
  currentVersion,
  emptyState,
  findVersion,
  hasAnyVersion,
  md5Etag,
  newHostId,
  newRequestId,
  newVersionId,
  removeVersion,
  type Bucket,
  type ObjectVersion,
  type PublicAccessBlock,
  type S3State,
  type Tag,
} from './s3-model.js';
import { replicationConfigNodes, validateReplicationConfig, type S3ErrorSpec } from './replication-config.js';
import { ReplicationEngine } from './replication.js';
import { isPublicPolicy, validateBucketPolicy } from './bucket-policy.js';
import { notificationConfigNodes, validateNotificationConfig, type NotificationDestinations } from './notification-config.js';
import { ownershipControlsNodes, ownershipFromHeader, ownershipNotFound, parseOwnershipControls } from './ownership.js';

export interface S3Options {
  clock: Clock;
  iam: IamService;
  kms: KmsService;
  cloudwatch: CloudWatchService;
  replicationDelayMs: number;
  /** Where event notifications go (the SQS service). */
  destinations: NotificationDestinations;
  onChange: () => void;
}

export interface S3Service extends ServiceModule {
  operationName(req: EmuRequest): string;
  setBucketAvailable(bucket: string, available: boolean): void;
  /** Direct state access for S3 Control (batch jobs) and tests. */
  readonly state: S3State;
  readonly engine: ReplicationEngine;
  /** Writes an object as a client PutObject would (used for batch job reports). */
  putObjectInternal(bucket: Bucket, key: string, body: Buffer, contentType: string): ObjectVersion;
  settled(): Promise<void>;
  idle(): boolean;
  /** Runs every pending replication now instead of after its delay. */
  runPending(): void;
  stop(): void;
}

const REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-south-1',
  'me-central-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1',
]);

const OBJECT_STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR',
]);

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const fromSpec = (s: S3ErrorSpec) => new S3Error(s.status, s.code, s.message, s.extra ?? {});
const MALFORMED = () =>
  new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
const noSuchBucket = (name: string) => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
const noSuchKey = (key: string, headers: Record<string, string> = {}) =>
  new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }, headers);
const preconditionFailed = (condition: string) =>
  new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });

// ---------------------------------------------------------- request helpers

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Bucket names: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export function validBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return false;
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return false;
  return true;
}

/** Decodes an `aws-chunked` body (SigV4 streaming, signed or not); trailers become headers. */
export function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = parseInt(raw.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    pos = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
  for (const line of raw.subarray(pos).toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

const CHECKSUMS: Record<string, { name: string; compute?: (b: Buffer) => string }> = {
  'x-amz-checksum-crc32': {
    name: 'CRC32',
    compute: (b) => {
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(zlib.crc32(b) >>> 0);
      return buf.toString('base64');
    },
  },
  'x-amz-checksum-crc32c': { name: 'CRC32C' },
  'x-amz-checksum-crc64nvme': { name: 'CRC64NVME' },
  'x-amz-checksum-sha1': { name: 'SHA1', compute: (b) => createHash('sha1').update(b).digest('base64') },
  'x-amz-checksum-sha256': { name: 'SHA256', compute: (b) => createHash('sha256').update(b).digest('base64') },
};

/** The payload with aws-chunked framing removed; Content-MD5 and checksums verified. */
function payload(req: EmuRequest): { body: Buffer; checksums: Record<string, string> } {
  let body = req.body;
  const headers = { ...req.headers };
  const sha = headers['x-amz-content-sha256'] ?? '';
  if ((headers['content-encoding'] ?? '').includes('aws-chunked') || sha.startsWith('STREAMING-')) {
    const decoded = decodeAwsChunked(body);
    body = decoded.body;
    Object.assign(headers, decoded.trailers);
  }
  const md5 = headers['content-md5'];
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
    if (createHash('md5').update(body).digest('base64') !== md5) {
      throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
  }
  const checksums: Record<string, string> = {};
  for (const [h, spec] of Object.entries(CHECKSUMS)) {
    const given = headers[h];
    if (given === undefined) continue;
    if (spec.compute && spec.compute(body) !== given) {
      throw new S3Error(400, 'BadDigest', `The ${spec.name} you specified did not match the calculated checksum.`);
    }
    checksums[h] = given;
  }
  return { body, checksums };
}

function parseBody(body: Buffer): { root: string; value: XmlValue } {
  const doc = parseXml(body);
  if (!doc) throw MALFORMED();
  return doc;
}

/** `k1=v1&k2=v2` as in x-amz-tagging. */
function parseTaggingHeader(h: string): Tag[] {
  const tags: Tag[] = [];
  for (const [Key, Value] of new URLSearchParams(h)) tags.push({ Key, Value });
  return tags;
}

function validateTags(tags: Tag[], max: number, kind: 'object' | 'bucket'): void {
  if (tags.length > max) {
    if (kind === 'object') throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
    throw new S3Error(400, 'InvalidTag', 'Bucket tag count cannot be greater than 50');
  }
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.Key)) throw new S3Error(400, 'InvalidTag', 'Cannot provide multiple Tags with the same key', { TagKey: t.Key });
    seen.add(t.Key);
    if (t.Key.length < 1 || t.Key.length > 128) throw new S3Error(400, 'InvalidTag', 'The TagKey you have provided is invalid', { TagKey: t.Key });
    if (t.Value.length > 256) throw new S3Error(400, 'InvalidTag', 'The TagValue you have provided is invalid', { TagKey: t.Key, TagValue: t.Value });
    if (t.Key.toLowerCase().startsWith('aws:')) throw new S3Error(400, 'InvalidTag', 'System tags cannot be added/updated by requester');
  }
}

function parseTagSet(body: Buffer): Tag[] {
  const { root, value } = parseBody(body);
  if (root !== 'Tagging' || !has(value, 'TagSet')) throw MALFORMED();
  return children(child(value, 'TagSet'), 'Tag').map((t) => {
    const Key = text(t, 'Key');
    const Value = text(t, 'Value');
    if (Key === undefined || Value === undefined) throw MALFORMED();
    return { Key, Value };
  });
}

const tagSetNodes = (tags: Tag[]): XmlNode[] => [['TagSet', tags.map((t): XmlNode => ['Tag', [['Key', t.Key], ['Value', t.Value]]])]];

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((s) => s.trim())
    .some((e) => e === '*' || e === etag || `"${e}"` === etag);
}

// ------------------------------------------------------------------ module

export function createS3(opts: S3Options): S3Service {
  let state: S3State = emptyState();
  const engine = new ReplicationEngine({
    state: () => state,
    iam: opts.iam,
    kms: opts.kms,
    cloudwatch: opts.cloudwatch,
    clock: opts.clock,
    delayMs: opts.replicationDelayMs,
    destinations: opts.destinations,
    onChange: opts.onChange,
  });
  const now = () => opts.clock.now();

  const xml = (root: string, content: XmlNode[], headers: Record<string, string> = {}, status = 200): EmuResponse => ({
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: xmlDocument(root, content, S3_XMLNS),
  });

  const errorResponse = (req: EmuRequest, e: S3Error): EmuResponse => {
    const requestId = newRequestId();
    const hostId = newHostId();
    const headers = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId, ...e.headers };
    if (req.method === 'HEAD') return { status: e.status, headers };
    const extra: XmlNode[] = Object.entries(e.extra).map(([k, v]) => [k, v]);
    return {
      status: e.status,
      headers: { 'content-type': 'application/xml', ...headers },
      body: xmlDocument('Error', [['Code', e.code], ['Message', e.message], ...extra, ['RequestId', requestId], ['HostId', hostId]]),
    };
  };

  // ------------------------------------------------------------- lookups

  /** The bucket, checked as S3 does: exists, right region endpoint, caller's account. */
  const ownBucket = (req: EmuRequest, name: string, opt: { anyRegion?: boolean } = {}): Bucket => {
    const b = state.buckets[name];
    if (!b) throw noSuchBucket(name);
    if (!opt.anyRegion && b.region !== req.region) {
      throw new S3Error(
        301,
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
        { Endpoint: `s3.${b.region}.amazonaws.com`, Bucket: name },
        { 'x-amz-bucket-region': b.region },
      );
    }
    if (b.accountId !== req.accountId) throw new S3Error(403, 'AccessDenied', 'Access Denied', {}, { 'x-amz-bucket-region': b.region });
    return b;
  };

  // --------------------------------------------------------- bucket ops

  const createBucket = (req: EmuRequest, name: string): EmuResponse => {
    if (!validBucketName(name)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
    let constraint: string | undefined;
    if (req.body.length > 0) {
      const { root, value } = parseBody(req.body);
      if (root !== 'CreateBucketConfiguration') throw MALFORMED();
      const lc = text(value, 'LocationConstraint');
      if (lc !== undefined && lc !== '') constraint = lc;
    }
    const existing = state.buckets[name];
    if (existing) {
      if (existing.accountId !== req.accountId) {
        throw new S3Error(
          409,
          'BucketAlreadyExists',
          'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
          { BucketName: name },
        );
      }
      // us-east-1 keeps its legacy answer: 200 for a bucket you already own there.
      if (!(existing.region === 'us-east-1' && req.region === 'us-east-1' && constraint === undefined)) {
        throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
          BucketName: name,
        });
      }
      return { status: 200, headers: { location: `/${name}` } };
    }
    let region: string;
    if (req.region === 'us-east-1') {
      // The us-east-1 endpoint creates in any region but refuses an explicit "us-east-1".
      if (constraint !== undefined && (constraint === 'us-east-1' || !REGIONS.has(constraint))) {
        throw new S3Error(400, 'InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: constraint });
      }
      region = constraint ?? 'us-east-1';
    } else {
      if (constraint !== undefined && !REGIONS.has(constraint)) {
        throw new S3Error(400, 'InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: constraint });
      }
      if (constraint !== req.region) {
        throw new S3Error(
          400,
          'IllegalLocationConstraintException',
          `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
      }
      region = constraint;
    }
    const objectLock = (req.headers['x-amz-bucket-object-lock-enabled'] ?? '').toLowerCase() === 'true';
    const ownership = ownershipFromHeader(req.headers['x-amz-object-ownership']);
    if (!ownership.ok) throw fromSpec(ownership.error);
    state.buckets[name] = {
      name,
      accountId: req.accountId,
      region,
      creationDate: now(),
      objectLock,
      ...(objectLock ? { versioning: 'Enabled' as const } : {}),
      // Since April 2023 new buckets start with every Block Public Access setting on.
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      ownership: ownership.value,
      objects: {},
    };
    return { status: 200, headers: { location: `/${name}` } };
  };

  const listBuckets = (req: EmuRequest): EmuResponse => {
    const prefix = req.query.get('prefix') ?? '';
    const regionFilter = req.query.get('bucket-region');
    const max = Math.min(Number(req.query.get('max-buckets') ?? 10000) || 10000, 10000);
    const token = req.query.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64').toString('utf8') : '';
    const all = Object.values(state.buckets)
      .filter((b) => b.accountId === req.accountId && b.name.startsWith(prefix) && (!regionFilter || b.region === regionFilter))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .filter((b) => b.name > after);
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    return xml('ListAllMyBucketsResult', [
      ['Owner', [['ID', canonicalUserId(req.accountId)], ['DisplayName', `account-${req.accountId}`]]],
      [
        'Buckets',
        page.map((b): XmlNode => ['Bucket', [['Name', b.name], ['CreationDate', isoDate(b.creationDate)], ['BucketRegion', b.region]]]),
      ],
      ['Prefix', req.query.has('prefix') ? prefix : undefined],
      ['ContinuationToken', truncated ? Buffer.from(page[page.length - 1]!.name).toString('base64') : undefined],
    ]);
  };

  const headBucket = (req: EmuRequest, name: string): EmuResponse => {
    const b = ownBucket(req, name);
    return { status: 200, headers: { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' } };
  };

  const deleteBucket = (req: EmuRequest, name: string): EmuResponse => {
    const b = ownBucket(req, name);
    if (hasAnyVersion(b)) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
    delete state.buckets[name];
    return { status: 204 };
  };

  const getVersioning = (b: Bucket): EmuResponse =>
    xml('VersioningConfiguration', b.versioning ? [['Status', b.versioning]] : []);

  const putVersioning = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(req.body);
    if (root !== 'VersioningConfiguration') throw MALFORMED();
    const status = text(value, 'Status');
    const mfa = text(value, 'MfaDelete');
    if (mfa !== undefined && mfa !== 'Enabled' && mfa !== 'Disabled') throw MALFORMED();
    if (status === undefined) return { status: 200 }; // nothing to change
    if (status !== 'Enabled' && status !== 'Suspended') throw MALFORMED();
    if (status === 'Suspended' && b.objectLock) {
      throw new S3Error(409, 'InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    if (status === 'Suspended' && b.replication) {
      // unconfirmed wording: S3 refuses to suspend versioning under a replication configuration.
      throw new S3Error(409, 'InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    b.versioning = status;
    return { status: 200 };
  };

  const putReplication = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    const result = validateReplicationConfig(root, value, { source: b, bucket: (n) => state.buckets[n] });
    if (!result.ok) throw fromSpec(result.error);
    b.replication = result.config;
    return { status: 200 };
  };

  const getReplication = (b: Bucket): EmuResponse => {
    if (!b.replication) {
      throw new S3Error(404, 'ReplicationConfigurationNotFoundError', 'The replication configuration was not found', { BucketName: b.name });
    }
    return xml('ReplicationConfiguration', replicationConfigNodes(b.replication));
  };

  const DEFAULT_ENCRYPTION: XmlNode[] = [
    ['Rule', [['ApplyServerSideEncryptionByDefault', [['SSEAlgorithm', 'AES256']]], ['BucketKeyEnabled', 'false']]],
  ];

  const putEncryption = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    if (root !== 'ServerSideEncryptionConfiguration') throw MALFORMED();
    const rules = children(value, 'Rule');
    if (rules.length !== 1) throw MALFORMED();
    const def = child(rules[0], 'ApplyServerSideEncryptionByDefault');
    if (def !== undefined) {
      const alg = text(def, 'SSEAlgorithm');
      if (alg !== 'AES256' && alg !== 'aws:kms' && alg !== 'aws:kms:dsse') throw MALFORMED();
      if (alg === 'AES256' && has(def, 'KMSMasterKeyID')) {
        throw new S3Error(400, 'InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', {
          ArgumentName: 'ApplyServerSideEncryptionByDefault',
        });
      }
    }
    const bucketKey = text(rules[0], 'BucketKeyEnabled');
    if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw MALFORMED();
    b.encryption = value;
    return { status: 200 };
  };

  const getEncryption = (b: Bucket): EmuResponse => {
    // Since January 2023 every bucket has SSE-S3 by default: GET never 404s for "none".
    if (b.encryption === undefined) return xml('ServerSideEncryptionConfiguration', DEFAULT_ENCRYPTION);
    // The rule as put, with BucketKeyEnabled always stated (false unless it was
    // put true), as S3 answers (docs/aws-behaviour.md, "KMS: S3 Bucket Key encryption context").
    const rule = children(b.encryption, 'Rule')[0];
    const def = child(rule, 'ApplyServerSideEncryptionByDefault');
    const content: XmlNode[] = [];
    if (def !== undefined) {
      content.push(['ApplyServerSideEncryptionByDefault', [['SSEAlgorithm', text(def, 'SSEAlgorithm')], ['KMSMasterKeyID', text(def, 'KMSMasterKeyID')]]]);
    }
    content.push(['BucketKeyEnabled', bucketKeyEnabled(b) ? 'true' : 'false']);
    return xml('ServerSideEncryptionConfiguration', [['Rule', content]]);
  };

  const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

  const putPublicAccessBlock = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    if (root !== 'PublicAccessBlockConfiguration') throw MALFORMED();
    const pab = {} as PublicAccessBlock;
    for (const f of PAB_FIELDS) {
      const v = text(value, f);
      if (v !== undefined && v !== 'true' && v !== 'false') throw MALFORMED();
      pab[f] = v === 'true';
    }
    b.publicAccessBlock = pab;
    return { status: 200 };
  };

  const getPublicAccessBlock = (b: Bucket): EmuResponse => {
    const pab = b.publicAccessBlock;
    if (!pab) {
      throw new S3Error(404, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', { BucketName: b.name });
    }
    return xml('PublicAccessBlockConfiguration', PAB_FIELDS.map((f): XmlNode => [f, String(pab[f])]));
  };

  const putBucketTagging = (req: EmuRequest, b: Bucket): EmuResponse => {
    const tags = parseTagSet(payload(req).body);
    validateTags(tags, 50, 'bucket');
    b.tags = tags;
    return { status: 204 };
  };

  const getBucketTagging = (b: Bucket): EmuResponse => {
    if (!b.tags || b.tags.length === 0) throw new S3Error(404, 'NoSuchTagSet', 'The TagSet does not exist', { BucketName: b.name });
    return xml('Tagging', tagSetNodes(b.tags));
  };

  const putObjectLock = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    if (root !== 'ObjectLockConfiguration') throw MALFORMED();
    const enabled = text(value, 'ObjectLockEnabled');
    if (enabled !== undefined && enabled !== 'Enabled') throw MALFORMED();
    const rule = child(value, 'Rule');
    if (rule !== undefined) {
      const dr = child(rule, 'DefaultRetention');
      const mode = text(dr, 'Mode');
      if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw MALFORMED();
      const days = text(dr, 'Days');
      const years = text(dr, 'Years');
      if ((days === undefined) === (years === undefined)) throw MALFORMED();
      const n = Number(days ?? years);
      if (!Number.isInteger(n) || n <= 0) {
        throw new S3Error(400, 'InvalidArgument', 'Default retention period must be a positive integer value', { ArgumentName: days ? 'Days' : 'Years' });
      }
    }
    if (!b.objectLock) {
      if (enabled !== 'Enabled') throw MALFORMED();
      if (b.versioning !== 'Enabled') {
        throw new S3Error(409, 'InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
      }
      b.objectLock = true;
    }
    if (rule !== undefined) b.objectLockRule = rule;
    else delete b.objectLockRule;
    return { status: 200 };
  };

  const getObjectLock = (b: Bucket): EmuResponse => {
    if (!b.objectLock) {
      throw new S3Error(404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', { BucketName: b.name });
    }
    const rule = b.objectLockRule !== undefined ? toNodes(b.objectLockRule) : undefined;
    return xml('ObjectLockConfiguration', [
      ['ObjectLockEnabled', 'Enabled'],
      ['Rule', typeof rule === 'string' ? undefined : rule],
    ]);
  };

  const putBucketPolicy = (req: EmuRequest, b: Bucket): EmuResponse => {
    const text = payload(req).body.toString('utf8');
    const result = validateBucketPolicy(text, b.name, (arn) => opts.iam.principalExists(arn));
    if (!result.ok) throw fromSpec(result.error);
    if (b.publicAccessBlock?.BlockPublicPolicy && isPublicPolicy(result.doc)) throw new S3Error(403, 'AccessDenied', 'Access Denied');
    b.policy = text;
    return { status: 204 };
  };

  const getBucketPolicy = (b: Bucket): EmuResponse => {
    if (b.policy === undefined) throw new S3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', { BucketName: b.name });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: b.policy };
  };

  const putNotification = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    const skip = (req.headers['x-amz-skip-destination-validation'] ?? '').toLowerCase() === 'true';
    const result = validateNotificationConfig(root, value, {
      bucketName: b.name,
      bucketRegion: b.region,
      accountId: b.accountId,
      skipDestinationValidation: skip,
      destinations: opts.destinations,
    });
    if (!result.ok) throw fromSpec(result.error);
    b.notification = result.config;
    if (!skip) {
      // A validated configuration gets S3's test message in each queue (docs/aws-behaviour.md, "Event notifications: the test event").
      const requestId = newRequestId();
      const queues = [...new Set(result.config.targets.filter((t) => t.kind === 'Queue').map((t) => t.Arn))];
      for (const q of queues) {
        const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date(now()).toISOString(), Bucket: b.name, RequestId: requestId, HostId: newHostId() });
        opts.destinations.sendToQueue(q, body, { bucketName: b.name, accountId: b.accountId });
      }
    }
    return { status: 200 };
  };

  const putOwnershipControls = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    const result = parseOwnershipControls(root, value);
    if (!result.ok) throw fromSpec(result.error);
    b.ownership = result.value;
    return { status: 200 };
  };

  const getOwnershipControls = (b: Bucket): EmuResponse => {
    if (b.ownership === undefined) throw fromSpec(ownershipNotFound(b.name));
    return xml('OwnershipControls', ownershipControlsNodes(b.ownership));
  };

  // ------------------------------------------------------------- listing

  const listObjectVersions = (req: EmuRequest, b: Bucket): EmuResponse => {
    const q = req.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const keyMarker = q.get('key-marker') ?? '';
    const versionMarker = q.get('version-id-marker') ?? '';
    const maxKeys = maxKeysParam(q.get('max-keys'));
    if (versionMarker && !keyMarker) {
      throw new S3Error(400, 'InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
        ArgumentName: 'version-id-marker',
        ArgumentValue: versionMarker,
      });
    }
    const entries: XmlNode[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let truncated = false;
    let nextKey: string | undefined;
    let nextVersion: string | undefined;
    const keys = Object.keys(b.objects).filter((k) => k.startsWith(prefix)).sort();
    outer: for (const key of keys) {
      if (key < keyMarker || (key === keyMarker && !versionMarker)) continue;
      const cp = commonPrefix(key, prefix, delimiter);
      if (cp !== null) {
        if (prefixes.includes(cp) || (keyMarker && cp <= keyMarker && keyMarker.startsWith(cp))) continue;
        if (count >= maxKeys) {
          truncated = true;
          break;
        }
        prefixes.push(cp);
        count++;
        nextKey = cp;
        nextVersion = undefined;
        continue;
      }
      const versions = b.objects[key]!;
      let start = 0;
      if (key === keyMarker && versionMarker) {
        const i = versions.findIndex((v) => v.versionId === versionMarker);
        start = i < 0 ? versions.length : i + 1;
      }
      for (let i = start; i < versions.length; i++) {
        if (count >= maxKeys) {
          truncated = true;
          break outer;
        }
        const v = versions[i]!;
        entries.push(versionEntry(v, i === 0, b.accountId));
        count++;
        nextKey = key;
        nextVersion = v.versionId;
      }
    }
    return xml('ListVersionsResult', [
      ['Name', b.name],
      ['Prefix', prefix],
      ['KeyMarker', keyMarker],
      ['VersionIdMarker', versionMarker],
      ['NextKeyMarker', truncated ? nextKey : undefined],
      ['NextVersionIdMarker', truncated ? nextVersion : undefined],
      ['MaxKeys', maxKeys],
      ['Delimiter', delimiter || undefined],
      ['IsTruncated', truncated],
      ...entries,
      ...prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', p]]]),
    ]);
  };

  const versionEntry = (v: ObjectVersion, latest: boolean, owner: string): XmlNode => {
    const ownerNode: XmlNode = ['Owner', [['ID', canonicalUserId(owner)], ['DisplayName', `account-${owner}`]]];
    if (v.isDeleteMarker) {
      return ['DeleteMarker', [['Key', v.key], ['VersionId', v.versionId], ['IsLatest', latest], ['LastModified', isoDate(v.lastModified)], ownerNode]];
    }
    return [
      'Version',
      [
        ['Key', v.key],
        ['VersionId', v.versionId],
        ['IsLatest', latest],
        ['LastModified', isoDate(v.lastModified)],
        ['ETag', v.etag],
        ['Size', v.size],
        ['StorageClass', v.storageClass],
        ownerNode,
      ],
    ];
  };

  const listObjects = (req: EmuRequest, b: Bucket, v2: boolean): EmuResponse => {
    const q = req.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = maxKeysParam(q.get('max-keys'));
    const token = q.get('continuation-token');
    let after = v2 ? (q.get('start-after') ?? '') : (q.get('marker') ?? '');
    if (v2 && token !== null) {
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      if (!decoded.startsWith('k:')) throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
      after = decoded.slice(2);
    }
    const contents: XmlNode[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last = '';
    const keys = Object.keys(b.objects).filter((k) => k.startsWith(prefix) && k > after).sort();
    for (const key of keys) {
      const cur = currentVersion(b, key);
      if (!cur || cur.isDeleteMarker) continue;
      const cp = commonPrefix(key, prefix, delimiter);
      if (cp !== null && (prefixes.includes(cp) || (after && after.startsWith(cp)))) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (cp !== null) {
        prefixes.push(cp);
        last = cp;
        continue;
      }
      contents.push([
        'Contents',
        [['Key', key], ['LastModified', isoDate(cur.lastModified)], ['ETag', cur.etag], ['Size', cur.size], ['StorageClass', cur.storageClass]],
      ]);
      last = key;
    }
    // A common prefix is skipped whole on the next page: continue after its last possible key.
    const resumeAfter = last.endsWith(delimiter) && delimiter && prefixes.includes(last) ? `${last}\u{10FFFF}` : last;
    const common = prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', p]]]);
    if (v2) {
      return xml('ListBucketResult', [
        ['Name', b.name],
        ['Prefix', prefix],
        ['Delimiter', delimiter || undefined],
        ['MaxKeys', maxKeys],
        ['KeyCount', contents.length + prefixes.length],
        ['IsTruncated', truncated],
        ['ContinuationToken', token ?? undefined],
        ['NextContinuationToken', truncated ? Buffer.from(`k:${resumeAfter}`).toString('base64') : undefined],
        ['StartAfter', q.get('start-after') ?? undefined],
        ...contents,
        ...common,
      ]);
    }
    return xml('ListBucketResult', [
      ['Name', b.name],
      ['Prefix', prefix],
      ['Marker', q.get('marker') ?? ''],
      ['NextMarker', truncated && delimiter ? last : undefined],
      ['MaxKeys', maxKeys],
      ['Delimiter', delimiter || undefined],
      ['IsTruncated', truncated],
      ...contents,
      ...common,
    ]);
  };

  // ------------------------------------------------------------- objects

  const objectHeaders = (b: Bucket, v: ObjectVersion): Record<string, string> => {
    const h: Record<string, string> = {
      etag: v.etag,
      'last-modified': httpDate(v.lastModified),
      'content-type': v.contentType ?? 'binary/octet-stream',
      'accept-ranges': 'bytes',
      ...sseHeaders(v),
    };
    if (b.versioning) h['x-amz-version-id'] = v.versionId;
    if (v.replicationStatus) h['x-amz-replication-status'] = v.replicationStatus;
    if (v.storageClass !== 'STANDARD') h['x-amz-storage-class'] = v.storageClass;
    if (v.tags.length > 0) h['x-amz-tagging-count'] = String(v.tags.length);
    for (const [k, val] of Object.entries(v.metadata)) h[`x-amz-meta-${k}`] = val;
    return h;
  };

  const newVersion = (b: Bucket, key: string, fields: Partial<ObjectVersion>): ObjectVersion => ({
    key,
    versionId: b.versioning === 'Enabled' ? newVersionId() : 'null',
    isDeleteMarker: false,
    body: '',
    etag: md5Etag(Buffer.alloc(0)),
    size: 0,
    lastModified: now(),
    metadata: {},
    tags: [],
    storageClass: 'STANDARD',
    ...fields,
  });

  /**
   * SSE-KMS for a new object: the request's `x-amz-server-side-encryption:
   * aws:kms` (and key id), else the bucket's default encryption. The key must
   * exist in the bucket's region and its policy must let the writer use it.
   */
  const kmsKeyFor = (req: EmuRequest, b: Bucket): string | undefined => {
    const alg = req.headers['x-amz-server-side-encryption'];
    let keyId: string | undefined;
    if (alg !== undefined) {
      if (alg !== 'aws:kms' && alg !== 'AES256') throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: alg });
      if (alg === 'AES256') return undefined;
      keyId = req.headers['x-amz-server-side-encryption-aws-kms-key-id'];
    } else {
      const def = child(children(b.encryption, 'Rule')[0], 'ApplyServerSideEncryptionByDefault');
      if (text(def, 'SSEAlgorithm') !== 'aws:kms') return undefined;
      keyId = text(def, 'KMSMasterKeyID');
    }
    // The AWS managed key aws/s3 is not emulated: a key must be named.
    if (keyId === undefined) throw new S3Error(400, 'InvalidArgument', 'An SSE-KMS key id is required by the emulator (aws/s3 is not emulated)'); // emulator limit, not AWS behaviour
    const arn = keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${b.region}:${b.accountId}:key/${keyId}`;
    const k = opts.kms.keyByArn(arn);
    // unconfirmed wording
    if (!k || k.region !== b.region) throw new S3Error(400, 'KMS.NotFoundException', `Invalid keyId ${keyId}`);
    if (!opts.kms.keyPolicyAllows(k, { arn: req.principalArn, accountId: req.accountId }, 'kms:GenerateDataKey')) throw new S3Error(403, 'AccessDenied', 'Access Denied');
    return k.arn;
  };

  const putObject = (req: EmuRequest, b: Bucket, key: string): EmuResponse => {
    if (req.headers['x-amz-copy-source']) {
      throw new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'x-amz-copy-source' });
    }
    if (key.length > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
    const { body, checksums } = payload(req);
    const cur = currentVersion(b, key);
    const live = cur && !cur.isDeleteMarker ? cur : undefined;
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') {
        throw new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
      }
      if (live) throw preconditionFailed('If-None-Match');
    }
    if (ifMatch !== undefined) {
      if (!live) throw noSuchKey(key);
      if (!etagMatches(ifMatch, live.etag)) throw preconditionFailed('If-Match');
    }
    const kmsKeyArn = kmsKeyFor(req, b);
    // An SSE-KMS object uses an S3 Bucket Key when the request asks for one, else when the bucket's default encryption has it.
    const bucketKeyHeader = req.headers['x-amz-server-side-encryption-bucket-key-enabled'];
    const bucketKey = kmsKeyArn !== undefined && (bucketKeyHeader !== undefined ? bucketKeyHeader.toLowerCase() === 'true' : bucketKeyEnabled(b));
    const storageClass = req.headers['x-amz-storage-class'] ?? 'STANDARD';
    if (!OBJECT_STORAGE_CLASSES.has(storageClass)) throw new S3Error(400, 'InvalidStorageClass', 'The storage class you specified is not valid', { StorageClassRequested: storageClass });
    const tags = req.headers['x-amz-tagging'] !== undefined ? parseTaggingHeader(req.headers['x-amz-tagging']) : [];
    validateTags(tags, 10, 'object');
    const metadata: Record<string, string> = {};
    for (const [h, val] of Object.entries(req.headers)) if (h.startsWith('x-amz-meta-')) metadata[h.slice(11)] = val;
    const v = newVersion(b, key, {
      body: body.toString('base64'),
      etag: md5Etag(body),
      size: body.length,
      contentType: req.headers['content-type'],
      metadata,
      tags,
      storageClass,
      ...(kmsKeyArn ? { kmsKeyArn } : {}),
      ...(bucketKey ? { bucketKey } : {}),
    });
    addVersion(b, v);
    engine.onWrite(b, v);
    const headers: Record<string, string> = { etag: v.etag, ...sseHeaders(v), ...checksums };
    if (b.versioning === 'Enabled') headers['x-amz-version-id'] = v.versionId;
    return { status: 200, headers };
  };

  /** The version a GET/HEAD/tagging call addresses, or the matching S3 error. */
  const addressedVersion = (req: EmuRequest, b: Bucket, key: string): ObjectVersion => {
    const versionId = req.query.get('versionId');
    if (versionId !== null) {
      const v = findVersion(b, key, versionId);
      if (!v) {
        if (versionId !== 'null' && !/^[A-Za-z0-9._-]{1,1024}$/.test(versionId)) {
          throw new S3Error(400, 'InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
        }
        throw new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });
      }
      if (v.isDeleteMarker) {
        throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: req.method, ResourceType: 'DeleteMarker' }, {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': v.versionId,
          'last-modified': httpDate(v.lastModified),
        });
      }
      return v;
    }
    const v = currentVersion(b, key);
    if (!v) throw noSuchKey(key);
    if (v.isDeleteMarker) throw noSuchKey(key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': v.versionId });
    return v;
  };

  const getObject = (req: EmuRequest, b: Bucket, key: string, head: boolean): EmuResponse => {
    const v = addressedVersion(req, b, key);
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifMatch !== undefined && !etagMatches(ifMatch, v.etag)) throw preconditionFailed('If-Match');
    const headers = objectHeaders(b, v);
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, v.etag)) {
      return { status: 304, headers: { etag: v.etag, 'last-modified': headers['last-modified']! } };
    }
    const body = Buffer.from(v.body, 'base64');
    headers['content-length'] = String(body.length);
    return { status: 200, headers, body: head ? undefined : body };
  };

  const deleteObject = (req: EmuRequest, b: Bucket, key: string): EmuResponse => {
    const versionId = req.query.get('versionId');
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined) {
      const target = versionId !== null ? findVersion(b, key, versionId) : currentVersion(b, key);
      if (!target || target.isDeleteMarker) throw noSuchKey(key);
      if (!etagMatches(ifMatch, target.etag)) throw preconditionFailed('If-Match');
    }
    if (versionId !== null) {
      // Deleting one version is permanent and never replicates.
      const removed = removeVersion(b, key, versionId);
      const headers: Record<string, string> = { 'x-amz-version-id': versionId };
      if (removed?.isDeleteMarker) headers['x-amz-delete-marker'] = 'true';
      return { status: 204, headers };
    }
    if (!b.versioning) {
      removeVersion(b, key, 'null');
      return { status: 204 };
    }
    const marker = newVersion(b, key, { isDeleteMarker: true });
    addVersion(b, marker);
    engine.onWrite(b, marker);
    const headers: Record<string, string> = { 'x-amz-delete-marker': 'true' };
    if (b.versioning === 'Enabled') headers['x-amz-version-id'] = marker.versionId;
    return { status: 204, headers };
  };

  const deleteObjects = (req: EmuRequest, b: Bucket): EmuResponse => {
    const { root, value } = parseBody(payload(req).body);
    if (root !== 'Delete') throw MALFORMED();
    const objects = children(value, 'Object');
    if (objects.length === 0 || objects.length > 1000) throw MALFORMED();
    const quiet = text(value, 'Quiet') === 'true';
    const results: XmlNode[] = [];
    for (const o of objects) {
      const key = text(o, 'Key');
      if (key === undefined) throw MALFORMED();
      const versionId = text(o, 'VersionId');
      const sub: EmuRequest = { ...req, query: new URLSearchParams(versionId !== undefined ? { versionId } : {}), headers: {} };
      const etag = text(o, 'ETag');
      if (etag !== undefined) sub.headers['if-match'] = etag;
      try {
        const res = deleteObject(sub, b, key);
        if (quiet) continue;
        const h = res.headers ?? {};
        const dm = h['x-amz-delete-marker'] === 'true';
        results.push([
          'Deleted',
          [
            ['Key', key],
            ['VersionId', versionId],
            ['DeleteMarker', dm ? 'true' : undefined],
            ['DeleteMarkerVersionId', dm && versionId === undefined ? h['x-amz-version-id'] : undefined],
          ],
        ]);
      } catch (e) {
        if (!(e instanceof S3Error)) throw e;
        results.push(['Error', [['Key', key], ['VersionId', versionId], ['Code', e.code], ['Message', e.message]]]);
      }
    }
    return xml('DeleteResult', results);
  };

  const putObjectTagging = (req: EmuRequest, b: Bucket, key: string): EmuResponse => {
    const tags = parseTagSet(payload(req).body);
    validateTags(tags, 10, 'object');
    const v = addressedVersion(req, b, key);
    v.tags = tags;
    engine.onTagsChanged(b, v);
    return { status: 200, headers: b.versioning ? { 'x-amz-version-id': v.versionId } : {} };
  };

  const getObjectTagging = (req: EmuRequest, b: Bucket, key: string): EmuResponse => {
    const v = addressedVersion(req, b, key);
    return xml('Tagging', tagSetNodes(v.tags), b.versioning ? { 'x-amz-version-id': v.versionId } : {});
  };

  const deleteObjectTagging = (req: EmuRequest, b: Bucket, key: string): EmuResponse => {
    const v = addressedVersion(req, b, key);
    v.tags = [];
    engine.onTagsChanged(b, v);
    return { status: 204, headers: b.versioning ? { 'x-amz-version-id': v.versionId } : {} };
  };

  // ------------------------------------------------------------- routing

  const splitPath = (req: EmuRequest): { bucket: string; key: string | null } => {
    const raw = req.rawPath.replace(/^\//, '');
    const slash = raw.indexOf('/');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
      }
    };
    if (slash < 0) return { bucket: dec(raw), key: null };
    const key = raw.slice(slash + 1);
    return { bucket: dec(raw.slice(0, slash)), key: key === '' ? null : dec(key) };
  };

  const BUCKET_SUBRESOURCES: Record<string, Record<string, string>> = {
    GET: {
      versioning: 'GetBucketVersioning',
      replication: 'GetBucketReplication',
      encryption: 'GetBucketEncryption',
      publicAccessBlock: 'GetPublicAccessBlock',
      tagging: 'GetBucketTagging',
      'object-lock': 'GetObjectLockConfiguration',
      location: 'GetBucketLocation',
      versions: 'ListObjectVersions',
      policy: 'GetBucketPolicy',
      ownershipControls: 'GetBucketOwnershipControls',
      acl: 'GetBucketAcl',
      lifecycle: 'GetBucketLifecycleConfiguration',
      notification: 'GetBucketNotificationConfiguration',
    },
    PUT: {
      versioning: 'PutBucketVersioning',
      replication: 'PutBucketReplication',
      encryption: 'PutBucketEncryption',
      publicAccessBlock: 'PutPublicAccessBlock',
      tagging: 'PutBucketTagging',
      'object-lock': 'PutObjectLockConfiguration',
      policy: 'PutBucketPolicy',
      ownershipControls: 'PutBucketOwnershipControls',
      acl: 'PutBucketAcl',
      lifecycle: 'PutBucketLifecycleConfiguration',
      notification: 'PutBucketNotificationConfiguration',
    },
    DELETE: {
      replication: 'DeleteBucketReplication',
      encryption: 'DeleteBucketEncryption',
      publicAccessBlock: 'DeletePublicAccessBlock',
      tagging: 'DeleteBucketTagging',
      policy: 'DeleteBucketPolicy',
      ownershipControls: 'DeleteBucketOwnershipControls',
      lifecycle: 'DeleteBucketLifecycle',
    },
    POST: { delete: 'DeleteObjects' },
  };

  const operationName = (req: EmuRequest): string => {
    let parts: { bucket: string; key: string | null };
    try {
      parts = splitPath(req);
    } catch {
      return 'Unknown';
    }
    const m = req.method;
    if (parts.bucket === '') return m === 'GET' ? 'ListBuckets' : 'Unknown';
    if (parts.key === null) {
      const sub = Object.entries(BUCKET_SUBRESOURCES[m] ?? {}).find(([q]) => req.query.has(q));
      if (sub) return sub[1];
      if (m === 'GET') return req.query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      return { PUT: 'CreateBucket', DELETE: 'DeleteBucket', HEAD: 'HeadBucket' }[m] ?? 'Unknown';
    }
    const q = req.query;
    if (q.has('tagging')) return { GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' }[m] ?? 'Unknown';
    if (q.has('uploads') || q.has('uploadId')) return 'MultipartUpload';
    if (q.has('acl') || q.has('retention') || q.has('legal-hold') || q.has('attributes')) return 'Unknown';
    if (m === 'PUT') return req.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    return { GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }[m] ?? 'Unknown';
  };

  const notImplemented = () => new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');

  const dispatch = (req: EmuRequest): EmuResponse => {
    const op = operationName(req);
    const { bucket: name, key } = splitPath(req);
    switch (op) {
      case 'ListBuckets':
        return listBuckets(req);
      case 'CreateBucket':
        return createBucket(req, name);
      case 'HeadBucket':
        return headBucket(req, name);
      case 'DeleteBucket':
        return deleteBucket(req, name);
      case 'GetBucketLocation': {
        // Answered from any region's endpoint: it is how clients find a bucket's region.
        const b = ownBucket(req, name, { anyRegion: true });
        return {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_XMLNS}">${b.region === 'us-east-1' ? '' : b.region}</LocationConstraint>`,
        };
      }
    }
    const b = ownBucket(req, name);
    switch (op) {
      case 'GetBucketVersioning':
        return getVersioning(b);
      case 'PutBucketVersioning':
        return putVersioning(req, b);
      case 'PutBucketReplication':
        return putReplication(req, b);
      case 'GetBucketReplication':
        return getReplication(b);
      case 'DeleteBucketReplication':
        delete b.replication;
        return { status: 204 };
      case 'PutBucketEncryption':
        return putEncryption(req, b);
      case 'GetBucketEncryption':
        return getEncryption(b);
      case 'DeleteBucketEncryption':
        delete b.encryption;
        return { status: 204 };
      case 'PutPublicAccessBlock':
        return putPublicAccessBlock(req, b);
      case 'GetPublicAccessBlock':
        return getPublicAccessBlock(b);
      case 'DeletePublicAccessBlock':
        delete b.publicAccessBlock;
        return { status: 204 };
      case 'PutBucketTagging':
        return putBucketTagging(req, b);
      case 'GetBucketTagging':
        return getBucketTagging(b);
      case 'DeleteBucketTagging':
        delete b.tags;
        return { status: 204 };
      case 'PutObjectLockConfiguration':
        return putObjectLock(req, b);
      case 'GetObjectLockConfiguration':
        return getObjectLock(b);
      case 'PutBucketPolicy':
        return putBucketPolicy(req, b);
      case 'GetBucketPolicy':
        return getBucketPolicy(b);
      case 'DeleteBucketPolicy':
        delete b.policy;
        return { status: 204 };
      case 'PutBucketNotificationConfiguration':
        return putNotification(req, b);
      case 'GetBucketNotificationConfiguration':
        return xml('NotificationConfiguration', notificationConfigNodes(b.notification));
      case 'PutBucketOwnershipControls':
        return putOwnershipControls(req, b);
      case 'GetBucketOwnershipControls':
        return getOwnershipControls(b);
      case 'DeleteBucketOwnershipControls':
        delete b.ownership;
        return { status: 204 };
      case 'ListObjectVersions':
        return listObjectVersions(req, b);
      case 'ListObjectsV2':
        return listObjects(req, b, true);
      case 'ListObjects':
        return listObjects(req, b, false);
      case 'DeleteObjects':
        return deleteObjects(req, b);
    }
    if (key === null) throw notImplemented();
    switch (op) {
      case 'PutObject':
        return putObject(req, b, key);
      case 'GetObject':
        return getObject(req, b, key, false);
      case 'HeadObject':
        return getObject(req, b, key, true);
      case 'DeleteObject':
        return deleteObject(req, b, key);
      case 'PutObjectTagging':
        return putObjectTagging(req, b, key);
      case 'GetObjectTagging':
        return getObjectTagging(req, b, key);
      case 'DeleteObjectTagging':
        return deleteObjectTagging(req, b, key);
    }
    throw notImplemented();
  };

  return {
    get state() {
      return state;
    },
    engine,
    operationName,
    handle(req) {
      try {
        const res = dispatch(req);
        return { ...res, headers: { 'x-amz-request-id': newRequestId(), ...(res.headers ?? {}) } };
      } catch (e) {
        if (e instanceof S3Error) return errorResponse(req, e);
        throw e;
      }
    },
    throttled: (req) => errorResponse(req, new S3Error(503, 'SlowDown', 'Please reduce your request rate.')),
    internalError: (req) => errorResponse(req, new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.')),
    snapshot: () => state,
    restore(snap) {
      const s = snap as Partial<S3State> | null;
      state = { ...emptyState(), ...(s ?? {}) };
    },
    setBucketAvailable(bucket, available) {
      state.unavailable = state.unavailable.filter((b) => b !== bucket);
      if (!available) state.unavailable.push(bucket);
      opts.onChange();
    },
    putObjectInternal(b, key, body, contentType) {
      const v = newVersion(b, key, { body: body.toString('base64'), etag: md5Etag(body), size: body.length, contentType });
      addVersion(b, v);
      engine.onWrite(b, v);
      return v;
    },
    settled: () => engine.settled(),
    idle: () => engine.idle(),
    runPending: () => engine.runPending(),
    stop: () => engine.stop(),
  };
}

function sseHeaders(v: ObjectVersion): Record<string, string> {
  return v.kmsKeyArn
    ? {
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': v.kmsKeyArn,
        ...(v.bucketKey ? { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' } : {}),
      }
    : { 'x-amz-server-side-encryption': 'AES256' };
}

function maxKeysParam(v: string | null): number {
  if (v === null) return 1000;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: v });
  }
  return Math.min(n, 1000);
}

/** The common prefix a key rolls up into under a delimiter, or null. */
function commonPrefix(key: string, prefix: string, delimiter: string): string | null {
  if (!delimiter) return null;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? null : key.slice(0, i + delimiter.length);
}

