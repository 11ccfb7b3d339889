/**
 * Request conformance: checks the input of an SDK command against AWS's
 * published API model (the shapes vendored in ./models): required members
 * present, no member the model does not define, enum values, string/list/map
 * lengths, patterns, numeric ranges, exactly one member of a union. Plain
 * JavaScript so the CLI's child processes can load it without a compiler
 * (see register.mjs).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'models');
export const SERVICES = { S3Client: 's3', S3ControlClient: 's3-control', IAMClient: 'iam', CloudWatchClient: 'cloudwatch', STSClient: 'sts', KMSClient: 'kms', SQSClient: 'sqs' };
const cache = new Map();

export function model(service) {
  let m = cache.get(service);
  if (!m) {
    m = JSON.parse(readFileSync(join(DIR, `${service}.json`), 'utf8'));
    cache.set(service, m);
  }
  return m;
}

const PRIMITIVE = {
  'smithy.api#String': 'string', 'smithy.api#Integer': 'integer', 'smithy.api#Long': 'long', 'smithy.api#Boolean': 'boolean',
  'smithy.api#PrimitiveBoolean': 'boolean', 'smithy.api#PrimitiveInteger': 'integer', 'smithy.api#PrimitiveLong': 'long',
  'smithy.api#Timestamp': 'timestamp', 'smithy.api#Blob': 'blob', 'smithy.api#Double': 'double', 'smithy.api#Float': 'float',
  'smithy.api#Document': 'document', 'smithy.api#Unit': 'structure',
};

function describe(v) {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v) : JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

/** Violations of `input` for `operation` of `service` (s3, s3-control, iam, cloudwatch, sts); [] when it conforms. */
export function checkRequest(service, operation, input) {
  let m;
  try {
    m = model(service);
  } catch {
    return [`${service}: no vendored model (test/conformance/models/${service}.json)`];
  }
  const shapeId = m.operations[operation];
  if (!shapeId) return [`${service}:${operation} is not vendored: add it to OPERATIONS in test/conformance/vendor-models.mjs and re-run it`];
  const out = [];
  if (shapeId !== 'smithy.api#Unit') checkValue(m, shapeId, undefined, input ?? {}, operation, out);
  return out;
}

function lengthOf(v) {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v && typeof v === 'object') return Object.keys(v).length;
  return undefined;
}

const patterns = new Map();
/**
 * Smithy patterns are ECMA-262 regular expressions, not anchored. Some of AWS's
 * need the `u` flag (`\p{L}`), others use escapes the `u` flag rejects
 * (`\-`, `\_`): compile with `u` when it parses, without it otherwise.
 */
function patternOf(source) {
  let re = patterns.get(source);
  if (!re) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = new RegExp(source);
    }
    patterns.set(source, re);
  }
  return re;
}

function checkTraits(traits, value, path, out) {
  if (!traits) return;
  const len = traits['smithy.api#length'];
  if (len) {
    const n = lengthOf(value);
    if (n !== undefined && ((len.min !== undefined && n < len.min) || (len.max !== undefined && n > len.max))) {
      out.push(`${path}: length ${n} outside ${len.min ?? 0}..${len.max ?? '∞'} (${describe(value)})`);
    }
  }
  const pattern = traits['smithy.api#pattern'];
  if (pattern && typeof value === 'string' && !patternOf(pattern).test(value)) {
    out.push(`${path}: ${describe(value)} does not match the pattern ${pattern}`);
  }
  const range = traits['smithy.api#range'];
  if (range && typeof value === 'number') {
    if ((range.min !== undefined && value < Number(range.min)) || (range.max !== undefined && value > Number(range.max))) {
      out.push(`${path}: ${value} outside the range ${range.min ?? '-∞'}..${range.max ?? '∞'}`);
    }
  }
  const en = traits['smithy.api#enum'];
  if (en && typeof value === 'string' && !en.some((e) => e.value === value)) {
    out.push(`${path}: ${describe(value)} is not one of ${en.map((e) => e.value).join(', ')}`);
  }
}

