/**
 * Shared wire helpers for the AWS query protocol (IAM, STS, CloudWatch via the
 * AWS CLI) and the AWS JSON 1.0 protocol (CloudWatch via the JS SDK v3):
 * request parsing into a plain tree, XML / JSON response building, AWS-shaped
 * errors, request ids and the "1 validation error detected" messages.
 */
import { randomUUID } from 'node:crypto';
import type { EmuRequest, EmuResponse } from './types.js';
import { escapeXml } from './xml.js';

/** An error AWS would return: code, HTTP status, and whose fault it is. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export function newRequestId(): string {
  return randomUUID();
}

// ---------------------------------------------------------------------------
// Request input: both protocols end up as a tree of plain values.

/** A parsed request body: JSON values, or strings/arrays/objects from a form. */
export type InputTree = Record<string, unknown>;

/** The form parameters of a query-protocol request (body, and URL query for GET). */
export function formParams(req: EmuRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  const text = req.body.toString('utf8');
  if (text.length > 0) {
    for (const [k, v] of new URLSearchParams(text)) params.append(k, v);
  }
  return params;
}

/**
 * Turns flattened query keys (`Tags.member.2.Key=x`) into a tree
 * (`{Tags: [undefined, {Key: 'x'}]}` compacted to `{Tags: [{Key:'x'}]}`).
 */
export function queryToTree(params: URLSearchParams): InputTree {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    insertPath(root, key.split('.'), value);
  }
  return compactLists(root) as InputTree;
}

function insertPath(node: Record<string, unknown>, segments: string[], value: string): void {
  let cursor: Record<string, unknown> = node;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    const last = i === segments.length - 1;
    if (last) {
      cursor[seg] = value;
      return;
    }
    const next = cursor[seg];
    if (typeof next === 'object' && next !== null) {
      cursor = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      cursor[seg] = created;
      cursor = created;
    }
  }
}

/** `{member: {'1': a, '2': b}}` becomes `[a, b]`, recursively. */
function compactLists(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'member' && typeof obj.member === 'object' && obj.member !== null) {
    const members = obj.member as Record<string, unknown>;
    const indexes = Object.keys(members)
      .filter((k) => /^\d+$/.test(k))
      .map(Number)
      .sort((a, b) => a - b);
    return indexes.map((i) => compactLists(members[String(i)]));
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = compactLists(obj[k]);
  return out;
}

// Typed readers over an InputTree. They accept JSON-typed values and the
// strings a form carries, and throw the error the service would for a value
// of the wrong type.

export class InputReader {
  constructor(private readonly invalid: (member: string, raw: unknown) => AwsError) {}

  str(tree: InputTree, key: string): string | undefined {
    const v = tree[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw this.invalid(key, v);
  }

  num(tree: InputTree, key: string): number | undefined {
    const v = tree[key];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
    if (typeof v === 'string' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim())) {
      throw this.invalid(key, v);
    }
    if (Number.isNaN(n)) throw this.invalid(key, v);
    return n;
  }

  int(tree: InputTree, key: string): number | undefined {
    const n = this.num(tree, key);
    if (n !== undefined && !Number.isInteger(n)) throw this.invalid(key, tree[key]);
    return n;
  }

