/**
 * SQS over the JSON 1.0 protocol the current SDK and CLI speak
 * (`X-Amz-Target: AmazonSQS.<Operation>`, errors as `__type` plus the
 * `x-amzn-query-error: Code;Sender` header; docs/aws-behaviour.md, "SQS: the
 * JSON protocol"): standard queues per account and region — CreateQueue,
 * GetQueueUrl, GetQueueAttributes, SetQueueAttributes, ListQueues,
 * DeleteQueue, SendMessage, ReceiveMessage (visibility timeout, receipt
 * handles, long polling), DeleteMessage, DeleteMessageBatch.
 *
 * Queue policies decide who else may use a queue: another account, and the
 * S3 service principal delivering event notifications (with the
 * aws:SourceArn / aws:SourceAccount conditions S3 supplies). Messages S3 sends
 * go through `sendFromS3`, which the S3 module calls.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AwsError, formParams, newRequestId, queryErrorResponse, queryToTree } from './query-protocol.js';
import { escapeXml } from './xml.js';
import type { Clock, EmuRequest, EmuResponse, ServiceModule } from './types.js';
import type { DestinationCheck, NotificationDestinations } from './notification-config.js';
import { statementList, strings, wildcard } from './policy-match.js';

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

interface Message {
  id: string;
  body: string;
  md5: string;
  attributes?: Record<string, MessageAttribute>;
  md5OfAttributes?: string;
  sentAt: number;
  senderId: string;
  /** Invisible until then (delay or an in-flight receive). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The latest receipt handle; older ones delete nothing. */
  receiptHandle?: string;
}

interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface Queue {
  name: string;
  accountId: string;
  region: string;
  arn: string;
  attributes: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  messages: Message[];
}

interface SqsState {
  queues: Queue[];
  /** `region/account/name` → when it was deleted (a name cannot be reused for 60 seconds). */
  deleted: Record<string, number>;
  /** Every receipt handle issued → message id (so a stale handle is recognised as one of ours). */
  handles: Record<string, string>;
}

export interface SqsService extends ServiceModule, NotificationDestinations {
  queueByArn(arn: string): Queue | undefined;
}

/** Settable attributes, their defaults and ranges (docs/aws-behaviour.md, "SQS: queue attributes"). */
const NUMERIC: Record<string, { def: number; min: number; max: number }> = {
  DelaySeconds: { def: 0, min: 0, max: 900 },
  MaximumMessageSize: { def: 1048576, min: 1024, max: 1048576 },
  MessageRetentionPeriod: { def: 345600, min: 60, max: 1209600 },
  ReceiveMessageWaitTimeSeconds: { def: 0, min: 0, max: 20 },
  VisibilityTimeout: { def: 30, min: 0, max: 43200 },
};
const OTHER_SETTABLE = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']);
const COMPUTED = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];

const err = (type: string, status: number, message: string, queryCode: string = type) => Object.assign(new AwsError(type, status, message), { queryCode });
const noQueue = () => err('QueueDoesNotExist', 400, 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
const invalidParameter = (message: string) => err('InvalidParameterValue', 400, message); // __type for this common error: unconfirmed
const missingParameter = (name: string) => err('MissingParameter', 400, `The request must contain the parameter ${name}.`); // unconfirmed wording
const invalidAttributeValue = (name: string) => err('InvalidAttributeValue', 400, `Invalid value for the parameter ${name}.`);

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

/** MD5 of message attributes as SQS computes it (docs/aws-behaviour.md, "SQS: message attribute MD5"). */
export function md5OfMessageAttributes(attrs: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const withLength = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(a.DataType, 'utf8'));
    const binary = a.DataType.startsWith('Binary');
    parts.push(Buffer.from([binary ? 2 : 1]));
    withLength(binary ? Buffer.from(a.BinaryValue ?? '', 'base64') : Buffer.from(a.StringValue ?? '', 'utf8'));
  }
  return md5(Buffer.concat(parts));
}

