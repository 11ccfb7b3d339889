/**
 * Talking to S3 Control about Multi-Region Access Points (docs/aws-behaviour.md,
 * "Multi-Region Access Points"):
 *
 * - every management call goes to the us-west-2 control plane (the SDK does
 *   not reroute it);
 * - Create, Delete and PutPolicy are asynchronous: they answer a
 *   RequestTokenARN that DescribeMultiRegionAccessPointOperation reports on
 *   until SUCCEEDED or FAILED. An accepted Create or Delete is recorded in
 *   state before s3repl waits for it, so a run killed while waiting is
 *   followed by one that polls the recorded request instead of sending
 *   another. Their ClientToken is also derived from the request, so a request
 *   sent again (nothing recorded: the kill came before the record) gets the
 *   same operation back instead of starting a second one;
 * - routes are read and changed at the failover-control endpoints of five
 *   Regions, tried in turn; a change reads back some time after it is accepted.
 */
import { createHash } from 'node:crypto';
import {
  CreateMultiRegionAccessPointCommand,
  DeleteMultiRegionAccessPointCommand,
  DescribeMultiRegionAccessPointOperationCommand,
  GetMultiRegionAccessPointCommand,
  GetMultiRegionAccessPointRoutesCommand,
  SubmitMultiRegionAccessPointRoutesCommand,
  type AsyncOperation,
  type MultiRegionAccessPointReport,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import type { AwsClients } from '../../aws/clients.js';
import { describeAwsError, isAwsError } from '../../aws/errors.js';

/** "This action will always be routed to the US West (Oregon) Region." */
export const CONTROL_REGION = 'us-west-2';
/** The failover-control endpoints, in the order s3repl tries them. */
export const FAILOVER_REGIONS = ['us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'eu-west-1'] as const;

export const control = (aws: AwsClients): S3ControlClient => aws.s3control(CONTROL_REGION);

/** `s3repl-` and 40 hex digits of the request's parts: the same request always sends the same ClientToken. */
export function clientToken(...parts: string[]): string {
  return `s3repl-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/** arn:aws:s3::ACCOUNT:accesspoint/ALIAS (Multi-Region Access Point ARNs carry no Region). */
export function accessPointArn(accountId: string, alias: string): string {
  return `arn:aws:s3::${accountId}:accesspoint/${alias}`;
}

/** The access point as AWS reports it, or null when there is none of that name. */
export async function getAccessPoint(aws: AwsClients, accountId: string, name: string): Promise<MultiRegionAccessPointReport | null> {
  try {
    const r = await control(aws).send(new GetMultiRegionAccessPointCommand({ AccountId: accountId, Name: name }));
    return r.AccessPoint ?? null;
  } catch (e) {
    if (isAwsError(e, 'NoSuchMultiRegionAccessPoint')) return null;
    throw e;
  }
}

export interface WaitOptions {
  log(message: string): void;
  /** Waits between checks; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Checks after 0.2 s, then twice as long each time up to 15 s: quick in tests, patient on AWS (READY can take many minutes). */
export function backoff(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 15_000);
}

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Polls an asynchronous operation, printing progress, until it SUCCEEDED or FAILED; returns it either way. */
export async function pollOperation(aws: AwsClients, accountId: string, requestTokenArn: string, what: string, opts: WaitOptions): Promise<AsyncOperation> {
  const sleep = opts.sleep ?? realSleep;
  const started = Date.now();
  let last = '';
  for (let attempt = 0; ; attempt++) {
    const r = await control(aws).send(new DescribeMultiRegionAccessPointOperationCommand({ AccountId: accountId, RequestTokenARN: requestTokenArn }));
    const op = r.AsyncOperation;
    const status = op?.RequestStatus ?? 'unknown';
    if (status === 'SUCCEEDED' || status === 'FAILED') return op!;
    // Any other status is still in progress (AWS does not document those values).
    if (status !== last || attempt % 8 === 7) opts.log(`${what}: ${status}, ${elapsed(started)} so far (request ${requestTokenArn})`);
    last = status;
    await sleep(backoff(attempt));
  }
}

/** AWS's error for a FAILED operation, in words. */
function failure(op: AsyncOperation): string {
  const err = op.ResponseDetails?.ErrorDetails;
  return `${err?.Code ?? 'unknown error'}${err?.Message ? `: ${err.Message}` : ''}`;
}

/** Waits for an asynchronous operation to end; throws with AWS's error details when it FAILED. */
export async function waitForOperation(aws: AwsClients, accountId: string, requestTokenArn: string, what: string, opts: WaitOptions): Promise<AsyncOperation> {
  const op = await pollOperation(aws, accountId, requestTokenArn, what, opts);
  if (op.RequestStatus === 'FAILED') throw new Error(`${what} failed: ${failure(op)} (request ${requestTokenArn})`);
  return op;
}

/** What the state records of an operation under way (src/resources/types.ts, PendingOperation). */
export interface Recorded {
  type: 'create' | 'delete';
  request: string;
  startedAt: string;
}

/**
 * Recording and resuming operations (docs/aws-behaviour.md, "A killed apply
 * resumes the recorded operation"): `recorded` is the operation the state
 * holds for the resource, `record` makes a newly accepted one durable before
 * s3repl waits for it.
 */
export interface OperationOptions extends WaitOptions {
  recorded?: Recorded;
  record?: (op: Recorded | null) => Promise<void>;
}

/**
 * Resumes the recorded operation of `type`, if any: 'done' when it SUCCEEDED;
 * when it FAILED, AWS's error is reported and the failed request returned (a
 * new attempt derives its ClientToken from it, as the failed token would only
 * hand the failed operation back); undefined when there is nothing to resume.
 */
async function resume(aws: AwsClients, accountId: string, type: Recorded['type'], what: string, opts: OperationOptions): Promise<'done' | { failed: string } | undefined> {
  const rec = opts.recorded;
  if (!rec || rec.type !== type) return undefined;
  opts.log(`${what}: resuming the operation an earlier apply started on ${rec.startedAt} (request ${rec.request})`);
  let op: AsyncOperation;
  try {
    op = await pollOperation(aws, accountId, rec.request, what, opts);
  } catch (e) {
    if (!isAwsError(e, 'NoSuchAsyncRequest')) throw e;
    opts.log(`${what}: AWS no longer knows request ${rec.request}; sending the request again`);
    return undefined;
  }
  if (op.RequestStatus === 'SUCCEEDED') return 'done';
  opts.log(`${what}: the operation an earlier apply started failed: ${failure(op)} (request ${rec.request}); sending a new request`);
  return { failed: rec.request };
}

export interface AccessPointSpec {
  name: string;
  buckets: Array<{ bucket: string; account?: string }>;
  publicAccessBlock: { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean };
}

/**
 * Creates it and waits until it is READY. A creation the state records (a
 * killed apply's) is resumed, not sent again, unless it FAILED. The accepted
 * request is recorded before the wait.
 */
export async function createAccessPoint(aws: AwsClients, accountId: string, spec: AccessPointSpec, opts: OperationOptions): Promise<MultiRegionAccessPointReport> {
  const what = `creating Multi-Region Access Point ${spec.name}`;
  const resumed = await resume(aws, accountId, 'create', what, opts);
  if (resumed !== 'done') {
    const parts = ['create', accountId, spec.name, JSON.stringify(spec.buckets), JSON.stringify(spec.publicAccessBlock)];
    const r = await control(aws).send(
      new CreateMultiRegionAccessPointCommand({
        AccountId: accountId,
        ClientToken: clientToken(...parts, ...(resumed ? [resumed.failed] : [])),
        Details: {
          Name: spec.name,
          PublicAccessBlock: spec.publicAccessBlock,
          Regions: spec.buckets.map((b) => ({ Bucket: b.bucket, ...(b.account ? { BucketAccountId: b.account } : {}) })),
        },
      }),
    );
    if (!r.RequestTokenARN) throw new Error('CreateMultiRegionAccessPoint returned no RequestTokenARN');
    await opts.record?.({ type: 'create', request: r.RequestTokenARN, startedAt: new Date().toISOString() });
    await waitForOperation(aws, accountId, r.RequestTokenARN, what, opts);
  }
  const ap = await getAccessPoint(aws, accountId, spec.name);
  if (!ap) throw new Error(`Multi-Region Access Point ${spec.name} was created but cannot be read back`);
  return ap;
}

/**
 * Deletes it and waits until it is gone; nothing to do when it does not exist.
 * A deletion the state records is resumed, as a creation is.
 */
export async function deleteAccessPoint(aws: AwsClients, accountId: string, name: string, generation: string, opts: OperationOptions): Promise<void> {
  const what = `deleting Multi-Region Access Point ${name}`;
  const resumed = await resume(aws, accountId, 'delete', what, opts);
  if (resumed === 'done') return;
  let tokenArn: string | undefined;
  try {
    const r = await control(aws).send(
      new DeleteMultiRegionAccessPointCommand({
        AccountId: accountId,
        ClientToken: clientToken('delete', accountId, name, generation, ...(resumed ? [resumed.failed] : [])),
        Details: { Name: name },
      }),
    );
    tokenArn = r.RequestTokenARN;
  } catch (e) {
    if (isAwsError(e, 'NoSuchMultiRegionAccessPoint')) return;
    throw e;
  }
  if (!tokenArn) throw new Error('DeleteMultiRegionAccessPoint returned no RequestTokenARN');
  await opts.record?.({ type: 'delete', request: tokenArn, startedAt: new Date().toISOString() });
  await waitForOperation(aws, accountId, tokenArn, what, opts);
}

/** Names of the member buckets of a report, sorted and comma-separated: what fixes an access point's identity. */
export function membersOf(ap: MultiRegionAccessPointReport): string {
  return (ap.Regions ?? []).map((r) => r.Bucket ?? '').sort().join(',');
}

/**
 * Runs `call` against the failover-control endpoints in turn until one
 * answers. Only failures that another endpoint might not have (network
 * errors, 5xx, throttling) move on to the next; an error about the request
 * itself is thrown at once.
 */
export async function atFailoverEndpoint<T>(aws: AwsClients, call: (client: S3ControlClient, region: string) => Promise<T>, log?: (m: string) => void): Promise<T> {
  let lastError: unknown;
  for (const region of FAILOVER_REGIONS) {
    try {
      return await call(aws.s3control(region), region);
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const retryable = status === undefined || status >= 500 || status === 429 || isAwsError(e, 'Throttling', 'TooManyRequests', 'SlowDown');
      if (!retryable) throw e;
      lastError = e;
      log?.(`the failover-control endpoint in ${region} did not answer (${describeAwsError(e)}); trying the next one`);
    }
  }
  throw lastError instanceof Error ? lastError : new Error('no failover-control endpoint answered');
}

export interface Route {
  bucket: string;
  region: string;
  /** 100 active, 0 passive. */
  percent: number;
}

export async function readRoutes(aws: AwsClients, accountId: string, arn: string, log?: (m: string) => void): Promise<Route[]> {
  const r = await atFailoverEndpoint(aws, (c) => c.send(new GetMultiRegionAccessPointRoutesCommand({ AccountId: accountId, Mrap: arn })), log);
  return (r.Routes ?? []).map((x) => ({ bucket: x.Bucket ?? '', region: x.Region ?? '', percent: x.TrafficDialPercentage ?? 0 }));
}

/**
 * Submits route updates (Bucket and TrafficDialPercentage only: the shape the
 * documentation's examples send) and waits until every one reads back.
 */
export async function setRoutes(
  aws: AwsClients,
  accountId: string,
  arn: string,
  updates: ReadonlyArray<{ bucket: string; percent: number }>,
  what: string,
  opts: WaitOptions,
): Promise<Route[]> {
  if (updates.length === 0) return readRoutes(aws, accountId, arn, opts.log);
  await atFailoverEndpoint(
    aws,
    (c) => c.send(new SubmitMultiRegionAccessPointRoutesCommand({ AccountId: accountId, Mrap: arn, RouteUpdates: updates.map((u) => ({ Bucket: u.bucket, TrafficDialPercentage: u.percent })) })),
    opts.log,
  );
  const sleep = opts.sleep ?? realSleep;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const routes = await readRoutes(aws, accountId, arn, opts.log);
    const pending = updates.filter((u) => routes.find((r) => r.bucket === u.bucket)?.percent !== u.percent);
    if (pending.length === 0) return routes;
    if (attempt % 8 === 0) opts.log(`${what}: waiting for ${pending.map((p) => `${p.bucket} → ${p.percent}%`).join(', ')} to take effect (${elapsed(started)} so far)`);
    await sleep(backoff(attempt));
  }
}