  bool(tree: InputTree, key: string): boolean | undefined {
    const v = tree[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw this.invalid(key, v);
  }

  /** A list; the query protocol sends an empty list as `Key=`. */
  list(tree: InputTree, key: string): unknown[] | undefined {
    const v = tree[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    if (v === '') return [];
    throw this.invalid(key, v);
  }

  strList(tree: InputTree, key: string): string[] | undefined {
    const items = this.list(tree, key);
    if (items === undefined) return undefined;
    return items.map((item) => {
      if (typeof item === 'string') return item;
      throw this.invalid(key, item);
    });
  }

  obj(tree: InputTree, key: string): InputTree | undefined {
    const v = tree[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object' && !Array.isArray(v)) return v as InputTree;
    throw this.invalid(key, v);
  }

  /** A timestamp: epoch seconds (JSON) or ISO 8601 / epoch seconds (query). Returns ms. */
  time(tree: InputTree, key: string): number | undefined {
    const v = tree[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number') return v * 1000;
    if (typeof v === 'string') {
      if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return ms;
    }
    throw this.invalid(key, v);
  }
}

/** Reads a list item as a tree (throws via the reader's error when it is not an object). */
export function asTree(item: unknown): InputTree {
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as InputTree) : {};
}

// ---------------------------------------------------------------------------
// "1 validation error detected: ..." — the message AWS's request validation
// produces for model constraint violations (ValidationError).

export class ConstraintErrors {
  private readonly messages: string[] = [];

  add(member: string, value: unknown, constraint: string): void {
    const shown = value === null || value === undefined ? 'null' : `'${formatValue(value)}'`;
    this.messages.push(`Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  required(member: string, value: unknown): boolean {
    if (value === undefined || value === null) {
      this.add(member, null, 'Member must not be null');
      return false;
    }
    return true;
  }

  length(member: string, value: string | undefined, min: number, max: number): void {
    if (value === undefined) return;
    const n = [...value].length;
    if (n < min) this.add(member, value, `Member must have length greater than or equal to ${min}`);
    else if (n > max) this.add(member, value, `Member must have length less than or equal to ${max}`);
  }

  pattern(member: string, value: string | undefined, re: RegExp, source: string): void {
    if (value === undefined) return;
    if (!re.test(value)) this.add(member, value, `Member must satisfy regular expression pattern: ${source}`);
  }

  range(member: string, value: number | undefined, min: number, max?: number): void {
    if (value === undefined) return;
    if (value < min) this.add(member, value, `Member must have value greater than or equal to ${min}`);
    else if (max !== undefined && value > max) this.add(member, value, `Member must have value less than or equal to ${max}`);
  }

  listLength(member: string, value: unknown[] | undefined, min: number, max: number): void {
    if (value === undefined) return;
    if (value.length < min) this.add(member, value, `Member must have length greater than or equal to ${min}`);
    else if (value.length > max) this.add(member, value, `Member must have length less than or equal to ${max}`);
  }

  enumeration(member: string, value: string | undefined, allowed: readonly string[]): void {
    if (value === undefined) return;
    if (!allowed.includes(value)) this.add(member, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }

  /** Throws `ValidationError` (400) when any constraint failed. */
  throwIfAny(): void {
    const n = this.messages.length;
    if (n === 0) return;
    const head = `${n} validation error${n === 1 ? '' : 's'} detected: `;
    throw new AwsError('ValidationError', 400, head + this.messages.join('; '));
  }
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}]`;
  return typeof value === 'string' ? value : String(value);
}

/** Lower-cases the first letter: AWS names members this way in validation messages. */
export function memberName(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

// ---------------------------------------------------------------------------
// Output: a tree of values serialised to XML (query) or JSON (JSON 1.0).

export type OutValue = string | number | boolean | Date | undefined | OutValue[] | OutObject;
export interface OutObject {
  [key: string]: OutValue;
}

/** ISO 8601 with milliseconds, as CloudWatch writes; IAM drops them. */
export function isoTime(d: Date, withMillis = true): string {
  const s = d.toISOString();
  return withMillis ? s : s.replace(/\.\d{3}Z$/, 'Z');
}

export interface XmlOptions {
  /** IAM writes `2024-01-01T00:00:00Z`; CloudWatch keeps milliseconds. */
  millis: boolean;
}

export function toXml(value: OutValue, opts: XmlOptions): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v, opts)}</member>`).join('');
  if (value instanceof Date) return isoTime(value, opts.millis);
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v, opts)}</${k}>`)
      .join('');
  }
  if (typeof value === 'number') return formatNumber(value);
  return escapeXml(String(value));
}

function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'NaN';
}

/** JSON 1.0 representation: timestamps are epoch seconds. */
export function toJsonValue(value: OutValue): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toJsonValue(v);
    }
    return out;
  }
  return value;
}

export function queryResponse(
  action: string,
  xmlns: string,
  result: OutObject | undefined,
  requestId: string,
  opts: XmlOptions,
): EmuResponse {
  const resultXml = result === undefined ? '' : `<${action}Result>${toXml(result, opts)}</${action}Result>`;
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${xmlns}">${resultXml}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function queryErrorResponse(err: AwsError, xmlns: string, requestId: string): EmuResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>${err.type}</Type><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
  return { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** AWS's RFC 3986 encoding of policy documents: everything but unreserved characters. */
export function rfc3986Encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Runs a query-protocol action table, formatting success and AwsError failures. */
export async function dispatchQuery(
  req: EmuRequest,
  xmlns: string,
  opts: XmlOptions,
  version: string,
  actions: Record<string, (tree: InputTree, req: EmuRequest) => OutObject | undefined | Promise<OutObject | undefined>>,
): Promise<EmuResponse> {
  const requestId = newRequestId();
  const params = formParams(req);
  const action = params.get('Action');
  try {
    if (action === null || action === '') {
      throw new AwsError('MissingAction', 400, 'Missing Action');
    }
    const handler = Object.prototype.hasOwnProperty.call(actions, action) ? actions[action] : undefined;
    if (handler === undefined) {
      throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version ${params.get('Version') ?? version}`);
    }
    const result = await handler(queryToTree(params), req);
    return queryResponse(action, xmlns, result, requestId, opts);
  } catch (e) {
    if (e instanceof AwsError) return queryErrorResponse(e, xmlns, requestId);
    throw e;
  }
}