// ------------------------------------------------------- query protocol

const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** `{ '1': a, '2': b }` (numbered form keys) → `[a, b]`. */
const numbered = (v: unknown): unknown[] =>
  typeof v === 'object' && v !== null
    ? Object.entries(v as Record<string, unknown>)
        .filter(([k]) => /^\d+$/.test(k))
        .sort((a, b) => Number(a[0]) - Number(b[0]))
        .map(([, x]) => x)
    : [];

/** Query-protocol parameters (`Attribute.1.Name`, `AttributeName.1`, ...) as the JSON protocol's input. */
function queryInput(tree: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tree)) {
    switch (k) {
      case 'Attribute':
        out.Attributes = Object.fromEntries(numbered(v).map((a) => [(a as Record<string, string>).Name, (a as Record<string, string>).Value ?? '']));
        break;
      case 'AttributeName':
        out.AttributeNames = numbered(v);
        break;
      case 'MessageSystemAttributeName':
        out.MessageSystemAttributeNames = numbered(v);
        break;
      case 'MessageAttributeName':
        out.MessageAttributeNames = numbered(v);
        break;
      case 'MessageAttribute':
        out.MessageAttributes = Object.fromEntries(numbered(v).map((a) => [(a as Record<string, unknown>).Name, (a as Record<string, unknown>).Value]));
        break;
      case 'DeleteMessageBatchRequestEntry':
        out.Entries = numbered(v);
        break;
      default:
        out[k] = v;
    }
  }
  return out;
}

