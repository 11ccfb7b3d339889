/**
 * The emulator's HTTP core: one server on 127.0.0.1 that reads the SigV4
 * credential scope to pick the service, account and region (signatures are
 * never verified), injects faults, counts calls, serves the admin endpoint
 * under /_emulator/ (no bucket can be named `_emulator`) and persists state.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { CloudWatchService, Clock, EmuRequest, EmuResponse, IamService, ServiceModule, ServiceName } from './types.js';
import { createIam } from './iam.js';
import { DailyStorageMetrics } from './storage-metrics.js';
import { createCloudWatch } from './cloudwatch.js';
import { createSts, type StsService } from './sts.js';
import { createKms, type KmsService } from './kms.js';
import { createS3, type S3Service } from './s3.js';
import { createS3Control, type S3ControlService } from './s3control.js';
import { Faults, type FaultSettings } from './faults.js';
import { createSqs, type SqsService } from './sqs.js';

export const DEFAULT_ACCOUNT_ID = '111111111111';

export interface EmulatorOptions {
  /**
   * Told of every call as it arrives, in order (`service:Operation`, the request
   * path and its body as text): for tests of the order in which things happen.
   */
  onCall?: (call: { operation: string; path: string; body: string }) => void;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Account for access keys that are not 12 digits, and for unsigned requests. */
  defaultAccountId?: string;
  /** Keep state in this JSON file across restarts. */
  persistFile?: string;
  /** Debounce for persisting after a change (ms, default 200). */
  persistDebounceMs?: number;
  /** Delay between a write and its replication (ms, default 50). */
  replicationDelayMs?: number;
  /** Delay between batch job status steps (ms, default 50). */
  jobStepDelayMs?: number;
  /** Delay of each Multi-Region Access Point step: an operation finishing, routes taking effect (ms, default jobStepDelayMs). */
  mrapStepDelayMs?: number;
  latencyMs?: number;
  latencyJitterMs?: number;
  throttleRate?: number;
  internalErrorRate?: number;
  iamPropagationDelayMs?: number;
  /** Patterns `service:Operation` the fault rates apply to (default all). */
  faultTargets?: string[];
  seed?: number;
  clock?: Clock;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  setFaults(patch: Partial<FaultSettings>): void;
  faults(): FaultSettings;
  /** Calls per `service:Operation` since start or the last reset. */
  calls(): Record<string, number>;
  /** Forgets all state, call counts and faults (the seed is kept). */
  reset(): void;
  /** Resolves once no replication or batch job work is pending. */
  settled(): Promise<void>;
  /** Runs pending replication and job steps now, until none is left (for long configured delays). */
  drain(): void;
  /** Makes a bucket unreachable as a replication destination (or reachable again). */
  setBucketAvailable(bucket: string, available: boolean): void;
  /** Writes the persist file now (no-op without --persist). */
  flush(): void;
  readonly services: Services;
}

export interface Services {
  s3: S3Service;
  s3control: S3ControlService;
  iam: IamService;
  cloudwatch: CloudWatchService;
  sts: StsService;
  kms: KmsService;
  sqs: SqsService;
}

const SNAPSHOT_FORMAT = 's3repl-emulator/1';


interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** Reads `Credential=AKID/date/region/service/aws4_request` from the header or a presigned URL. */
export function parseSigV4(headers: Record<string, string>, query: URLSearchParams): SigV4Scope | null {
  const auth = headers['authorization'];
  let credential: string | undefined;
  if (auth) {
    const m = /Credential=([^,\s]+)/.exec(auth);
    credential = m?.[1];
  } else {
    credential = query.get('X-Amz-Credential') ?? undefined;
  }
  if (!credential) return null;
  const parts = credential.split('/');
  if (parts.length < 5) return null;
  return { accessKeyId: parts[0]!, region: parts[2]!, service: parts[3]! };
}

function serviceFor(scopeService: string | undefined, path: string, headers: Record<string, string>, body: Buffer): ServiceName | null {
  if (path.startsWith('/v20180820/')) return 's3control';
  switch (scopeService) {
    case 's3':
      return 's3';
    case 'iam':
      return 'iam';
    case 'monitoring':
      return 'cloudwatch';
    case 'sts':
      return 'sts';
    case 'kms':
      return 'kms';
    case 'sqs':
      return 'sqs';
    case undefined:
      break;
    default:
      return null;
  }
  // Unsigned: guess from the protocol's shape.
  const target = headers['x-amz-target'] ?? '';
  if (target.startsWith('AmazonSQS.')) return 'sqs';
  if (target.startsWith('GraniteServiceVersion20100801') || path.startsWith('/service/GraniteServiceVersion20100801')) return 'cloudwatch';
  if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') && path === '/') {
    const version = new URLSearchParams(body.toString('utf8')).get('Version');
    if (version === '2010-05-08') return 'iam';
    if (version === '2011-06-15') return 'sts';
    if (version === '2010-08-01') return 'cloudwatch';
  }
  return 's3';
}

