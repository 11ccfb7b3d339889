/**
 * The drift report built from hand-made plans and states: why each pending
 * change is pending (config, drift, both), IAM statements changed by hand,
 * the no-state case, and the three renderers (the JSON validates against
 * schema/drift.schema.json, keys in the documented order).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { makeDriftReport } from '../../src/engine/drift.js';
import type { DriftItem, Plan, ResourceChange } from '../../src/engine/types.js';
import { kindOf } from '../../src/resources/index.js';
import type { Attrs, KindName } from '../../src/resources/types.js';
import type { StateDocument, StateResource } from '../../src/state/types.js';
import { renderDriftReportJson, renderDriftReportMarkdown, renderDriftReportText } from '../../src/render/drift.js';
import { makePlan } from '../render/fixtures.js';

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/drift.schema.json', import.meta.url), 'utf8')) as object);

const ROLE_ARN = 'arn:aws:iam::111122223333:role/s3repl';
const policy = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: ['arn:aws:s3:::src/*'] }],
});
const alarm = (threshold: number): Attrs => kindOf('alarm').normalize({ name: 'lat', threshold, namespace: 'AWS/S3' });
const rolePolicy = (actions: string[]): Attrs => kindOf('role-policy').normalize({ document: policy(actions) });

function change(kind: KindName, name: string, action: ResourceChange['action'], before: Attrs | null, after: Attrs | null, changes: ResourceChange['changes'] = []): ResourceChange {
  return { address: `${kind}.${name}`, kind, action, id: { name }, before, after, changes, reasons: [], dependsOn: [] };
}

function stateOf(resources: Array<[KindName, string, Attrs]>): StateDocument {
  const out: Record<string, StateResource> = {};
  for (const [kind, name, attributes] of resources) {
    out[`${kind}.${name}`] = { address: `${kind}.${name}`, kind, id: { name }, attributes, appliedAt: '2025-03-14T09:00:00.000Z' };
  }
  return { formatVersion: 1, lineage: '0b6f3e4a-9d2c-4f57-8a1b-2e3c4d5f6a7b', serial: 7, s3replVersion: '0.1.0', resources: out };
}

/** Three alarms: `a` changed by hand, `b` changed by hand and in the configuration, `c` only in the configuration; `d` as applied; `e` new. */
function mixed(): { plan: Plan; state: StateDocument } {
  const state = stateOf([
    ['alarm', 'a', alarm(900)],
    ['alarm', 'b', alarm(900)],
    ['alarm', 'c', alarm(900)],
    ['alarm', 'd', alarm(900)],
    ['role-policy', 'replication', rolePolicy(['s3:GetObjectVersionForReplication'])],
  ]);
  const th = (before: number, after: number) => [{ path: 'threshold', kind: 'changed' as const, before, after }];
  const drift: DriftItem[] = [
    { address: 'alarm.a', kind: 'alarm', status: 'changed', changes: th(900, 1800) },
    { address: 'alarm.b', kind: 'alarm', status: 'changed', changes: th(900, 1800) },
    { address: 'role-policy.replication', kind: 'role-policy', status: 'vanished', changes: [] },
  ];
  const plan = makePlan({
    changes: [
      change('role-policy', 'replication', 'create', null, rolePolicy(['s3:GetObjectVersionForReplication'])),
      change('alarm', 'a', 'update', alarm(1800), alarm(900), th(1800, 900)),
      change('alarm', 'b', 'update', alarm(1800), alarm(600), th(1800, 600)),
      change('alarm', 'c', 'update', alarm(900), alarm(600), th(900, 600)),
      change('alarm', 'd', 'no-op', alarm(900), alarm(900)),
      change('alarm', 'e', 'create', null, alarm(60)),
    ],
    drift,
  });
  return { plan, state };
}