const el = (name: string, value: unknown): string => (value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`);

function queryOutput(action: string, out: Record<string, unknown>, requestId: string): EmuResponse {
  const attrs = (a: unknown) =>
    Object.entries((a ?? {}) as Record<string, string>)
      .map(([n, v]) => `<Attribute>${el('Name', n)}${el('Value', v)}</Attribute>`)
      .join('');
  let result: string | undefined;
  switch (action) {
    case 'CreateQueue':
    case 'GetQueueUrl':
      result = el('QueueUrl', out.QueueUrl);
      break;
    case 'GetQueueAttributes':
      result = attrs(out.Attributes);
      break;
    case 'ListQueues':
      result = ((out.QueueUrls ?? []) as string[]).map((u) => el('QueueUrl', u)).join('') + el('NextToken', out.NextToken);
      break;
    case 'SendMessage':
      result = el('MessageId', out.MessageId) + el('MD5OfMessageBody', out.MD5OfMessageBody) + el('MD5OfMessageAttributes', out.MD5OfMessageAttributes);
      break;
    case 'ReceiveMessage':
      result = ((out.Messages ?? []) as Array<Record<string, unknown>>)
        .map((m) => {
          const ma = Object.entries((m.MessageAttributes ?? {}) as Record<string, MessageAttribute>)
            .map(([n, a]) => `<MessageAttribute>${el('Name', n)}<Value>${el('StringValue', a.StringValue)}${el('BinaryValue', a.BinaryValue)}${el('DataType', a.DataType)}</Value></MessageAttribute>`)
            .join('');
          return `<Message>${el('MessageId', m.MessageId)}${el('ReceiptHandle', m.ReceiptHandle)}${el('MD5OfBody', m.MD5OfBody)}${el('Body', m.Body)}${attrs(m.Attributes)}${ma}${el('MD5OfMessageAttributes', m.MD5OfMessageAttributes)}</Message>`;
        })
        .join('');
      break;
    case 'DeleteMessageBatch':
      result =
        ((out.Successful ?? []) as Array<{ Id: string }>).map((e) => `<DeleteMessageBatchResultEntry>${el('Id', e.Id)}</DeleteMessageBatchResultEntry>`).join('') +
        ((out.Failed ?? []) as Array<Record<string, unknown>>)
          .map((e) => `<BatchResultErrorEntry>${el('Id', e.Id)}${el('SenderFault', e.SenderFault)}${el('Code', e.Code)}${el('Message', e.Message)}</BatchResultErrorEntry>`)
          .join('');
      break;
  }
  const body =
    `<?xml version="1.0"?>\n<${action}Response xmlns="${SQS_XMLNS}">${result === undefined ? '' : `<${action}Result>${result}</${action}Result>`}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

// ------------------------------------------------------------ queue policy

/** Who is asking: an IAM principal of some account, or an AWS service principal. */
export type PolicyPrincipal = { kind: 'aws'; accountId: string; arn: string } | { kind: 'service'; service: string };

function principalMatches(p: unknown, who: PolicyPrincipal): boolean {
  if (p === '*') return true;
  if (typeof p !== 'object' || p === null) return false;
  const rec = p as Record<string, unknown>;
  if (who.kind === 'service') return strings(rec.Service).includes(who.service);
  return strings(rec.AWS).some((x) => x === '*' || x === who.accountId || x === `arn:aws:iam::${who.accountId}:root` || x === who.arn);
}

/**
 * One condition block: every operator and key must hold. Supported: the
 * String and Arn operators (Equals, NotEquals, Like, NotLike, IfExists);
 * any other operator makes the statement not apply.
 */
function conditionsHold(cond: unknown, context: Record<string, string>): boolean {
  if (cond === undefined) return true;
  if (typeof cond !== 'object' || cond === null) return false;
  const ctx = Object.fromEntries(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [rawOp, block] of Object.entries(cond as Record<string, unknown>)) {
    const ifExists = rawOp.endsWith('IfExists');
    const op = ifExists ? rawOp.slice(0, -'IfExists'.length) : rawOp;
    const m = /^(String|Arn)(Not)?(Equals|Like|EqualsIgnoreCase)$/.exec(op);
    if (!m || typeof block !== 'object' || block === null) return false;
    const [, family, not, kind] = m;
    for (const [key, wanted] of Object.entries(block as Record<string, unknown>)) {
      const actual = ctx[key.toLowerCase()];
      if (actual === undefined) {
        if (ifExists || not) continue;
        return false;
      }
      const values = strings(wanted);
      const hit = values.some((w) =>
        kind === 'Like' ? wildcard(w, actual) : kind === 'EqualsIgnoreCase' ? w.toLowerCase() === actual.toLowerCase() : w === actual,
      );
      if (family === 'Arn' && kind === 'EqualsIgnoreCase') return false;
      if (not ? hit : !hit) return false;
    }
  }
  return true;
}

/** Allowed when an Allow statement applies and no Deny does. */
export function queuePolicyAllows(policy: string | undefined, who: PolicyPrincipal, action: string, resource: string, context: Record<string, string>): boolean {
  if (!policy) return false;
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = statementList(doc);
  let allowed = false;
  for (const s of statements) {
    if (!principalMatches(s.Principal, who)) continue;
    if (!strings(s.Action).some((a) => wildcard(a, action, true))) continue;
    if (s.Resource !== undefined && !strings(s.Resource).some((r) => wildcard(r, resource))) continue;
    if (!conditionsHold(s.Condition, context)) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

// ------------------------------------------------------------------ module

export function createSqs(opts: { clock: Clock; onChange: () => void }): SqsService {
  let state: SqsState = { queues: [], deleted: {}, handles: {} };
  const now = () => opts.clock.now();

  const key = (region: string, accountId: string, name: string) => `${region}/${accountId}/${name}`;
  const url = (req: EmuRequest, q: Queue) => `http://${req.headers['host'] ?? 'localhost'}/${q.accountId}/${q.name}`;

  /** The queue a QueueUrl names (any host: the path is /ACCOUNT/NAME), in the request's region. */
  const byUrl = (req: EmuRequest, queueUrl: unknown): Queue => {
    if (typeof queueUrl !== 'string' || queueUrl === '') throw missingParameter('QueueUrl');
    const m = /\/(\d{12})\/([^/?#]+)\/?$/.exec(queueUrl);
    if (!m) throw err('InvalidAddress', 404, 'The address is not valid for this endpoint.'); // unconfirmed wording
    const q = state.queues.find((x) => x.region === req.region && x.accountId === m[1] && x.name === m[2]);
    if (!q) throw noQueue();
    return q;
  };

  /** The queue's owner may do anything; another account needs the queue policy. */
  const authorize = (req: EmuRequest, q: Queue, action: string) => {
    if (q.accountId === req.accountId) return;
    const who: PolicyPrincipal = { kind: 'aws', accountId: req.accountId, arn: req.principalArn };
    if (!queuePolicyAllows(q.attributes.Policy, who, `sqs:${action}`, q.arn, { 'aws:SourceAccount': req.accountId })) {
      throw err('AccessDenied', 403, `Access to the resource ${url(req, q)} is denied.`); // unconfirmed wording
    }
  };

  const validateAttributes = (attrs: unknown, fifoAllowed: boolean): Record<string, string> => {
    if (attrs === undefined) return {};
    if (typeof attrs !== 'object' || attrs === null) throw invalidParameter('Attributes must be a map.');
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(attrs as Record<string, unknown>)) {
      const value = typeof raw === 'string' ? raw : String(raw);
      if (NUMERIC[name]) {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < NUMERIC[name].min || n > NUMERIC[name].max) throw invalidAttributeValue(name);
      } else if (name === 'Policy') {
        if (value !== '') {
          try {
            const doc = JSON.parse(value) as unknown;
            if (typeof doc !== 'object' || doc === null) throw new Error('not an object');
          } catch {
            throw invalidAttributeValue('Policy');
          }
        }
      } else if (name === 'FifoQueue' || name === 'ContentBasedDeduplication' || name === 'DeduplicationScope' || name === 'FifoThroughputLimit') {
        if (!fifoAllowed) throw err('InvalidAttributeName', 400, `Unknown Attribute ${name}.`);
        // FIFO queues are not emulated.
        throw err('UnsupportedOperation', 400, 'The emulator implements standard queues only'); // emulator limit, not AWS behaviour
      } else if (!OTHER_SETTABLE.has(name)) {
        throw err('InvalidAttributeName', 400, `Unknown Attribute ${name}.`);
      }
      out[name] = value;
    }
    return out;
  };

  const counts = (q: Queue) => {
    const t = now();
    let visible = 0;
    let inflight = 0;
    let delayed = 0;
    for (const m of q.messages) {
      if (m.visibleAt <= t) visible++;
      else if (m.receiveCount > 0) inflight++;
      else delayed++;
    }
    return { visible, inflight, delayed };
  };

  const allAttributes = (q: Queue): Record<string, string> => {
    const c = counts(q);
    const out: Record<string, string> = {};
    for (const [k, spec] of Object.entries(NUMERIC)) out[k] = q.attributes[k] ?? String(spec.def);
    out.SqsManagedSseEnabled = q.attributes.SqsManagedSseEnabled ?? (q.attributes.KmsMasterKeyId ? 'false' : 'true');
    for (const k of ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds']) {
      if (q.attributes[k] !== undefined && q.attributes[k] !== '') out[k] = q.attributes[k];
    }
    out.QueueArn = q.arn;
    out.ApproximateNumberOfMessages = String(c.visible);
    out.ApproximateNumberOfMessagesNotVisible = String(c.inflight);
    out.ApproximateNumberOfMessagesDelayed = String(c.delayed);
    out.CreatedTimestamp = String(Math.floor(q.createdAt / 1000));
    out.LastModifiedTimestamp = String(Math.floor(q.modifiedAt / 1000));
    return out;
  };

  /** Messages past their retention period are gone. */
  const expire = (q: Queue) => {
    const retention = Number(q.attributes.MessageRetentionPeriod ?? NUMERIC.MessageRetentionPeriod!.def) * 1000;
    const t = now();
    q.messages = q.messages.filter((m) => t - m.sentAt < retention);
  };

  const enqueue = (q: Queue, body: string, senderId: string, delaySeconds?: number, attributes?: Record<string, MessageAttribute>): Message => {
    const delay = delaySeconds ?? Number(q.attributes.DelaySeconds ?? 0);
    const m: Message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: now(),
      senderId,
      visibleAt: now() + delay * 1000,
      receiveCount: 0,
      ...(attributes && Object.keys(attributes).length > 0 ? { attributes, md5OfAttributes: md5OfMessageAttributes(attributes) } : {}),
    };
    q.messages.push(m);
    opts.onChange();
    return m;
  };

  const checkBody = (q: Queue, body: unknown) => {
    if (typeof body !== 'string') throw missingParameter('MessageBody');
    if (body.length === 0) throw invalidParameter('The request must contain the parameter MessageBody.'); // unconfirmed wording
    const max = Number(q.attributes.MaximumMessageSize ?? NUMERIC.MaximumMessageSize!.def);
    if (Buffer.byteLength(body) > max) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    // Allowed characters: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
    if (/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(body)) {
      throw err('InvalidMessageContents', 400, 'Invalid characters found. Valid unicode characters or ranges according to XML 1.0 W3C specification are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
    }
  };

  const parseMessageAttributes = (raw: unknown): Record<string, MessageAttribute> | undefined => {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'object' || raw === null) throw invalidParameter('MessageAttributes must be a map.');
    const out: Record<string, MessageAttribute> = {};
    const entries = Object.entries(raw as Record<string, Record<string, unknown>>);
    if (entries.length > 10) throw invalidParameter('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
    for (const [name, a] of entries) {
      const DataType = typeof a?.DataType === 'string' ? a.DataType : '';
      if (!/^(String|Number|Binary)(\..+)?$/.test(DataType)) throw invalidParameter(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
      const value = DataType.startsWith('Binary') ? a.BinaryValue : a.StringValue;
      if (typeof value !== 'string') throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${DataType.split('.')[0]}'.`);
      out[name] = DataType.startsWith('Binary') ? { DataType, BinaryValue: value } : { DataType, StringValue: value };
    }
    return out;
  };

  const intParam = (v: unknown, name: string, min: number, max: number, message: (n: string) => string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw invalidParameter(message(String(v)));
    return n;
  };

  const receive = (req: EmuRequest, q: Queue, input: Record<string, unknown>): Array<Record<string, unknown>> => {
    expire(q);
    const max =
      intParam(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10, (v) => `Value ${v} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`) ?? 1;
    const visibility =
      intParam(input.VisibilityTimeout, 'VisibilityTimeout', 0, 43200, (v) => `Value ${v} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`) ??
      Number(q.attributes.VisibilityTimeout ?? NUMERIC.VisibilityTimeout!.def);
    const wanted = new Set([...strings(input.AttributeNames), ...strings(input.MessageSystemAttributeNames)]);
    const all = wanted.has('All');
    const wantedAttrs = new Set(strings(input.MessageAttributeNames));
    const t = now();
    const out: Array<Record<string, unknown>> = [];
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > t) continue;
      m.receiveCount++;
      m.firstReceivedAt ??= t;
      m.visibleAt = t + visibility * 1000;
      const handle = randomBytes(48).toString('base64');
      m.receiptHandle = handle;
      state.handles[handle] = m.id;
      const attrs: Record<string, string> = {};
      const sys: Record<string, string> = {
        SenderId: m.senderId,
        SentTimestamp: String(m.sentAt),
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
      };
      for (const [k, v] of Object.entries(sys)) if (all || wanted.has(k)) attrs[k] = v;
      const msgAttrs = m.attributes
        ? Object.fromEntries(
            Object.entries(m.attributes).filter(
              ([n]) => wantedAttrs.has('All') || wantedAttrs.has('.*') || wantedAttrs.has(n) || [...wantedAttrs].some((w) => w.endsWith('.*') && n.startsWith(w.slice(0, -1))),
            ),
          )
        : {};
      out.push({
        MessageId: m.id,
        ReceiptHandle: handle,
        MD5OfBody: m.md5,
        Body: m.body,
        ...(Object.keys(attrs).length > 0 ? { Attributes: attrs } : {}),
        ...(Object.keys(msgAttrs).length > 0 ? { MessageAttributes: msgAttrs, MD5OfMessageAttributes: md5OfMessageAttributes(msgAttrs) } : {}),
      });
    }
    if (out.length > 0) opts.onChange();
    void req;
    return out;
  };

  /** Deletes with a receipt handle: the latest handle deletes; an older one of ours succeeds and deletes nothing. */
  const deleteByHandle = (q: Queue, handle: unknown): void => {
    if (typeof handle !== 'string' || handle === '') throw missingParameter('ReceiptHandle');
    const id = state.handles[handle];
    if (id === undefined) throw err('ReceiptHandleIsInvalid', 404, `The input receipt handle "${handle}" is not a valid receipt handle.`);
    const i = q.messages.findIndex((m) => m.id === id && m.receiptHandle === handle);
    if (i >= 0) {
      q.messages.splice(i, 1);
      opts.onChange();
    }
  };

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const ops: Record<string, (req: EmuRequest, input: Record<string, unknown>) => unknown> = {
    CreateQueue(req, input) {
      const name = input.QueueName;
      if (typeof name !== 'string') throw missingParameter('QueueName');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
        if (/^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name)) throw err('UnsupportedOperation', 400, 'The emulator implements standard queues only'); // emulator limit, not AWS behaviour
        throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
      }
      const attributes = validateAttributes(input.Attributes, true);
      const existing = state.queues.find((q) => q.region === req.region && q.accountId === req.accountId && q.name === name);
      if (existing) {
        for (const [k, v] of Object.entries(attributes)) {
          const current = existing.attributes[k] ?? (NUMERIC[k] ? String(NUMERIC[k].def) : undefined);
          if (current !== v) throw err('QueueNameExists', 400, `A queue already exists with the same name and a different value for attribute ${k}`, 'QueueAlreadyExists');
        }
        return { QueueUrl: url(req, existing) };
      }
      const deletedAt = state.deleted[key(req.region, req.accountId, name)];
      if (deletedAt !== undefined && now() - deletedAt < 60_000) {
        throw err('QueueDeletedRecently', 400, 'You must wait 60 seconds after deleting a queue before you can create another with the same name.', 'AWS.SimpleQueueService.QueueDeletedRecently');
      }
      const q: Queue = {
        name,
        accountId: req.accountId,
        region: req.region,
        arn: `arn:aws:sqs:${req.region}:${req.accountId}:${name}`,
        attributes,
        createdAt: now(),
        modifiedAt: now(),
        messages: [],
      };
      state.queues.push(q);
      return { QueueUrl: url(req, q) };
    },
    GetQueueUrl(req, input) {
      if (typeof input.QueueName !== 'string') throw missingParameter('QueueName');
      const owner = typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : req.accountId;
      const q = state.queues.find((x) => x.region === req.region && x.accountId === owner && x.name === input.QueueName);
      if (!q) throw noQueue();
      authorize(req, q, 'GetQueueUrl');
      return { QueueUrl: url(req, q) };
    },
    GetQueueAttributes(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'GetQueueAttributes');
      expire(q);
      const names = strings(input.AttributeNames);
      const all = allAttributes(q);
      const known = new Set([...Object.keys(NUMERIC), ...OTHER_SETTABLE, ...COMPUTED, 'All']);
      for (const n of names) if (!known.has(n)) throw err('InvalidAttributeName', 400, `Unknown Attribute ${n}.`);
      if (names.length === 0) return {};
      const picked = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
      return Object.keys(picked).length > 0 ? { Attributes: picked } : {};
    },
    SetQueueAttributes(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'SetQueueAttributes');
      if (input.Attributes === undefined) throw missingParameter('Attributes');
      const attrs = validateAttributes(input.Attributes, false);
      for (const [k, v] of Object.entries(attrs)) {
        if (v === '' && (k === 'Policy' || k === 'RedrivePolicy' || k === 'RedriveAllowPolicy' || k === 'KmsMasterKeyId')) delete q.attributes[k];
        else q.attributes[k] = v;
      }
      q.modifiedAt = now();
      return {};
    },
    ListQueues(req, input) {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const max = intParam(input.MaxResults, 'MaxResults', 1, 1000, (v) => `Value ${v} for parameter MaxResults is invalid. Reason: Must be between 1 and 1000, if provided.`);
      const start = typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid NextToken value.'); // unconfirmed wording
      const all = state.queues
        .filter((q) => q.region === req.region && q.accountId === req.accountId && q.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      // Without MaxResults SQS answers at most 1,000 queues and no NextToken.
      const page = all.slice(start, max === undefined ? 1000 : start + max);
      const more = max !== undefined && start + max < all.length;
      return {
        ...(page.length > 0 ? { QueueUrls: page.map((q) => url(req, q)) } : {}),
        ...(more ? { NextToken: Buffer.from(String(start + max!)).toString('base64') } : {}),
      };
    },
    DeleteQueue(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'DeleteQueue');
      state.queues = state.queues.filter((x) => x !== q);
      state.deleted[key(q.region, q.accountId, q.name)] = now();
      return {};
    },
    SendMessage(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'SendMessage');
      checkBody(q, input.MessageBody);
      const delay = intParam(input.DelaySeconds, 'DelaySeconds', 0, 900, (v) => `Value ${v} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
      const attributes = parseMessageAttributes(input.MessageAttributes);
      const m = enqueue(q, input.MessageBody as string, req.accountId, delay, attributes);
      return { MessageId: m.id, MD5OfMessageBody: m.md5, ...(m.md5OfAttributes ? { MD5OfMessageAttributes: m.md5OfAttributes } : {}) };
    },
    DeleteMessage(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'DeleteMessage');
      deleteByHandle(q, input.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch(req, input) {
      const q = byUrl(req, input.QueueUrl);
      authorize(req, q, 'DeleteMessage');
      const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
      if (entries.length === 0) {
        throw err('EmptyBatchRequest', 400, 'There should be at least one DeleteMessageBatchRequestEntry in the request.', 'AWS.SimpleQueueService.EmptyBatchRequest');
      }
      if (entries.length > 10) {
        throw err('TooManyEntriesInBatchRequest', 400, `Maximum number of entries per request are 10. You have sent ${entries.length}.`, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
      }
      const seen = new Set<string>();
      for (const e of entries) {
        const id = typeof e.Id === 'string' ? e.Id : '';
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
          throw err('InvalidBatchEntryId', 400, 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.', 'AWS.SimpleQueueService.InvalidBatchEntryId');
        }
        if (seen.has(id)) throw err('BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
        seen.add(id);
      }
      const Successful: Array<{ Id: string }> = [];
      const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
      for (const e of entries) {
        try {
          deleteByHandle(q, e.ReceiptHandle);
          Successful.push({ Id: e.Id as string });
        } catch (x) {
          if (!(x instanceof AwsError)) throw x;
          Failed.push({ Id: e.Id as string, SenderFault: true, Code: (x as AwsError & { queryCode: string }).queryCode, Message: x.message });
        }
      }
      return { Successful, Failed };
    },
  };

  const respond = (status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse => ({
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': newRequestId(), ...headers },
    body: JSON.stringify(body),
  });
  const errorResponse = (e: AwsError): EmuResponse =>
    respond(e.status, { __type: `com.amazonaws.sqs#${e.code}`, message: e.message }, {
      'x-amzn-query-error': `${(e as AwsError & { queryCode?: string }).queryCode ?? e.code};${e.type}`,
    });

  const sourceContext = (source: { bucketName: string; accountId: string }) => ({
    'aws:SourceArn': `arn:aws:s3:::${source.bucketName}`,
    'aws:SourceAccount': source.accountId,
  });

  const checkQueue = (queueArn: string, source: { bucketName: string; accountId: string }): DestinationCheck => {
    const q = state.queues.find((x) => x.arn === queueArn);
    if (!q) return 'missing';
    return queuePolicyAllows(q.attributes.Policy, { kind: 'service', service: 's3.amazonaws.com' }, 'sqs:SendMessage', q.arn, sourceContext(source)) ? 'ok' : 'denied';
  };

  /** ReceiveMessage with long polling: waits up to WaitTimeSeconds for a message, then answers (empty if none came). */
  const receiveMessage = async (req: EmuRequest, input: Record<string, unknown>) => {
    const q = byUrl(req, input.QueueUrl);
    authorize(req, q, 'ReceiveMessage');
    const wait =
      intParam(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20, (v) => `Value ${v} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`) ??
      Number(q.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const messages = receive(req, q, input);
      if (messages.length > 0 || Date.now() >= deadline || !state.queues.includes(q)) return messages.length > 0 ? { Messages: messages } : {};
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
  };

  /** The error in the request's protocol: JSON `__type` + x-amzn-query-error, or the query protocol's ErrorResponse with the query code. */
  const failWith = (req: EmuRequest, e: AwsError, requestId = newRequestId()): EmuResponse => {
    if (req.headers['x-amz-target'] !== undefined) return errorResponse(e);
    const code = (e as AwsError & { queryCode?: string }).queryCode ?? e.code;
    return queryErrorResponse(new AwsError(code, e.status, e.message, e.type), SQS_XMLNS, requestId);
  };

  const run = async (req: EmuRequest, op: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    if (op === 'ReceiveMessage') return receiveMessage(req, input);
    const handler = Object.prototype.hasOwnProperty.call(ops, op) ? ops[op] : undefined;
    // unconfirmed wording
    if (!handler) throw err('UnsupportedOperation', 400, `The emulator does not implement ${op || 'this request'}`);
    return handler(req, input) as Record<string, unknown>;
  };

  return {
    async handle(req) {
      const target = req.headers['x-amz-target'];
      if (target === undefined) {
        // The AWS query protocol (older SDKs and CLIs): same operations, form in, XML out.
        const requestId = newRequestId();
        const params = formParams(req);
        const action = params.get('Action') ?? '';
        try {
          const out = await run(req, action, queryInput(queryToTree(params)));
          return queryOutput(action, out, requestId);
        } catch (e) {
          if (!(e instanceof AwsError)) throw e;
          return failWith(req, e, requestId);
        }
      }
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      try {
        const input = req.body.length > 0 ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
        return respond(200, await run(req, op, input));
      } catch (e) {
        if (e instanceof AwsError) return errorResponse(e);
        if (e instanceof SyntaxError) return errorResponse(err('SerializationException', 400, 'Start of structure or map found where not expected.'));
        throw e;
      }
    },
    throttled: (req) => failWith(req, err('RequestThrottled', 403, 'Request is throttled.')), // unconfirmed wording
    internalError: (req) => failWith(req, err('InternalError', 500, 'We encountered an internal error. Please try again.')),
    snapshot: () => state,
    restore(snap) {
      const s = snap as Partial<SqsState> | null;
      state = { queues: s?.queues ?? [], deleted: s?.deleted ?? {}, handles: s?.handles ?? {} };
    },
    queueByArn: (arn) => state.queues.find((q) => q.arn === arn),
    checkQueue,
    sendToQueue(queueArn, body, source) {
      if (checkQueue(queueArn, source) !== 'ok') return false;
      const q = state.queues.find((x) => x.arn === queueArn)!;
      // The sender S3 is seen as (SenderId) is unconfirmed; the emulator names the service.
      enqueue(q, body, 's3.amazonaws.com');
      return true;
    },
  };
}
