import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderPlanJson } from '../../src/render/json.js';
import { ALL_FIXTURES, updateRulePlan } from './fixtures.js';

const schemaUrl = new URL('../../schema/plan.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;
const docs = readFileSync(new URL('../../docs/plan-format.md', import.meta.url), 'utf8');

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;

function validator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validate = validator();

function parsed(name: string): Record<string, unknown> {
  const make = ALL_FIXTURES[name];
  if (!make) throw new Error(name);
  return JSON.parse(renderPlanJson(make())) as Record<string, unknown>;
}

describe('renderPlanJson', () => {
  it.each(Object.keys(ALL_FIXTURES))('%s validates against schema/plan.schema.json', (name) => {
    const ok = validate(parsed(name));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('is 2-space indented with a final newline, and round-trips to the same plan', () => {
    const plan = updateRulePlan();
    const json = renderPlanJson(plan);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json.split('\n')[1]).toBe('  "formatVersion": 1,');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it('has a stable key order whatever order the plan was built in', () => {
    const plan = updateRulePlan();
    const shuffled = JSON.parse(JSON.stringify(plan, Object.keys(plan).reverse().concat(...collectKeys(plan)).reverse())) as typeof plan;
    expect(renderPlanJson(shuffled)).toBe(renderPlanJson(plan));
    expect(Object.keys(JSON.parse(renderPlanJson(plan)) as object)).toEqual([
      'formatVersion', 's3replVersion', 'createdAt', 'mode', 'config', 'account', 'state', 'liveFingerprint', 'summary', 'changes', 'drift', 'iam', 'notices', 'cost',
    ]);
    const change = (JSON.parse(renderPlanJson(plan)) as { changes: Array<Record<string, unknown>> }).changes[0] ?? {};
    expect(Object.keys(change)).toEqual(['address', 'kind', 'action', 'id', 'reasons', 'dependsOn', 'changes', 'before', 'after']);
  });

  it('keeps fields it does not know yet (after the known ones)', () => {
    const plan = { ...updateRulePlan(), zzFuture: true, aaFuture: 1 };
    const keys = Object.keys(JSON.parse(renderPlanJson(plan)) as object);
    expect(keys.slice(-2)).toEqual(['aaFuture', 'zzFuture']);
  });

  it('shows an IAM broadening', () => {
    const plan = parsed('iamBroadening') as { iam: { broadened: boolean; statements: unknown[] } };
    expect(plan.iam.broadened).toBe(true);
    expect(plan.iam.statements).toHaveLength(2);
  });

  describe('the schema catches a broken plan', () => {
    const breakers: Record<string, (p: Record<string, any>) => void> = {
      'formatVersion 2': (p) => (p.formatVersion = 2),
      'a missing summary field': (p) => delete p.summary.forget,
      'a renamed top-level field': (p) => ((p.resourceChanges = p.changes), delete p.changes),
      'an unknown action': (p) => (p.changes[0].action = 'upsert'),
      'an unknown kind': (p) => (p.changes[0].kind = 'lambda'),
      'a non-object before': (p) => (p.changes[0].before = 'x'),
      'a changed attribute without after': (p) => delete p.changes.find((c: { changes: unknown[] }) => c.changes.length > 0).changes[0].after,
      'a negative serial': (p) => (p.state.serial = -1),
      'a bad account id': (p) => (p.account = 'acme'),
      'broadened as a string': (p) => (p.iam.broadened = 'yes'),
      'a bad createdAt': (p) => (p.createdAt = 'yesterday'),
      'a notice without message': (p) => (p.notices = [{ level: 'warning' }]),
      'an IAM statement with a bad effect': (p) => (p.iam.statements = [{ ...p.iam.statements[0], effect: 'Maybe' }]),
    };
    it.each(Object.keys(breakers))('%s', (name) => {
      const plan = parsed(name === 'an IAM statement with a bad effect' ? 'iamBroadening' : 'updateRule');
      breakers[name]?.(plan);
      expect(validate(plan)).toBe(false);
    });
  });

  it('documents every field the schema declares', () => {
    // As `key`, or within a dotted path such as `config.path` or `iam.statements[]`.
    for (const key of schemaKeys(schema)) {
      expect(docs, `docs/plan-format.md should mention ${key}`).toMatch(new RegExp(`\`([\\w\\[\\]]+\\.)*${key}[\`.\\[]`));
    }
  });

  it('emits no field the schema does not declare', () => {
    const declared = new Set(schemaKeys(schema));
    for (const name of Object.keys(ALL_FIXTURES)) {
      for (const key of structuralKeys(parsed(name))) expect(declared, `${name}: ${key}`).toContain(key);
    }
  });

  it("the documentation's example validates", () => {
    const example = /```json\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    expect(validate(JSON.parse(example ?? ''))).toBe(true);
  });
});

function collectKeys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => collectKeys(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.add(k), collectKeys(x, out));
  return out;
}

/** Every property name the schema declares, anywhere. */
function schemaKeys(s: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(s)) s.forEach((x) => schemaKeys(x, out));
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties' && v && typeof v === 'object') Object.keys(v).forEach((p) => out.add(p));
      schemaKeys(v, out);
    }
  }
  return [...out];
}

/** Keys of the plan's structure, leaving out the free-form values (attributes, ids, conditions). */
function structuralKeys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => structuralKeys(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      if (!['before', 'after', 'id', 'priorId', 'conditions'].includes(k)) structuralKeys(x, out);
    }
  }
  return out;
}