/** Operation name for protocols that carry it (AWS query Action, JSON target, RPC v2 path). */
function rpcOperation(req: EmuRequest): string {
  const target = req.headers['x-amz-target'];
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  const m = /\/operation\/([A-Za-z]+)$/.exec(req.path);
  if (m) return m[1]!;
  const fromQuery = req.query.get('Action');
  if (fromQuery) return fromQuery;
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(req.body.toString('utf8')).get('Action') ?? 'Unknown';
  }
  return 'Unknown';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function json(status: number, value: unknown): EmuResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value, null, 2) };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock: Clock = opts.clock ?? { now: () => Date.now() };
  const defaultAccountId = opts.defaultAccountId ?? DEFAULT_ACCOUNT_ID;
  if (!/^\d{12}$/.test(defaultAccountId)) throw new Error('defaultAccountId must be 12 digits');
  const faults = new Faults({
    latencyMs: opts.latencyMs,
    latencyJitterMs: opts.latencyJitterMs,
    throttleRate: opts.throttleRate,
    internalErrorRate: opts.internalErrorRate,
    iamPropagationDelayMs: opts.iamPropagationDelayMs,
    targets: opts.faultTargets,
    seed: opts.seed,
  } as Partial<FaultSettings>);
  let calls = new Map<string, number>();
  let persistTimer: NodeJS.Timeout | undefined;

  const scheduleSave = () => {
    if (!opts.persistFile) return;
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = setTimeout(() => {
      persistTimer = undefined;
      save();
    }, opts.persistDebounceMs ?? 200);
  };

  const makeServices = (): Services => {
    const iam = createIam({ clock, propagationDelayMs: () => faults.current.iamPropagationDelayMs });
    // S3 reports each day's storage to CloudWatch once the day is over: checked on each CloudWatch request.
    let storageMetrics: DailyStorageMetrics | undefined;
    const cloudwatch = createCloudWatch({ clock, beforeRequest: () => storageMetrics?.publishDue() });
    const sts = createSts({ clock, iam });
    const kms = createKms({ clock, iam, session: (akid) => sts.session(akid) });
    const sqs = createSqs({ clock, onChange: scheduleSave });
    const s3 = createS3({
      clock,
      iam,
      kms,
      cloudwatch,
      replicationDelayMs: opts.replicationDelayMs ?? 50,
      destinations: sqs,
      onChange: scheduleSave,
    });
    storageMetrics = new DailyStorageMetrics({ clock, state: () => s3.state, cloudwatch });
    const s3control = createS3Control({
      clock,
      s3,
      iam,
      cloudwatch,
      stepDelayMs: opts.jobStepDelayMs ?? 50,
      mrapStepDelayMs: opts.mrapStepDelayMs ?? opts.jobStepDelayMs ?? 50,
      onChange: scheduleSave,
    });
    return { s3, s3control, iam, cloudwatch, sts, kms, sqs };
  };
  let services = makeServices();

  const save = () => {
    if (!opts.persistFile) return;
    const snap = {
      format: SNAPSHOT_FORMAT,
      services: Object.fromEntries(Object.entries(services).map(([k, m]) => [k, (m as ServiceModule).snapshot()])),
    };
    mkdirSync(dirname(opts.persistFile), { recursive: true });
    const tmp = `${opts.persistFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(snap));
    renameSync(tmp, opts.persistFile);
  };

  const load = () => {
    if (!opts.persistFile || !existsSync(opts.persistFile)) return;
    const snap = JSON.parse(readFileSync(opts.persistFile, 'utf8')) as { format?: string; services?: Record<string, unknown> };
    if (snap.format !== SNAPSHOT_FORMAT || !snap.services) throw new Error(`${opts.persistFile} is not an s3repl emulator snapshot`);
    for (const [name, mod] of Object.entries(services) as Array<[string, ServiceModule]>) {
      const s = snap.services[name];
      if (s !== undefined) mod.restore(s);
    }
  };
  load();

  const admin = async (method: string, path: string, body: Buffer): Promise<EmuResponse> => {
    const parseBody = (): Record<string, unknown> => {
      if (body.length === 0) return {};
      const v: unknown = JSON.parse(body.toString('utf8'));
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('body must be a JSON object');
      return v as Record<string, unknown>;
    };
    try {
      if (path === '/_emulator/faults' && method === 'GET') return json(200, faults.current);
      if (path === '/_emulator/faults' && method === 'POST') {
        faults.set(parseBody() as Partial<FaultSettings>);
        return json(200, faults.current);
      }
      if (path === '/_emulator/calls' && method === 'GET') return json(200, Object.fromEntries(calls));
      if (path === '/_emulator/reset' && method === 'POST') {
        emu.reset();
        return json(200, { reset: true });
      }
      if (path === '/_emulator/settled' && method === 'POST') {
        await emu.settled();
        return json(200, { settled: true });
      }
      if (path === '/_emulator/bucket-availability' && method === 'POST') {
        const b = parseBody();
        if (typeof b.bucket !== 'string' || typeof b.available !== 'boolean') throw new Error('expected {"bucket": string, "available": boolean}');
        services.s3.setBucketAvailable(b.bucket, b.available);
        return json(200, { bucket: b.bucket, available: b.available });
      }
      if (path === '/_emulator/health' && method === 'GET') return json(200, { ok: true });
      return json(404, { error: `no admin route ${method} ${path}` });
    } catch (e) {
      return json(400, { error: (e as Error).message });
    }
  };

  const handle = async (req: http.IncomingMessage): Promise<EmuResponse> => {
    const body = await readBody(req);
    // A proxied request carries an absolute URI (used to let the AWS CLI reach
    // S3 Control's `{AccountId}.host` endpoint through HTTP_PROXY).
    // The host is dropped unparsed: `{AccountId}.127.0.0.1` is not a host WHATWG URL accepts.
    const target = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/?#]*/i, '') || '/';
    const url = new URL(target, 'http://emulator.invalid');
    const rawPath = url.pathname;
    const path = safeDecode(rawPath);
    if (rawPath.startsWith('/_emulator/')) return admin(req.method ?? 'GET', rawPath, body);
    const headers = lowerHeaders(req);
    const scope = parseSigV4(headers, url.searchParams);
    const service = serviceFor(scope?.service, rawPath, headers, body);
    if (!service) return { status: 400, headers: { 'content-type': 'text/plain' }, body: `Unsupported service ${scope?.service}` };
    const accessKeyId = scope?.accessKeyId ?? '';
    // Credentials from STS AssumeRole act as the role's session, in the role's account.
    const session = services.sts.session(accessKeyId);
    const accountId = session?.accountId ?? (/^\d{12}$/.test(accessKeyId) ? accessKeyId : defaultAccountId);
    const emuReq: EmuRequest = {
      service,
      method: req.method ?? 'GET',
      path,
      rawPath,
      query: url.searchParams,
      headers,
      body,
      accountId,
      principalArn: session?.arn ?? `arn:aws:iam::${accountId}:user/emulator`,
      region: scope?.region ?? 'us-east-1',
      accessKeyId,
    };
    const mod: ServiceModule = services[service];
    const operation =
      service === 's3' ? services.s3.operationName(emuReq) : service === 's3control' ? services.s3control.operationName(emuReq) : rpcOperation(emuReq);
    const key = `${service}:${operation}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    opts.onCall?.({ operation: key, path: rawPath, body: body.toString('utf8') });
    const decision = faults.decide(key);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.fault === 'throttle') return mod.throttled(emuReq);
    if (decision.fault === 'internal') return mod.internalError(emuReq);
    const res = await mod.handle(emuReq);
    if (emuReq.method !== 'GET' && emuReq.method !== 'HEAD' && res.status < 300) scheduleSave();
    return res;
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .then((r) => send(res, req.method === 'HEAD', r))
      .catch((e: unknown) => {
        const requestId = randomBytes(8).toString('hex').toUpperCase();
        process.stderr.write(`emulator: internal error ${requestId}: ${(e as Error).stack ?? String(e)}\n`);
        send(res, req.method === 'HEAD', {
          status: 500,
          headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>${requestId}</RequestId></Error>`,
        });
      });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';

  const emu: Emulator = {
    url: `http://${host}:${port}`,
    port,
    get services() {
      return services;
    },
    async stop() {
      services.s3.stop();
      services.s3control.stop();
      if (persistTimer) clearTimeout(persistTimer);
      persistTimer = undefined;
      save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setFaults: (patch) => faults.set(patch),
    faults: () => faults.current,
    calls: () => Object.fromEntries(calls),
    reset() {
      services.s3.stop();
      services.s3control.stop();
      services = makeServices();
      calls = new Map();
      faults.reset();
      scheduleSave();
    },
    async settled() {
      for (;;) {
        await services.s3.settled();
        await services.s3control.settled();
        if (services.s3.idle() && services.s3control.idle()) return;
      }
    },
    drain() {
      while (!services.s3.idle() || !services.s3control.idle()) {
        services.s3.runPending();
        services.s3control.runPending();
      }
    },
    setBucketAvailable: (bucket, available) => services.s3.setBucketAvailable(bucket, available),
    flush: save,
  };
  return emu;
}

function send(res: http.ServerResponse, isHead: boolean, r: EmuResponse): void {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(isHead ? undefined : body);
}
