/** Recognising AWS errors the same way for every service. */

export interface AwsErrorLike {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** The error code as AWS sends it on the wire (`NoSuchEntity`, not `NoSuchEntityException`). */
export function awsCode(e: unknown): string | undefined {
  const err = e as AwsErrorLike | undefined;
  return err?.Code ?? err?.name?.replace(/Exception$/, '');
}

export function httpStatus(e: unknown): number | undefined {
  return (e as AwsErrorLike | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Whether the error has one of these codes. The SDK names modelled errors after
 * their exception shape (IAM's wire code `NoSuchEntity` arrives as
 * `NoSuchEntityException`), so both spellings match.
 */
export function isAwsError(e: unknown, ...codes: string[]): boolean {
  const err = e as AwsErrorLike | undefined;
  const names = [err?.name, err?.Code].filter((n): n is string => typeof n === 'string');
  return names.some((n) => codes.includes(n) || codes.includes(n.replace(/Exception$/, '')));
}

/** The region S3 says a bucket lives in, from a 301/400 redirect error. */
export function bucketRegionFromError(e: unknown): string | undefined {
  return (e as AwsErrorLike | undefined)?.$response?.headers?.['x-amz-bucket-region'] ?? undefined;
}

/** A short, readable description of an AWS error for messages. */
export function describeAwsError(e: unknown): string {
  const err = e as AwsErrorLike | undefined;
  const code = awsCode(e) ?? 'Error';
  const status = httpStatus(e);
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${err?.message ?? String(e)}`;
}
