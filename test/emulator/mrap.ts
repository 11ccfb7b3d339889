/**
 * S3 Control Multi-Region Access Points (REST-XML, header x-amz-account-id):
 * CreateMultiRegionAccessPoint, DeleteMultiRegionAccessPoint and
 * PutMultiRegionAccessPointPolicy are asynchronous (they answer a
 * RequestTokenARN at once; DescribeMultiRegionAccessPointOperation reports
 * the operation until SUCCEEDED or FAILED, one step per `stepDelayMs`,
 * drainable like batch jobs); GetMultiRegionAccessPoint(Policy),
 * ListMultiRegionAccessPoints; and the failover controls
 * Get/SubmitMultiRegionAccessPointRoutes, whose updates read back one step
 * after they are submitted ("can take up to 2 minutes" on AWS).
 *
 * Where AWS serves them (docs/aws-behaviour.md, Multi-Region Access Points):
 * the management operations only in us-west-2 (elsewhere 301
 * PermanentRedirect), the routes operations only at the five failover-control
 * Regions. Error codes NoSuchMultiRegionAccessPoint and NoSuchAsyncRequest are
 * the ones Terraform's provider matches; the messages, the in-progress
 * RequestStatus value ("INPROGRESS") and the error codes inside a FAILED
 * operation's ErrorDetails are unconfirmed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, EmuRequest, EmuResponse } from './types.js';
import { child, children, isObject, parseXml, S3CONTROL_XMLNS, text, xmlDocument, type XmlNode, type XmlValue } from './xml.js';
import { newHostId, newRequestId } from './s3-model.js';
import type { S3Service } from './s3.js';

export interface MrapOptions {
  clock: Clock;
  s3: S3Service;
  stepDelayMs: number;
  onChange: () => void;
}

export interface MrapService {
  /** True for the paths this module serves. */
  handles(req: EmuRequest): boolean;
  operationName(req: EmuRequest): string;
  handle(req: EmuRequest): EmuResponse;
  settled(): Promise<void>;
  idle(): boolean;
  runPending(): void;
  stop(): void;
  snapshot(): MrapState;
  restore(snapshot: unknown): void;
  /** Names of the Multi-Region Access Points a bucket belongs to (a member bucket cannot be deleted). */
  accessPointsOf(bucket: string): string[];
}

