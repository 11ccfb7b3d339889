import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { schemaFile } from '../../src/config/schema.js';
import { BASE, brief, load } from './helpers.js';

function messages(text: string): string[] {
  return load(text).diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
}

describe('the schema file', () => {
  it('is found relative to the package and is a valid draft-07 schema', () => {
    const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('documents every property with a description or title', () => {
    const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as unknown;
    const undocumented: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const props = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
      for (const [key, sub] of Object.entries(props ?? {})) {
        if (typeof sub === 'object' && !sub.description && !sub.title) undocumented.push(`${where}.${key}`);
      }
      // if/then/else only restate properties documented beside them.
      for (const [k, v] of Object.entries(node)) if (!['if', 'then', 'else'].includes(k)) walk(v, `${where}.${k}`);
    };
    walk(schema, '$');
    expect(undocumented).toEqual([]);
  });
});

describe('schema errors, located', () => {
  it('an unknown key, at the key, with a suggestion', () => {
    const text = BASE.replace('        destination:\n', '        destinaton:\n');
    expect(messages(text)).toEqual(['14:9 unknown key "destinaton" (did you mean "destination"?)']);
  });

  it('an unknown key without a close match lists the allowed keys', () => {
    const r = load(BASE.replace('  src-bucket: {}', '  src-bucket: { colour: blue }'));
    expect(brief(r)).toEqual(['5:17 error[schema]']);
    expect(r.diagnostics[0]!.message).toBe('unknown key "colour"');
    expect(r.diagnostics[0]!.hint).toBe('allowed keys here: region, account, create, objectLock, usage, bucketKey, kmsKey');
    expect(r.diagnostics[0]!.pointer).toBe('/buckets/src-bucket/colour');
  });

  it('an unknown top-level key; x-* keys are allowed', () => {
    expect(messages(`${BASE}replicaton: []\n`)).toEqual(['16:1 unknown key "replicaton" (did you mean "replications"?)']);
    expect(load(`${BASE}x-notes: { anything: [1, 2] }\n`).diagnostics).toEqual([]);
  });

  it('a wrong type, at the value', () => {
    const r = load(BASE.replace('  src-bucket: {}', '  src-bucket: { create: "yes" }'));
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} | ${d.hint}`)).toEqual([
      '5:25 must be true or false, got "yes" | use true or false (YAML 1.2: yes/no/on/off are strings)',
    ]);
  });

  it('an unquoted account id', () => {
    const r = load(BASE.replace('  src-bucket: {}', '  src-bucket: { account: 012345678901 }'));
    expect(brief(r)).toEqual(['5:26 error[schema]']);
    expect(r.diagnostics[0]!.hint).toContain('quote');
  });

  it('an enum, with the allowed values and a suggestion', () => {
    const text = BASE.replace('      - id: one\n', '      - id: one\n        status: Enabled\n');
    expect(messages(text)).toEqual(['14:17 must be one of: enabled, disabled; got "Enabled" (did you mean "enabled"?)']);
  });

  it('a storage class that replication does not accept', () => {
    const text = BASE.replace('          bucket: dst-bucket\n', '          bucket: dst-bucket\n          storageClass: EXPRESS_ONEZONE\n');
    expect(brief(load(text))).toEqual(['16:25 error[schema]']);
    expect(load(text).diagnostics[0]!.message).toMatch(/^must be one of: STANDARD, REDUCED_REDUNDANCY, .*GLACIER_IR; got "EXPRESS_ONEZONE"$/);
  });

  it('a missing required key, at the parent mapping', () => {
    const text = BASE.replace('          bucket: dst-bucket\n', '          storageClass: STANDARD\n');
    expect(messages(text)).toEqual(['14:9 missing required key "bucket" in replications[0].rules[0].destination']);
  });

  it('a missing version, at the top', () => {
    const r = load(BASE.replace('version: 1\n', ''));
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} | ${d.hint}`)).toEqual([
      '1:1 missing required key "version" | start the file with "version: 1"',
    ]);
  });

  it('a wrong version', () => {
    expect(messages(BASE.replace('version: 1', 'version: 2'))).toEqual(['1:10 must be 1, got 2']);
  });

  it('patterns explain themselves', () => {
    expect(messages(BASE.replace('region: us-east-1', 'region: US East'))).toEqual([
      '3:11 must be an AWS region code such as us-east-1, got "US East"',
    ]);
  });

  it('a role needs exactly one of name and arn', () => {
    expect(messages(BASE.replace('r: { name: repl }', 'r: {}'))).toEqual([
      '8:3 a role needs exactly one of "name" (s3repl creates it) or "arn" (an existing role)',
    ]);
    expect(messages(BASE.replace('r: { name: repl }', 'r: { name: repl, arn: "arn:aws:iam::111122223333:role/x" }'))).toEqual([
      '8:3 a role needs exactly one of "name" (s3repl creates it) or "arn" (an existing role)',
    ]);
  });

  it('managed-role settings are refused on an existing role', () => {
    const r = load(BASE.replace('r: { name: repl }', 'r: { arn: "arn:aws:iam::111122223333:role/x", path: /a/ }'));
    expect(brief(r)).toEqual(['8:49 error[schema]']);
    expect(r.diagnostics[0]!.message).toBe('key "path" is not allowed here');
  });

  it('the s3 state backend needs bucket, key and region; the local one refuses them', () => {
    const s3 = load(BASE.replace('version: 1\n', 'version: 1\nstate:\n  backend: s3\n  bucket: state-bucket\n'));
    expect(s3.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '2:1 missing required key "key" in state',
      '2:1 missing required key "region" in state',
    ]);
    const local = load(BASE.replace('version: 1\n', 'version: 1\nstate:\n  path: s.json\n  bucket: state-bucket\n'));
    expect(local.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} | ${d.hint}`)).toEqual([
      '4:3 key "bucket" is not allowed here | bucket is for backend: s3 (set backend: s3)',
    ]);
  });

  it('alarms need at least one threshold', () => {
    const text = BASE.replace('      - id: one\n', '      - id: one\n        metrics: true\n        alarms: { notify: [] }\n');
    expect(messages(text)).toEqual([
      '15:9 give at least one threshold: latencySeconds, failedOperations, pendingBytes or pendingOperations',
    ]);
  });

  it('jobs.reportPrefix must be 1 to 512 characters (CreateJob rejects an empty Report.Prefix)', () => {
    expect(messages(BASE.replace('version: 1\n', 'version: 1\njobs: { reportPrefix: "" }\n'))).toEqual(['2:23 must not be empty']);
    expect(messages(BASE.replace('version: 1\n', `version: 1\njobs: { reportPrefix: "${'p'.repeat(513)}" }\n`))).toHaveLength(1);
    expect(messages(BASE.replace('version: 1\n', `version: 1\njobs: { reportPrefix: "${'p'.repeat(512)}" }\n`))).toEqual([]);
  });

  it('reports every error at once, sorted by position', () => {
    const text = `version: 1
defaults: { region: us-east-1, colour: red }
buckets:
  a: { create: 1 }
replications:
  - source: a
    role: r
    rules:
      - id: ""
        priority: -1
        destination: { bucket: b, ownerOverride: "no" }
`;
    expect(messages(text)).toEqual([
      '2:32 unknown key "colour"',
      '4:16 must be true or false, got 1',
      '9:13 must not be empty',
      '10:19 must be >= 0, got -1',
      '11:50 must be true or false, got "no"',
    ]);
  });

  it('reports schema errors alone: the AWS-rule checks need a schema-valid document', () => {
    const text = BASE.replace('bucket: dst-bucket', 'bucket: src-bucket').replace('  src-bucket: {}', '  src-bucket: { create: 1 }');
    expect(load(text).diagnostics.map((d) => d.rule)).toEqual(['schema']);
  });
});
