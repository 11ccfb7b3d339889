/**
 * State in an S3 object, locked the way Terraform 1.10's `use_lockfile` does
 * it: no DynamoDB table, only S3 conditional writes.
 *
 * - The lock is the object `<key>.lock`, created with `If-None-Match: *`: S3
 *   accepts the first writer and answers 412 PreconditionFailed (or 409
 *   ConditionalRequestConflict while another conditional write to the same key
 *   is in flight) to everyone else, who then read the lock to name its holder.
 * - The state is written with `If-Match: <etag we read>` (or
 *   `If-None-Match: *` when there was no state), so a concurrent writer is
 *   detected rather than overwritten, even one that ignored the lock.
 * - Before the state is replaced, the version being replaced (the bytes whose
 *   etag the If-Match names) is written to `<key>.backup`.
 *
 * S3 PUTs are atomic: readers see the old object or the new one.
 *
 * Lost replies: the SDK retries a PUT whose reply never arrived, and the retry's
 * condition then fails against the first attempt's own write. So a lock that
 * holds this run's id is this run's, and a state write whose condition failed is
 * a success when the object holds exactly the text we wrote. A real conflict
 * keeps the etag we read, so no later write from this run (a retry, the flush on
 * close) can overwrite the newer state.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';
import { UserError } from '../errors.js';
import { parseState, serializeState } from './document.js';
import { acquireWithRetry, newLockInfo, parseLockInfo } from './lock.js';
import type { LockInfo, LockWait, StateBackend, StateDocument } from './types.js';

/**
 * What we last saw of the state object: its bytes and etag (null: no object).
 * Bytes, not text: they stay outside the JavaScript heap for the whole run.
 */
interface Seen {
  bytes: Buffer | null;
  etag: string | null;
}

export class S3Backend implements StateBackend {
  readonly lockKey: string;
  readonly backupKey: string;
  private seen: Seen | undefined;

  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly region: string,
    private readonly aws: AwsClients,
  ) {
    this.lockKey = `${key}.lock`;
    this.backupKey = `${key}.backup`;
  }

  private get s3(): S3Client {
    return this.aws.s3(this.region);
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  describe(): string {
    return this.url(this.key);
  }

  async read(): Promise<StateDocument | null> {
    this.seen = await this.getBytes(this.key);
    return this.seen.bytes === null ? null : parseState(this.seen.bytes, this.describe(), this.url(this.backupKey));
  }

  async write(doc: StateDocument): Promise<void> {
    // Encoded once: sent, remembered and compared after a lost reply as the same bytes.
    const bytes = Buffer.from(serializeState(doc), 'utf8');
    // Writing without having read: compare against whatever is there now.
    const seen = this.seen ?? (await this.getBytes(this.key));
    if (seen.bytes !== null && seen.etag !== null) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.backupKey,
          Body: seen.bytes,
          ContentType: 'application/json',
        }),
      );
    }
    try {
      const res = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: bytes,
          ContentType: 'application/json',
          ...(seen.etag !== null ? { IfMatch: seen.etag } : { IfNoneMatch: '*' }),
        }),
      );
      this.seen = { bytes, etag: res.ETag ?? null };
      if (this.seen.etag === null) this.seen = await this.getBytes(this.key);
    } catch (e) {
      // If-Match on an object deleted since we read it answers 404 NoSuchKey: also a concurrent change.
      if (isConditionFailure(e) || (seen.etag !== null && isNotFound(e))) {
        // A lost reply: our PUT landed, the SDK retried it, and the retry's condition
        // failed against our own write. The object then holds exactly our text.
        const now = await this.getBytes(this.key);
        if (now.bytes?.equals(bytes)) {
          this.seen = now;
          return;
        }
        // Keep the etag we read: every later write (a retry, the final flush on close)
        // fails the same way instead of overwriting the newer state with an etag read now.
        this.seen = seen;
        throw new UserError(
          `state at ${this.describe()} changed underneath this run (another writer replaced it since it was read); not overwriting it`,
          'Nothing was lost: re-run the command so it starts from the current state. If runs do not share the lock, make them use the same state configuration.',
        );
      }
      throw e;
    }
  }

  async lock(operation: string, timeoutMs: number, wait?: LockWait): Promise<LockInfo> {
    const info = newLockInfo(operation);
    const body = `${JSON.stringify(info, null, 2)}\n`;
    await acquireWithRetry(
      async () => {
        try {
          await this.s3.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: this.lockKey,
              Body: body,
              ContentType: 'application/json',
              IfNoneMatch: '*',
            }),
          );
          return { acquired: true };
        } catch (e) {
          if (!isConditionFailure(e)) throw e;
          const holder = await this.readLock();
          // Our PUT created the lock but its reply was lost and the SDK's retry found it:
          // a lock holding this run's id is this run's.
          if (holder?.id === info.id) return { acquired: true };
          return { acquired: false, holder };
        }
      },
      timeoutMs,
      this.url(this.lockKey),
      wait,
    );
    return info;
  }

  async readLock(): Promise<LockInfo | null> {
    const { bytes } = await this.getBytes(this.lockKey);
    return bytes === null ? null : parseLockInfo(bytes.toString('utf8'), this.url(this.lockKey));
  }

  async unlock(lock: LockInfo): Promise<void> {
    const holder = await this.readLock();
    if (holder === null) return;
    if (holder.id !== lock.id) {
      throw new UserError(
        `not removing the state lock at ${this.url(this.lockKey)}: it is now held by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" [lock id ${holder.id}], not by this run [lock id ${lock.id}]`,
        'Someone force-unlocked this run and took the lock; check that run before trusting the state.',
      );
    }
    await this.deleteLock();
  }

  async forceUnlock(id: string): Promise<void> {
    const holder = await this.readLock();
    if (holder === null) throw new UserError(`the state at ${this.describe()} is not locked (no ${this.url(this.lockKey)})`);
    if (holder.id !== id) {
      throw new UserError(
        `lock id ${id} does not match the lock at ${this.url(this.lockKey)}, held by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" since ${holder.created} [lock id ${holder.id}]`,
        'Pass the id of the lock you mean to remove, exactly as shown.',
      );
    }
    await this.deleteLock();
  }

  private async deleteLock(): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.lockKey }));
  }

  private async getBytes(key: string): Promise<Seen> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await res.Body?.transformToByteArray();
      const bytes = body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Buffer.alloc(0);
      return { bytes, etag: res.ETag ?? (await this.etagOf(key)) };
    } catch (e) {
      if (isNotFound(e)) return { bytes: null, etag: null };
      throw e;
    }
  }

  private async etagOf(key: string): Promise<string | null> {
    try {
      const res = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.ETag ?? null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
}

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function errorCode(e: unknown): string | undefined {
  const err = e as SdkError | undefined;
  return err?.name ?? err?.Code;
}

function isNotFound(e: unknown): boolean {
  const code = errorCode(e);
  if (code === 'NoSuchKey' || code === 'NotFound') return true;
  // A bare 404 (HEAD has no body) means the key, unless S3 said the bucket is missing.
  return (e as SdkError | undefined)?.$metadata?.httpStatusCode === 404 && code !== 'NoSuchBucket';
}

/** 412 PreconditionFailed, or 409 ConditionalRequestConflict (a conditional write to the key is in flight). */
function isConditionFailure(e: unknown): boolean {
  const code = errorCode(e);
  const status = (e as SdkError | undefined)?.$metadata?.httpStatusCode;
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412 || (status === 409 && code !== 'OperationAborted');
}
