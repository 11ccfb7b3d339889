/**
 * Retries for the conditions AWS is known to show right after a change, on top
 * of the SDK's own retries (throttling, 5xx): a bucket just created is not yet
 * visible (NoSuchBucket), versioning just enabled is not yet seen by
 * replication ("Versioning must be 'Enabled'…", "Destination bucket must have
 * versioning enabled"), an IAM role or policy just written is not yet usable
 * (NoSuchEntity, or S3 / Batch Operations unable to assume the role). Bounded by
 * a total wait, with exponential backoff and jitter.
 */
import { awsCode, httpStatus } from '../aws/errors.js';

export interface RetryPolicy {
  /** Give up after this long in total (ms). */
  maxWaitMs: number;
  /** First backoff (ms); doubles up to capMs. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxWaitMs: 120_000, baseMs: 200, capMs: 5_000 };

export function transientReason(e: unknown): string | undefined {
  const code = awsCode(e) ?? '';
  const message = (e as Error | undefined)?.message ?? '';
  const status = httpStatus(e);
  if (code === 'NoSuchBucket') return 'the bucket is not visible yet';
  if (code === 'InvalidRequest' && /versioning/i.test(message)) return 'versioning is not visible yet';
  if (code === 'NoSuchEntity') return 'the IAM role is not visible yet';
  if ((code === 'InvalidRequest' || code === 'AccessDenied' || code === 'InvalidArgument') && /role|assume/i.test(message))
    return 'the IAM role has not propagated yet';
  // Backstops for when the SDK's own retries (or its retry quota) ran out.
  if (['Throttling', 'SlowDown', 'TooManyRequests', 'RequestLimitExceeded'].includes(code))
    return 'AWS is throttling';
  if (status !== undefined && status >= 500) return `AWS answered ${status}`;
  if (['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'TimeoutError'].includes(code)) return 'the connection failed';
  return undefined;
}

/** A retry that was not made because the signal aborted (Ctrl-C); `last` is the error it would have retried. */
export class RetryAbandoned extends Error {
  constructor(readonly last: unknown) {
    super(`interrupted while waiting to retry: ${(last as Error | undefined)?.message ?? String(last)}`);
    this.name = 'RetryAbandoned';
  }
}

export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: {
    policy?: RetryPolicy;
    onRetry?: (reason: string, attempt: number, waitMs: number) => void;
    random?: () => number;
    /** Once aborted, no further attempt is made (RetryAbandoned is thrown instead). */
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const random = opts.random ?? Math.random;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const reason = transientReason(e);
      const backoff = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      const wait = Math.round(backoff / 2 + random() * (backoff / 2));
      if (!reason || Date.now() - started + wait > policy.maxWaitMs) throw e;
      if (opts.signal?.aborted) throw new RetryAbandoned(e);
      opts.onRetry?.(reason, attempt, wait);
      await sleep(wait, opts.signal);
      if (opts.signal?.aborted) throw new RetryAbandoned(e);
    }
  }
}

/** Waits ms, or less when the signal aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
