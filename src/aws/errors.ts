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

/** Which call failed: attached to every error an AWS client throws (see AwsClients). */
export interface CallContext {
  /** As people say it: S3, S3 Control, IAM, CloudWatch, STS. */
  service: string;
  operation: string;
  region: string;
  /** The custom endpoint (--endpoint-url, AWS_ENDPOINT_URL), when one is used. */
  endpoint?: string;
}

const CALL = Symbol.for('s3repl.call');

export function attachCallContext(e: unknown, ctx: CallContext): void {
  if (e !== null && typeof e === 'object' && !(CALL in e)) Object.defineProperty(e, CALL, { value: ctx, enumerable: false });
}

export function callContextOf(e: unknown): CallContext | undefined {
  return e !== null && typeof e === 'object' ? (e as { [CALL]?: CallContext })[CALL] : undefined;
}

/** "S3 GetBucketReplication (us-east-1, endpoint http://…)": the call, for messages. */
export function describeCall(ctx: CallContext): string {
  return `${ctx.service} ${ctx.operation} (${ctx.endpoint ? `endpoint ${ctx.endpoint}` : `region ${ctx.region}`})`;
}

/**
 * Whether the reply was not an AWS API answer at all: the SDK could not parse
 * it (an HTML page, a proxy's error) or saw only a bare status with no AWS
 * error code. This is what a wrong endpoint looks like.
 */
export function isNotAnAwsReply(e: unknown): boolean {
  const err = e as AwsErrorLike | undefined;
  const message = err?.message ?? '';
  if (/Deserialization error|XML parse error|Unexpected token|is not valid JSON|Expected .* but found/i.test(message)) return true;
  const status = httpStatus(e);
  return status !== undefined && (err?.name === 'Unknown' || err?.name === 'UnknownError' || (err?.name === 'NotFound' && status === 404 && message === 'NotFound'));
}
