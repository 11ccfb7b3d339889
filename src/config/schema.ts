/**
 * JSON Schema validation of replication.yaml (schema/replication.schema.json)
 * with ajv, and the translation of ajv's errors into findings a person can act
 * on: a path to the offending node, a plain message, a hint.
 *
 * The validator is compiled when s3repl is built (scripts/compile-schema.ts,
 * ajv's standalone code), not in every process: compiling it at run time was
 * most of `s3repl validate`'s start-up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean, closest } from './suggest.js';
import { describePath, escapePointer as escape, type Finding } from './findings.js';
import { validate as generatedValidate } from './schema-validator.generated.js';

let schemaPath: string | undefined;
const validator = generatedValidate as unknown as ValidateFunction;

/**
 * The schema file, found by walking up from this module to the directory
 * holding package.json: works from src/ (tsx, vitest) and dist/src/ (built).
 */
export function schemaFile(): string {
  if (schemaPath) return schemaPath;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schema', 'replication.schema.json'))) {
      schemaPath = join(dir, 'schema', 'replication.schema.json');
      return schemaPath;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('s3repl: schema/replication.schema.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function loadSchema(): AnySchemaObject {
  return JSON.parse(readFileSync(schemaFile(), 'utf8')) as AnySchemaObject;
}

/** Validates a document's value; findings sorted later, by position. */
export function validateSchema(value: unknown): Finding[] {
  if (validator(value)) return [];
  return translate(validator.errors ?? [], value);
}

/** Errors inside these branches are summarised by the branch's own error. */
const NESTED = /\/(oneOf|anyOf|propertyNames)\//;

function translate(errors: ErrorObject[], value: unknown): Finding[] {
  const findings: Finding[] = [];
  // Keys offered as fixes for typos: a "missing bucket" next to an unknown
  // "buckte" is one mistake, reported once.
  const suggested = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    const s = closest(extra, Object.keys(propertiesOf(e.parentSchema)));
    if (s) suggested.add(`${e.instancePath}/${escape(s)}`);
  }
  for (const e of errors) {
    if (NESTED.test(e.schemaPath)) continue;
    if (e.keyword === 'if') continue;
    const path = pathOf(e.instancePath);
    const f = describe(e, path, value);
    if (!f) continue;
    if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      if (suggested.has(`${e.instancePath}/${escape(missing)}`)) continue;
    }
    findings.push(f);
  }
  return findings;
}

function describe(e: ErrorObject, path: Array<string | number>, root: unknown): Finding | undefined {
  const schema = e.parentSchema ?? {};
  const custom = typeof schema['x-message'] === 'string' ? (schema['x-message'] as string) : undefined;
  const base = { rule: 'schema', severity: 'error' as const, path };
  const data: unknown = e.data;
  const where = describePath(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(propertiesOf(schema));
      const suggestion = didYouMean(extra, allowed);
      return {
        ...base,
        path: [...path, extra],
        anchor: 'key',
        message: `unknown key "${extra}"${suggestion}`,
        hint: suggestion
          ? undefined
          : allowed.length > 0
            ? `allowed keys here: ${allowed.join(', ')}${path.length === 0 ? ' (and x-* extension keys)' : ''}`
            : undefined,
      };
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return {
        ...base,
        message: `missing required key "${missing}"${where ? ` in ${where}` : ''}`,
        hint: hintForRequired(path, missing),
      };
    }
    case 'type': {
      const expected = String((e.params as { type: string }).type);
      return { ...base, message: `must be ${typeName(expected)}, got ${shown(data)}`, hint: hintForType(expected, data, path) };
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const suggestion = typeof data === 'string' ? didYouMean(data, allowed) : '';
      return { ...base, message: `must be one of: ${allowed.join(', ')}; got ${shown(data)}${suggestion}` };
    }
    case 'const': {
      const allowed = (e.params as { allowedValue: unknown }).allowedValue;
      const hint = path.length === 1 && path[0] === 'version' ? 'this s3repl reads format version 1' : undefined;
      return { ...base, message: `must be ${JSON.stringify(allowed)}, got ${shown(data)}`, hint };
    }
    case 'pattern':
      return { ...base, message: `${custom ?? `must match ${String((e.params as { pattern: string }).pattern)}`}, got ${shown(data)}` };
    case 'minLength':
    case 'maxLength': {
      const limit = Number((e.params as { limit: number }).limit);
      if (e.keyword === 'minLength' && limit === 1) return { ...base, message: 'must not be empty' };
      return { ...base, message: `must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${limit} characters long, got ${String(data).length}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return { ...base, message: `must be ${p.comparison} ${p.limit}, got ${shown(data)}` };
    }
    case 'minItems':
    case 'maxItems': {
      const limit = Number((e.params as { limit: number }).limit);
      const n = Array.isArray(data) ? data.length : 0;
      return { ...base, message: `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}, got ${n}` };
    }
    case 'maxProperties': {
      const limit = Number((e.params as { limit: number }).limit);
      return { ...base, message: `must have at most ${limit} entries` };
    }
    case 'uniqueItems': {
      const p = e.params as { i: number; j: number };
      return { ...base, path: [...path, p.i], message: `duplicate entry (also at position ${p.j + 1})` };
    }
    case 'propertyNames': {
      const name = String((e.params as { propertyName: string }).propertyName);
      return { ...base, path: [...path, name], anchor: 'key', message: `invalid key "${name}": tag keys must be 1 to 128 characters long` };
    }
    case 'false schema': {
      const key = path[path.length - 1];
      const parent = path.slice(0, -1);
      return {
        ...base,
        anchor: 'key',
        message: `key "${String(key)}" is not allowed here`,
        hint: hintForForbidden(parent, String(key), root),
      };
    }
    case 'oneOf':
    case 'anyOf':
      return { ...base, message: custom ?? `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the allowed shapes` };
    default:
      return { ...base, message: e.message ?? 'is not valid' };
  }
}

function hintForRequired(path: Array<string | number>, missing: string): string | undefined {
  if (path.length === 0 && missing === 'version') return 'start the file with "version: 1"';
  if (path[0] === 'state') return 'the s3 backend needs bucket, key and region';
  return undefined;
}

function hintForType(expected: string, data: unknown, path: Array<string | number>): string | undefined {
  const last = path[path.length - 1];
  if (expected === 'string' && typeof data === 'number' && (last === 'account' || /^\d+$/.test(String(data)))) {
    return 'quote numbers meant as text, e.g. account: "012345678901" (leading zeros are lost otherwise)';
  }
  if (expected === 'boolean' && typeof data === 'string') return 'use true or false (YAML 1.2: yes/no/on/off are strings)';
  if (expected === 'object' && data === null) return 'give a mapping; use {} to take every default';
  return undefined;
}

function hintForForbidden(parent: Array<string | number>, key: string, root: unknown): string | undefined {
  if (parent[0] === 'state' && parent.length === 1) {
    const backend = (get(root, parent) as { backend?: unknown } | undefined)?.backend;
    return key === 'path'
      ? 'path is for backend: local; the s3 backend takes bucket, key and region'
      : `${key} is for backend: s3${backend === undefined ? ' (set backend: s3)' : ''}`;
  }
  if (parent[0] === 'roles') return `${key} applies to roles s3repl creates (name:), not to an existing role given by arn:`;
  return undefined;
}

function typeName(t: string): string {
  switch (t) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    default:
      return t;
  }
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function propertiesOf(schema: AnySchemaObject | undefined): Record<string, unknown> {
  const p = schema?.properties;
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}

function pathOf(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

function get(root: unknown, path: Array<string | number>): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}
