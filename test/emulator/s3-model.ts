/**
 * The S3 emulator's state: buckets and their object versions, plus small
 * helpers shared by s3.ts, replication.ts and s3control.ts.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ReplicationConfig } from './replication-config.js';
import type { NotificationConfig } from './notification-config.js';
import { child, children, text, type XmlValue } from './xml.js';

export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface Tag {
  Key: string;
  Value: string;
}

export interface ObjectVersion {
  key: string;
  /** 'null' for objects written while versioning was never enabled or suspended. */
  versionId: string;
  isDeleteMarker: boolean;
  /** Body, base64 (kept as text so a snapshot is plain JSON). */
  body: string;
  /** Quoted, like the ETag header. */
  etag: string;
  size: number;
  lastModified: number;
  contentType?: string;
  metadata: Record<string, string>;
  tags: Tag[];
  storageClass: string;
  replicationStatus?: ReplicationStatus;
  /** SSE-KMS: the ARN of the KMS key that encrypts this version (undefined: SSE-S3). */
  kmsKeyArn?: string;
  /** SSE-KMS with an S3 Bucket Key: KMS saw the bucket ARN, not the object ARN, as encryption context. */
  bucketKey?: boolean;
  /** Why the last replication attempt of this version FAILED (S3's failure reason code). */
  failureReason?: string;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface Bucket {
  name: string;
  accountId: string;
  region: string;
  creationDate: number;
  versioning?: 'Enabled' | 'Suspended';
  objectLock: boolean;
  /** The stored ObjectLockConfiguration body (parsed), when a rule was put. */
  objectLockRule?: XmlValue;
  replication?: ReplicationConfig;
  /** Stored ServerSideEncryptionConfiguration (parsed); undefined = the SSE-S3 default. */
  encryption?: XmlValue;
  publicAccessBlock?: PublicAccessBlock;
  tags?: Tag[];
  /** The bucket policy exactly as put (JSON text). */
  policy?: string;
  /** Event notification configuration (PutBucketNotificationConfiguration); undefined = none. */
  notification?: NotificationConfig;
  /** Object Ownership; undefined after DeleteBucketOwnershipControls. */
  ownership?: 'BucketOwnerPreferred' | 'ObjectWriter' | 'BucketOwnerEnforced';
  /** Versions per key, newest first. */
  objects: Record<string, ObjectVersion[]>;
}

export interface S3State {
  buckets: Record<string, Bucket>;
  /** Buckets made unreachable as replication destinations by the admin endpoint. */
  unavailable: string[];
}

export function emptyState(): S3State {
  return { buckets: {}, unavailable: [] };
}

export function newVersionId(): string {
  // AWS version ids are 32 URL-safe characters.
  return randomBytes(24).toString('base64').replace(/\+/g, '.').replace(/\//g, '_');
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

export function newHostId(): string {
  return randomBytes(48).toString('base64');
}

/** AWS generates a 48-character base64 id for a rule sent without ID. */
export function generatedRuleId(): string {
  return Buffer.from(randomUUID()).toString('base64');
}

export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`s3repl-emulator:${accountId}`).digest('hex');
}

export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** The current version of a key (may be a delete marker), or undefined. */
export function currentVersion(bucket: Bucket, key: string): ObjectVersion | undefined {
  return bucket.objects[key]?.[0];
}

export function findVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
  return bucket.objects[key]?.find((v) => v.versionId === versionId);
}

export function hasAnyVersion(bucket: Bucket): boolean {
  return Object.values(bucket.objects).some((list) => list.length > 0);
}

/** Adds a version as the newest; a 'null' version replaces the previous 'null' one. */
export function addVersion(bucket: Bucket, v: ObjectVersion): void {
  const list = (bucket.objects[v.key] ??= []);
  if (v.versionId === 'null') {
    const i = list.findIndex((x) => x.versionId === 'null');
    if (i >= 0) list.splice(i, 1);
  }
  list.unshift(v);
}

/** Puts a version with a known id (replication): replaces an existing one with that id, keeps newest-first order. */
export function putVersionWithId(bucket: Bucket, v: ObjectVersion): void {
  const list = (bucket.objects[v.key] ??= []);
  const i = list.findIndex((x) => x.versionId === v.versionId);
  if (i >= 0) list.splice(i, 1);
  const at = list.findIndex((x) => x.lastModified < v.lastModified);
  if (at < 0) list.push(v);
  else list.splice(at, 0, v);
}

export function removeVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
  const list = bucket.objects[key];
  if (!list) return undefined;
  const i = list.findIndex((x) => x.versionId === versionId);
  if (i < 0) return undefined;
  const [removed] = list.splice(i, 1);
  if (list.length === 0) delete bucket.objects[key];
  return removed;
}

export function bucketArn(name: string): string {
  return `arn:aws:s3:::${name}`;
}

/** `arn:aws:s3:::name` → name; null when it is not a bucket ARN. */
export function bucketNameFromArn(arn: string): string | null {
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
  return m ? m[1]! : null;
}

/**
 * The KMS key ARN of the bucket's default SSE-KMS encryption (a bare key id is
 * taken as a key of the bucket's account and region); undefined for SSE-S3.
 */
export function defaultKmsKeyArn(b: Bucket): string | undefined {
  const def = child(children(b.encryption, 'Rule')[0], 'ApplyServerSideEncryptionByDefault');
  if (text(def, 'SSEAlgorithm') !== 'aws:kms') return undefined;
  const id = text(def, 'KMSMasterKeyID');
  if (id === undefined) return undefined;
  return id.startsWith('arn:') ? id : `arn:aws:kms:${b.region}:${b.accountId}:key/${id}`;
}

/** Whether the bucket's default encryption has an S3 Bucket Key (BucketKeyEnabled true). */
export function bucketKeyEnabled(b: Bucket): boolean {
  return text(children(b.encryption, 'Rule')[0], 'BucketKeyEnabled') === 'true';
}