/** The control plane every management operation is routed to. */
export const MRAP_CONTROL_REGION = 'us-west-2';
/** The failover-control Regions that serve Get/SubmitMultiRegionAccessPointRoutes. */
export const MRAP_ROUTE_REGIONS = ['us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'eu-west-1'];

type MrapStatus = 'CREATING' | 'READY' | 'DELETING' | 'PARTIALLY_CREATED' | 'PARTIALLY_DELETED';
type OperationName = 'CreateMultiRegionAccessPoint' | 'DeleteMultiRegionAccessPoint' | 'PutMultiRegionAccessPointPolicy';

interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

interface Member {
  Bucket: string;
  BucketAccountId: string;
  Region: string;
  TrafficDialPercentage: number;
}

interface AccessPoint {
  accountId: string;
  Name: string;
  Alias: string;
  CreatedAt: number;
  Status: MrapStatus;
  PublicAccessBlock: PublicAccessBlock;
  Regions: Member[];
  established?: string;
  proposed?: string;
  /** Submitted route updates that have not read back yet. */
  pendingRoutes?: Array<{ Region: string; TrafficDialPercentage: number }>;
}

interface Operation {
  accountId: string;
  RequestTokenARN: string;
  clientToken: string;
  fingerprint: string;
  Operation: OperationName;
  CreationTime: number;
  RequestStatus: 'INPROGRESS' | 'SUCCEEDED' | 'FAILED';
  /** What the request asked for, echoed as RequestParameters. */
  create?: { Name: string; PublicAccessBlock?: PublicAccessBlock; Regions: Array<{ Bucket: string; BucketAccountId?: string }> };
  delete?: { Name: string };
  putPolicy?: { Name: string; Policy: string };
  error?: { Code: string; Message: string };
}

export interface MrapState {
  accessPoints: AccessPoint[];
  operations: Operation[];
}

class MrapError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
const invalid = (m: string) => new MrapError(400, 'InvalidRequest', m); // unconfirmed wording
const malformed = () => new MrapError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');

/** Name rules of the S3 User Guide (MultiRegionAccessPointRestrictions) and the model's pattern. */
export const MRAP_NAME = /^[a-z0-9][-a-z0-9]{1,48}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const iso = (ms: number) => new Date(ms).toISOString();

function parseBool(v: string | undefined, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid value for ${field}`);
  return v === 'true';
}

function newAlias(): string {
  // Aliases match ^[a-z][a-z0-9]*[.]mrap$ (API reference, MultiRegionAccessPointReport).
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(13);
  let s = letters[bytes[0]! % letters.length]!;
  for (let i = 1; i < 13; i++) s += chars[bytes[i]! % chars.length];
  return `${s}.mrap`;
}

export function createMrap(opts: MrapOptions): MrapService {
  let state: MrapState = { accessPoints: [], operations: [] };
  const timers = new Map<NodeJS.Timeout, () => void>();
  let waiters: Array<() => void> = [];
  const now = () => opts.clock.now();

  const wake = () => {
    if (timers.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const schedule = (fn: () => void) => {
    const run = () => {
      if (!timers.delete(t)) return;
      try {
        fn();
      } finally {
        opts.onChange();
        wake();
      }
    };
    const t = setTimeout(run, opts.stepDelayMs);
    timers.set(t, run);
  };

  const find = (account: string, name: string) => state.accessPoints.find((a) => a.accountId === account && a.Name === name);

  // ------------------------------------------------------------- async steps

  /** One step after the request: the operation finishes (AWS: minutes; READY "can take" much longer). */
  const finish = (op: Operation): void => {
    if (op.RequestStatus !== 'INPROGRESS') return;
    if (op.create) {
      const a = find(op.accountId, op.create.Name);
      if (op.error || !a) {
        op.RequestStatus = 'FAILED';
        op.error ??= { Code: 'InternalError', Message: 'The Multi-Region Access Point was not created' };
        return;
      }
      a.Status = 'READY';
    } else if (op.delete) {
      state.accessPoints = state.accessPoints.filter((a) => !(a.accountId === op.accountId && a.Name === op.delete!.Name));
    } else if (op.putPolicy) {
      const a = find(op.accountId, op.putPolicy.Name);
      if (!a) {
        op.RequestStatus = 'FAILED';
        op.error = { Code: 'NoSuchMultiRegionAccessPoint', Message: 'The specified Multi-Region Access Point does not exist' };
        return;
      }
      a.established = op.putPolicy.Policy;
    }
    op.RequestStatus = 'SUCCEEDED';
  };

  const applyRoutes = (a: AccessPoint): void => {
    for (const u of a.pendingRoutes ?? []) {
      const m = a.Regions.find((r) => r.Region === u.Region);
      if (m) m.TrafficDialPercentage = u.TrafficDialPercentage;
    }
    delete a.pendingRoutes;
  };

  const startOperation = (req: EmuRequest, account: string, kind: 'create' | 'delete' | 'put-policy', op: Omit<Operation, 'RequestTokenARN' | 'CreationTime' | 'RequestStatus' | 'accountId'>): Operation => {
    const full: Operation = {
      ...op,
      accountId: account,
      // Format seen in AWS's examples; unconfirmed.
      RequestTokenARN: `arn:aws:s3:${req.region}:${account}:async-request/mrap/${kind}/${randomUUID()}`,
      CreationTime: now(),
      RequestStatus: 'INPROGRESS',
    };
    state.operations.push(full);
    schedule(() => finish(full));
    return full;
  };

  /** ClientToken idempotency: the same token and request gives the same operation. */
  const previous = (account: string, token: string, fingerprint: string): Operation | undefined => {
    const op = state.operations.find((o) => o.accountId === account && o.clientToken === token);
    if (op && op.fingerprint !== fingerprint) throw new MrapError(400, 'IdempotencyException', 'The ClientToken was already used with different parameters'); // unconfirmed
    return op;
  };

  // ------------------------------------------------------------ operations

  const checkAccount = (req: EmuRequest): string => {
    const account = req.headers['x-amz-account-id'];
    if (!account || !ACCOUNT.test(account)) throw invalid('The x-amz-account-id header must be a 12-digit account id');
    if (account !== req.accountId) throw new MrapError(403, 'AccessDenied', 'Access Denied');
    return account;
  };

  const controlPlaneOnly = (req: EmuRequest): void => {
    if (req.region !== MRAP_CONTROL_REGION) {
      throw new MrapError(
        301,
        'PermanentRedirect',
        `This API operation is only available in the following Regions: ${MRAP_CONTROL_REGION}. Make sure to send all future requests to a supported Region.`,
      );
    }
  };

  const body = (req: EmuRequest, root: string): XmlValue => {
    const doc = parseXml(req.body);
    if (!doc || doc.root !== root || !isObject(doc.value)) throw malformed();
    return doc.value;
  };

  const clientToken = (v: XmlValue): string => {
    const token = text(v, 'ClientToken');
    if (token === undefined || token.length < 1 || token.length > 64) throw invalid('ClientToken must be 1 to 64 characters');
    return token;
  };

  const checkName = (name: string | undefined): string => {
    if (name === undefined || !MRAP_NAME.test(name)) {
      throw invalid('The Multi-Region Access Point name must be 3 to 50 lowercase letters, digits and hyphens, and begin and end with a letter or digit');
    }
    return name;
  };

  const asyncResult = (root: string, op: Operation): EmuResponse => ok(root, [['RequestTokenARN', op.RequestTokenARN]]);

  const createAccessPoint = (req: EmuRequest): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const v = body(req, 'CreateMultiRegionAccessPointRequest');
    const token = clientToken(v);
    const details = child(v, 'Details');
    if (!isObject(details)) throw malformed();
    const Name = checkName(text(details, 'Name'));
    const regions = children(child(details, 'Regions'), 'Region');
    if (regions.length === 0) throw invalid('At least one Region (bucket) is required');
    const Regions = regions.map((r) => {
      const Bucket = text(r, 'Bucket');
      if (!Bucket || Bucket.length < 3 || Bucket.length > 63) throw invalid('Each Region needs a Bucket of 3 to 63 characters');
      const BucketAccountId = text(r, 'BucketAccountId');
      if (BucketAccountId !== undefined && !ACCOUNT.test(BucketAccountId)) throw invalid('BucketAccountId must be a 12-digit account id');
      return { Bucket, ...(BucketAccountId !== undefined ? { BucketAccountId } : {}) };
    });
    const pab = child(details, 'PublicAccessBlock');
    const PublicAccessBlock: PublicAccessBlock | undefined = pab === undefined
      ? undefined
      : {
          BlockPublicAcls: parseBool(text(pab, 'BlockPublicAcls'), 'BlockPublicAcls') ?? false,
          IgnorePublicAcls: parseBool(text(pab, 'IgnorePublicAcls'), 'IgnorePublicAcls') ?? false,
          BlockPublicPolicy: parseBool(text(pab, 'BlockPublicPolicy'), 'BlockPublicPolicy') ?? false,
          RestrictPublicBuckets: parseBool(text(pab, 'RestrictPublicBuckets'), 'RestrictPublicBuckets') ?? false,
        };
    const create = { Name, Regions, ...(PublicAccessBlock ? { PublicAccessBlock } : {}) };
    const fingerprint = JSON.stringify(create);
    const again = previous(account, token, fingerprint);
    if (again) return asyncResult('CreateMultiRegionAccessPointResult', again);

    // S3 authorizes synchronously and does the rest asynchronously: a request
    // that cannot be carried out is accepted and its operation FAILS.
    let error: Operation['error'];
    const members: Member[] = [];
    if (find(account, Name)) {
      error = { Code: 'InvalidRequest', Message: `A Multi-Region Access Point named ${Name} already exists in this account` };
    }
    for (const r of Regions) {
      if (error) break;
      const b = opts.s3.state.buckets[r.Bucket];
      const owner = r.BucketAccountId ?? account;
      if (!b || b.accountId !== owner) {
        error = { Code: 'NoSuchBucket', Message: `The specified bucket does not exist: ${r.Bucket}` };
        break;
      }
      const same = members.find((m) => m.Region === b.region);
      if (same) {
        error = { Code: 'InvalidRequest', Message: `Multi-Region Access Points support one bucket per Region: ${same.Bucket} and ${r.Bucket} are both in ${b.region}` };
        break;
      }
      members.push({ Bucket: r.Bucket, BucketAccountId: owner, Region: b.region, TrafficDialPercentage: 100 });
    }
    if (!error) {
      state.accessPoints.push({
        accountId: account,
        Name,
        Alias: newAlias(),
        CreatedAt: now(),
        Status: 'CREATING',
        // Unconfirmed: an omitted PublicAccessBlock is taken as all four settings on.
        PublicAccessBlock: PublicAccessBlock ?? { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        Regions: members,
      });
    }
    const op = startOperation(req, account, 'create', { clientToken: token, fingerprint, Operation: 'CreateMultiRegionAccessPoint', create, ...(error ? { error } : {}) });
    return asyncResult('CreateMultiRegionAccessPointResult', op);
  };

  const deleteAccessPoint = (req: EmuRequest): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const v = body(req, 'DeleteMultiRegionAccessPointRequest');
    const token = clientToken(v);
    const Name = checkName(text(child(v, 'Details'), 'Name'));
    const fingerprint = JSON.stringify({ delete: Name });
    const again = previous(account, token, fingerprint);
    if (again) return asyncResult('DeleteMultiRegionAccessPointResult', again);
    const a = find(account, Name);
    if (!a) throw noSuchAccessPoint();
    if (a.Status === 'CREATING') throw invalid(`The Multi-Region Access Point ${Name} is still being created`); // unconfirmed
    a.Status = 'DELETING';
    const op = startOperation(req, account, 'delete', { clientToken: token, fingerprint, Operation: 'DeleteMultiRegionAccessPoint', delete: { Name } });
    return asyncResult('DeleteMultiRegionAccessPointResult', op);
  };

  const putPolicy = (req: EmuRequest): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const v = body(req, 'PutMultiRegionAccessPointPolicyRequest');
    const token = clientToken(v);
    const details = child(v, 'Details');
    const Name = checkName(text(details, 'Name'));
    const Policy = text(details, 'Policy');
    if (Policy === undefined) throw malformed();
    try {
      const doc: unknown = JSON.parse(Policy);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    } catch {
      throw new MrapError(400, 'MalformedPolicy', 'Policies must be valid JSON and the first byte must be \'{\''); // unconfirmed
    }
    const fingerprint = JSON.stringify({ Name, Policy });
    const again = previous(account, token, fingerprint);
    if (again) return asyncResult('PutMultiRegionAccessPointPolicyResult', again);
    const a = find(account, Name);
    if (!a) throw noSuchAccessPoint();
    a.proposed = Policy;
    const op = startOperation(req, account, 'put-policy', { clientToken: token, fingerprint, Operation: 'PutMultiRegionAccessPointPolicy', putPolicy: { Name, Policy } });
    return asyncResult('PutMultiRegionAccessPointPolicyResult', op);
  };

  const noSuchAccessPoint = () => new MrapError(404, 'NoSuchMultiRegionAccessPoint', 'The specified Multi-Region Access Point does not exist');

  const pabNodes = (p: PublicAccessBlock): XmlNode[] => [
    ['BlockPublicAcls', p.BlockPublicAcls],
    ['IgnorePublicAcls', p.IgnorePublicAcls],
    ['BlockPublicPolicy', p.BlockPublicPolicy],
    ['RestrictPublicBuckets', p.RestrictPublicBuckets],
  ];

  const report = (a: AccessPoint): XmlNode[] => [
    ['Name', a.Name],
    ['Alias', a.Alias],
    ['CreatedAt', iso(a.CreatedAt)],
    ['PublicAccessBlock', pabNodes(a.PublicAccessBlock)],
    ['Status', a.Status],
    ['Regions', a.Regions.map((m): XmlNode => ['Region', [['Bucket', m.Bucket], ['Region', m.Region], ['BucketAccountId', m.BucketAccountId]]])],
  ];

  const getAccessPoint = (req: EmuRequest, name: string): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const a = find(account, name);
    if (!a) throw noSuchAccessPoint();
    return ok('GetMultiRegionAccessPointResult', [['AccessPoint', report(a)]]);
  };

  const getPolicy = (req: EmuRequest, name: string): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const a = find(account, name);
    if (!a) throw noSuchAccessPoint();
    return ok('GetMultiRegionAccessPointPolicyResult', [
      [
        'Policy',
        [
          ['Established', a.established !== undefined ? [['Policy', a.established]] : undefined],
          ['Proposed', a.proposed !== undefined ? [['Policy', a.proposed]] : undefined],
        ],
      ],
    ]);
  };

  const listAccessPoints = (req: EmuRequest): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const maxText = req.query.get('maxResults');
    const max = maxText === null ? 1000 : Number(maxText);
    if (!Number.isInteger(max) || max < 0 || max > 1000) throw invalid('maxResults must be between 0 and 1000');
    const tokenText = req.query.get('nextToken');
    const start = tokenText ? Number(Buffer.from(tokenText, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw invalid('The nextToken is not valid');
    const all = state.accessPoints.filter((a) => a.accountId === account).sort((a, b) => a.Name.localeCompare(b.Name));
    const page = all.slice(start, start + max);
    return ok('ListMultiRegionAccessPointsResult', [
      ['AccessPoints', page.map((a): XmlNode => ['AccessPoint', report(a)])],
      ['NextToken', start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined],
    ]);
  };

  const describeOperation = (req: EmuRequest, tokenArn: string): EmuResponse => {
    controlPlaneOnly(req);
    const account = checkAccount(req);
    const op = state.operations.find((o) => o.accountId === account && o.RequestTokenARN === tokenArn);
    if (!op) throw new MrapError(404, 'NoSuchAsyncRequest', 'The specified async request does not exist');
    const params: XmlNode[] = [];
    if (op.create) {
      params.push([
        'CreateMultiRegionAccessPointRequest',
        [
          ['Name', op.create.Name],
          ['PublicAccessBlock', op.create.PublicAccessBlock ? pabNodes(op.create.PublicAccessBlock) : undefined],
          ['Regions', op.create.Regions.map((r): XmlNode => ['Region', [['Bucket', r.Bucket], ['BucketAccountId', r.BucketAccountId]]])],
        ],
      ]);
    }
    if (op.delete) params.push(['DeleteMultiRegionAccessPointRequest', [['Name', op.delete.Name]]]);
    if (op.putPolicy) params.push(['PutMultiRegionAccessPointPolicyRequest', [['Name', op.putPolicy.Name], ['Policy', op.putPolicy.Policy]]]);
    const name = op.create?.Name ?? op.delete?.Name ?? op.putPolicy?.Name ?? '';
    const details: XmlNode[] = op.error
      ? [['ErrorDetails', [['Code', op.error.Code], ['Message', op.error.Message], ['RequestId', newRequestId()]]]]
      : op.RequestStatus === 'SUCCEEDED'
        ? [['MultiRegionAccessPointDetails', [['Regions', (find(account, name)?.Regions ?? []).map((m): XmlNode => ['Region', [['Name', m.Region], ['RequestStatus', 'COMPLETED']]])]]]]
        : [];
    return ok('DescribeMultiRegionAccessPointOperationResult', [
      [
        'AsyncOperation',
        [
          ['CreationTime', iso(op.CreationTime)],
          ['Operation', op.Operation],
          ['RequestTokenARN', op.RequestTokenARN],
          ['RequestParameters', params],
          ['RequestStatus', op.RequestStatus],
          ['ResponseDetails', details.length > 0 && op.RequestStatus !== 'INPROGRESS' ? details : undefined],
        ],
      ],
    ]);
  };

  // --------------------------------------------------------------- routes

  const routeRegionOnly = (req: EmuRequest): void => {
    if (!MRAP_ROUTE_REGIONS.includes(req.region)) {
      // The exact answer outside the five Regions is unconfirmed.
      throw new MrapError(301, 'PermanentRedirect', `This API operation is only available in the following Regions: ${MRAP_ROUTE_REGIONS.join(', ')}. Make sure to send all future requests to a supported Region.`);
    }
  };

  const byArn = (account: string, mrap: string): AccessPoint => {
    // arn:aws:s3::account-id:accesspoint/MultiRegionAccessPoint_alias (S3 User Guide, mrap-failover-errors).
    const m = /^arn:[^:]+:s3::(\d{12}):accesspoint\/([a-z][a-z0-9]*\.mrap)$/.exec(mrap);
    if (!m) throw new MrapError(400, 'InvalidRequest', `Invalid Multi-Region Access Point ARN: ${mrap}`); // 400 documented; code unconfirmed
    const a = state.accessPoints.find((x) => x.accountId === account && m[1] === account && x.Alias === m[2]);
    if (!a) throw noSuchAccessPoint();
    return a;
  };

  const getRoutes = (req: EmuRequest, mrap: string): EmuResponse => {
    routeRegionOnly(req);
    const account = checkAccount(req);
    const a = byArn(account, mrap);
    return ok('GetMultiRegionAccessPointRoutesResult', [
      ['Mrap', mrap],
      ['Routes', a.Regions.map((m): XmlNode => ['Route', [['Bucket', m.Bucket], ['Region', m.Region], ['TrafficDialPercentage', m.TrafficDialPercentage]]])],
    ]);
  };

  const submitRoutes = (req: EmuRequest, mrap: string): EmuResponse => {
    routeRegionOnly(req);
    const account = checkAccount(req);
    const v = body(req, 'SubmitMultiRegionAccessPointRoutesRequest');
    const a = byArn(account, mrap);
    if (a.Status !== 'READY') throw invalid(`The Multi-Region Access Point is ${a.Status}`); // unconfirmed
    const routes = children(child(v, 'RouteUpdates'), 'Route');
    if (routes.length === 0) throw invalid('RouteUpdates must contain at least one Route');
    const updates = routes.map((r) => {
      const bucket = text(r, 'Bucket');
      const region = text(r, 'Region');
      const pctText = text(r, 'TrafficDialPercentage');
      const pct = Number(pctText);
      if (pctText === undefined || !/^\d+$/.test(pctText) || pct > 100) throw invalid('TrafficDialPercentage must be an integer from 0 to 100');
      if (bucket === undefined && region === undefined) throw invalid('Either the Bucket or the Region value must be provided');
      const member = a.Regions.find((m) => (bucket === undefined || m.Bucket === bucket) && (region === undefined || m.Region === region));
      if (!member) {
        throw invalid(bucket !== undefined && region !== undefined ? `Bucket ${bucket} is not in Region ${region} of this Multi-Region Access Point` : `${bucket ?? region} is not part of this Multi-Region Access Point`);
      }
      return { Region: member.Region, TrafficDialPercentage: pct };
    });
    // "HTTP 409 Conflict ... two or more concurrent route configuration update requests" (S3 User Guide, mrap-failover-errors).
    if (a.pendingRoutes) throw new MrapError(409, 'Conflict', 'Another route configuration update for this Multi-Region Access Point is in progress'); // code unconfirmed
    // Regions not listed keep their setting; all passive is an InvalidRequest.
    const after = new Map(a.Regions.map((m) => [m.Region, m.TrafficDialPercentage]));
    for (const u of updates) after.set(u.Region, u.TrafficDialPercentage);
    if ([...after.values()].every((p) => p === 0)) throw invalid('At least one Region must be active: all Regions would be passive');
    a.pendingRoutes = updates;
    schedule(() => applyRoutes(a));
    return ok('SubmitMultiRegionAccessPointRoutesResult', []);
  };

  // --------------------------------------------------------------- wiring

  const ok = (root: string, content: XmlNode[]): EmuResponse => ({
    status: 200,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': newRequestId() },
    body: xmlDocument(root, content, S3CONTROL_XMLNS),
  });

  const errorResponse = (e: MrapError): EmuResponse => {
    const requestId = newRequestId();
    const hostId = newHostId();
    return {
      status: e.status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId, ...e.headers },
      body: xmlDocument('ErrorResponse', [
        ['Error', [['Code', e.code], ['Message', e.message]]],
        ['RequestId', requestId],
        ['HostId', hostId],
      ]),
    };
  };

  const route = (req: EmuRequest): { op: string; arg?: string } => {
    const p = req.path;
    const post = req.method === 'POST';
    const get = req.method === 'GET';
    if (post && p === '/v20180820/async-requests/mrap/create') return { op: 'CreateMultiRegionAccessPoint' };
    if (post && p === '/v20180820/async-requests/mrap/delete') return { op: 'DeleteMultiRegionAccessPoint' };
    if (post && p === '/v20180820/async-requests/mrap/put-policy') return { op: 'PutMultiRegionAccessPointPolicy' };
    let m = /^\/v20180820\/async-requests\/mrap\/(arn:.+)$/.exec(p);
    if (m && get) return { op: 'DescribeMultiRegionAccessPointOperation', arg: m[1]! };
    if (get && p.replace(/\/$/, '') === '/v20180820/mrap/instances') return { op: 'ListMultiRegionAccessPoints' };
    m = /^\/v20180820\/mrap\/instances\/(.+)\/routes$/.exec(p);
    if (m && get) return { op: 'GetMultiRegionAccessPointRoutes', arg: m[1]! };
    if (m && req.method === 'PATCH') return { op: 'SubmitMultiRegionAccessPointRoutes', arg: m[1]! };
    m = /^\/v20180820\/mrap\/instances\/(.+)\/policy$/.exec(p);
    if (m && get) return { op: 'GetMultiRegionAccessPointPolicy', arg: m[1]! };
    m = /^\/v20180820\/mrap\/instances\/([^/]+)$/.exec(p);
    if (m && get) return { op: 'GetMultiRegionAccessPoint', arg: m[1]! };
    return { op: 'Unknown' };
  };

  const accessPointsOf = (bucket: string): string[] => state.accessPoints.filter((a) => a.Regions.some((m) => m.Bucket === bucket)).map((a) => a.Name);

  return {
    handles: (req) => req.path.startsWith('/v20180820/async-requests/mrap') || req.path.startsWith('/v20180820/mrap/'),
    operationName: (req) => route(req).op,
    handle(req) {
      try {
        const { op, arg } = route(req);
        switch (op) {
          case 'CreateMultiRegionAccessPoint':
            return createAccessPoint(req);
          case 'DeleteMultiRegionAccessPoint':
            return deleteAccessPoint(req);
          case 'PutMultiRegionAccessPointPolicy':
            return putPolicy(req);
          case 'DescribeMultiRegionAccessPointOperation':
            return describeOperation(req, arg!);
          case 'ListMultiRegionAccessPoints':
            return listAccessPoints(req);
          case 'GetMultiRegionAccessPoint':
            return getAccessPoint(req, arg!);
          case 'GetMultiRegionAccessPointPolicy':
            return getPolicy(req, arg!);
          case 'GetMultiRegionAccessPointRoutes':
            return getRoutes(req, arg!);
          case 'SubmitMultiRegionAccessPointRoutes':
            return submitRoutes(req, arg!);
          default:
            throw new MrapError(501, 'NotImplemented', `The emulator does not implement ${req.method} ${req.path}`);
        }
      } catch (e) {
        if (e instanceof MrapError) return errorResponse(e);
        throw e;
      }
    },
    snapshot: () => state,
    restore(snap) {
      const s = snap as Partial<MrapState> | null | undefined;
      state = { accessPoints: s?.accessPoints ?? [], operations: s?.operations ?? [] };
      // Operations and route updates that were in flight finish where they were.
      for (const op of state.operations) if (op.RequestStatus === 'INPROGRESS') schedule(() => finish(op));
      for (const a of state.accessPoints) if (a.pendingRoutes) schedule(() => applyRoutes(a));
    },
    settled() {
      if (timers.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    idle: () => timers.size === 0,
    runPending() {
      for (const [t, run] of [...timers]) {
        clearTimeout(t);
        run();
      }
    },
    stop() {
      for (const t of timers.keys()) clearTimeout(t);
      timers.clear();
      wake();
    },
    accessPointsOf,
  };
}