describe('makeDriftReport', () => {
  it('tells apart undoing a change made by hand, a configuration change, and both', () => {
    const { plan, state } = mixed();
    const r = makeDriftReport(plan, state);
    expect(r.pending.map((p) => [p.address, p.action, p.cause])).toEqual([
      ['role-policy.replication', 'create', 'drift'],
      ['alarm.a', 'update', 'drift'],
      ['alarm.b', 'update', 'both'],
      ['alarm.c', 'update', 'config'],
      ['alarm.e', 'create', 'config'],
    ]);
    expect(r.summary).toEqual({ drifted: 2, vanished: 1, pending: 5, managed: 5 });
    expect(r.hasDrift).toBe(true);
    expect(r.state).toEqual({ lineage: state.lineage, serial: 7 });
    expect(r.drift).toBe(plan.drift);
  });

  it('lists IAM statements changed by hand: a deleted inline policy removes grants, which is not a broadening', () => {
    const { plan, state } = mixed();
    const r = makeDriftReport(plan, state);
    expect(r.iam.broadened).toBe(false);
    expect(r.iam.statements).toEqual([
      expect.objectContaining({ change: 'removed', address: 'role.replication', policy: 'permissions', actions: ['s3:GetObjectVersionForReplication'] }),
    ]);
  });

  it('flags an action added by hand as a broadening', () => {
    const applied = rolePolicy(['s3:GetObjectVersionForReplication']);
    const live = rolePolicy(['s3:GetObjectVersionForReplication', 's3:*']);
    const state = stateOf([['role-policy', 'replication', applied]]);
    const plan = makePlan({
      changes: [change('role-policy', 'replication', 'update', live, applied, [{ path: 'document.Statement', kind: 'changed', before: live.document, after: applied.document }])],
      drift: [{ address: 'role-policy.replication', kind: 'role-policy', status: 'changed', changes: [{ path: 'document.Statement', kind: 'changed', before: applied.document, after: live.document }] }],
    });
    const r = makeDriftReport(plan, state);
    expect(r.iam.broadened).toBe(true);
    expect(r.iam.statements.map((s) => [s.change, s.actions])).toEqual([['added', ['s3:*']]]);
    expect(r.pending[0]?.cause).toBe('drift');
  });

  it('keeps attributes AWS assigned (a job id, in state only) out of the comparison with the configuration', () => {
    const desired: Attrs = { token: 't', source: 'src', ruleId: 'r' };
    const state = stateOf([['job', 'src.r', { ...desired, jobId: 'j-1' }]]);
    const plan = makePlan({
      changes: [change('job', 'src.r', 'create', null, desired)],
      drift: [{ address: 'job.src.r', kind: 'job', status: 'vanished', changes: [] }],
    });
    expect(makeDriftReport(plan, state).pending[0]?.cause).toBe('drift');
  });

  it('without state: lineage null, serial 0, nothing managed, every change from the configuration', () => {
    const plan = makePlan({ changes: [change('alarm', 'e', 'create', null, alarm(60)), change('alarm', 'd', 'no-op', alarm(1), alarm(1))] });
    const r = makeDriftReport(plan, null);
    expect(r.state).toEqual({ lineage: null, serial: 0 });
    expect(r.summary).toEqual({ drifted: 0, vanished: 0, pending: 1, managed: 0 });
    expect(r.pending.map((p) => p.cause)).toEqual(['config']);
    expect(r.hasDrift).toBe(true);
    expect(makeDriftReport(makePlan({ changes: [change('alarm', 'd', 'no-op', alarm(1), alarm(1))] }), null).hasDrift).toBe(false);
  });
});

describe('drift report renderers', () => {
  const { plan, state } = mixed();
  const report = makeDriftReport(plan, state);

  it('JSON: validates, keys in the documented order, deterministic', () => {
    const json = renderDriftReportJson(report);
    expect(json.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(json) as Record<string, unknown>;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(doc)).toEqual(['formatVersion', 'kind', 's3replVersion', 'generatedAt', 'config', 'account', 'state', 'drift', 'pending', 'iam', 'summary', 'hasDrift']);
    expect(Object.keys((doc.pending as object[])[0]!)).toEqual(['address', 'kind', 'action', 'cause', 'reasons', 'changes']);
    expect(renderDriftReportJson(structuredClone(report))).toBe(json);
    // The documented example is a valid report too.
    const docs = readFileSync(new URL('../../docs/drift-format.md', import.meta.url), 'utf8');
    const example = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    expect(validate(JSON.parse(example!.replace('9f2c…e0f1', 'a'.repeat(64)))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('JSON: a schema-invalid report is rejected (the schema is not vacuous)', () => {
    const doc = JSON.parse(renderDriftReportJson(report)) as { pending: Array<{ cause: string }>; hasDrift?: boolean };
    doc.pending[0]!.cause = 'unknown';
    expect(validate(doc)).toBe(false);
    delete doc.hasDrift;
    expect(validate(doc)).toBe(false);
  });

  it('text: header, both sections, the IAM table, why each change is pending, the verdict; no ANSI without colour', () => {
    const text = renderDriftReportText(report, { color: new Chalk({ level: 0 }), width: 100 });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toContain('  state    serial 7, lineage 0b6f3e4a-9d2c-4f57-8a1b-2e3c4d5f6a7b (5 resources managed)');
    expect(text).toContain('# alarm.a was changed outside s3repl');
    expect(text).toContain('threshold: 900 → 1800');
    expect(text).toContain('# role-policy.replication was deleted outside s3repl');
    expect(text).toContain('IAM statements changed outside s3repl (0 statements added, 1 removed):');
    expect(text).not.toContain('broadened');
    expect(text).toMatch(/^ {4}~ alarm\.c +update\n {8}changes: threshold\n {8}\(the configuration changed since the last apply\)$/m);
    expect(text).toMatch(/^ {4}\+ role-policy\.replication +create\n {8}\(recreates what was deleted outside s3repl\)$/m);
    expect(text).toContain('(the configuration changed, and the resource was also changed outside s3repl)');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'Drift found: 2 resources changed outside s3repl, 1 resource deleted outside s3repl, 5 pending changes. Review with `s3repl plan`; `s3repl apply` makes AWS match the configuration again.',
    );
  });

  it('Markdown: title, counts, pending table and verdict with code spans', () => {
    const md = renderDriftReportMarkdown(report);
    expect(md).toMatch(/^## s3repl drift: ⚠️ drift found\n/);
    expect(md).toContain('| ✏️ changed outside s3repl | 2 |');
    expect(md).toContain('| 🔄 update | `alarm.b` | `threshold` | the configuration changed, and the resource was also changed outside s3repl |');
    expect(md.trimEnd().split('\n').at(-1)).toMatch(/^\*\*Drift found: .* Review with `s3repl plan`; `s3repl apply` makes/);
  });
});