/**
 * Traits of AWS's models that contradict AWS's own documentation, left
 * unchecked (docs/aws-behaviour.md says why):
 * - MultiRegionAccessPointId (the `Mrap` of the routes operations) is
 *   documented as "The Multi-Region Access Point ARN", whose format
 *   `arn:aws:s3::account-id:accesspoint/alias` has a `/` that the model's
 *   pattern `^[a-zA-Z0-9\:.-]{3,200}$` excludes. Its length is still checked.
 */
export const MODEL_ERRATA = { 'com.amazonaws.s3control#MultiRegionAccessPointId': ['smithy.api#pattern'] };

function withoutErrata(target, traits) {
  const skip = MODEL_ERRATA[target];
  if (!skip || !traits) return traits;
  return Object.fromEntries(Object.entries(traits).filter(([k]) => !skip.includes(k)));
}

function checkValue(m, target, memberTraits, value, path, out) {
  if (value === undefined || value === null) return;
  const prim = PRIMITIVE[target];
  const shape = prim ? { type: prim } : m.shapes[target];
  if (!shape) {
    out.push(`${path}: unknown shape ${target}`);
    return;
  }
  checkTraits(withoutErrata(target, shape.traits), value, path, out);
  checkTraits(memberTraits, value, path, out);
  const type = shape.type;
  const wrong = (what) => out.push(`${path}: expected ${what}, got ${describe(value)}`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') wrong('a string');
      return;
    case 'enum':
      if (typeof value !== 'string') wrong('a string');
      else if (!shape.values.includes(value)) out.push(`${path}: ${describe(value)} is not one of ${shape.values.join(', ')}`);
      return;
    case 'intEnum':
      if (!shape.values.includes(value)) out.push(`${path}: ${describe(value)} is not one of ${shape.values.join(', ')}`);
      return;
    case 'integer': case 'long': case 'short': case 'byte':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong('an integer');
      return;
    case 'double': case 'float': case 'bigDecimal': case 'bigInteger':
      if (typeof value !== 'number') wrong('a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong('a boolean');
      return;
    case 'timestamp':
      if (!(value instanceof Date) && typeof value !== 'number' && typeof value !== 'string') wrong('a timestamp');
      return;
    case 'blob': case 'document':
      return;
    case 'list': case 'set':
      if (!Array.isArray(value)) return wrong('a list');
      value.forEach((v, i) => checkValue(m, shape.member.target, shape.member.traits, v, `${path}[${i}]`, out));
      return;
    case 'map':
      if (typeof value !== 'object') return wrong('a map');
      for (const [k, v] of Object.entries(value)) {
        checkValue(m, shape.key.target, undefined, k, `${path} key ${describe(k)}`, out);
        checkValue(m, shape.value.target, undefined, v, `${path}.${k}`, out);
      }
      return;
    case 'structure': case 'union': {
      if (typeof value !== 'object' || Array.isArray(value)) return wrong('a structure');
      const members = shape.members ?? {};
      for (const [name, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (!(name in members)) out.push(`${path}.${name}: not a member of ${target}`);
      }
      const set = Object.keys(members).filter((n) => value[n] !== undefined && value[n] !== null);
      if (type === 'union' && set.length !== 1) out.push(`${path}: a union takes exactly one member, got ${set.length} (${set.join(', ') || 'none'})`);
      for (const [name, mem] of Object.entries(members)) {
        const v = value[name];
        const t = mem.traits ?? {};
        if ((v === undefined || v === null) && t['smithy.api#required'] && !('smithy.api#default' in t) && !t['smithy.api#idempotencyToken']) {
          out.push(`${path}.${name}: required`);
        }
        checkValue(m, mem.target, t, v, `${path}.${name}`, out);
      }
      return;
    }
    default:
      return;
  }
}
