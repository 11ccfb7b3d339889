/** Recognising AWS errors the same way for every service. */

export interface AwsErrorLike {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

export function awsCode(e: unknown): string | undefined {
  const err = e as AwsErrorLike | undefined;
  return err?.name ?? err?.Code;
}

export function httpStatus(e: unknown): number | undefined {
  return (e as AwsErrorLike | undefined)?.$metadata?.httpStatusCode;
}

export function isAwsError(e: unknown, ...codes: string[]): boolean {
  const code = awsCode(e);
  return code !== undefined && codes.includes(code);
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
