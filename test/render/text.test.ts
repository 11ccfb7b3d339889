import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderDriftText, renderPlanText, renderResourceText, renderSummaryLine } from '../../src/render/text.js';
import { stripAnsi, visibleLength } from '../../src/render/values.js';
import { ALL_FIXTURES, adoptPlan, createAllPlan, deletePlan, driftPlan, hugePlan, iamBroadeningPlan, makePlan, noopPlan, replacePlan, updateRulePlan } from './fixtures.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 2 });
const ANSI = /\u001b\[/;

describe('renderPlanText', () => {
  it.each(Object.keys(ALL_FIXTURES).filter((n) => n !== 'huge'))('%s (snapshot, reviewed by eye)', async (name) => {
    const plan = (ALL_FIXTURES[name] as () => ReturnType<typeof createAllPlan>)();
    await expect(renderPlanText(plan, { color: plain })).toMatchFileSnapshot(`__snapshots__/${name}.txt`);
  });

  it('holds no ANSI escape at all when colour is off', () => {
    for (const make of Object.values(ALL_FIXTURES)) expect(renderPlanText(make(), { color: plain, showNoop: true })).not.toMatch(ANSI);
    expect(renderDriftText(driftPlan().drift, plain)).not.toMatch(ANSI);
  });

  it('colours symbols when colour is on, and says the same thing once codes are stripped', () => {
    const plan = iamBroadeningPlan();
    const coloured = renderPlanText(plan, { color: colour });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain(colour.green('+'));
    expect(coloured).toContain(colour.yellow('~'));
    expect(coloured).toContain(colour.bold.red('⚠ IAM permissions will be broadened.'));
    expect(stripAnsi(coloured)).toBe(renderPlanText(plan, { color: plain }));
    const replaced = renderPlanText(replacePlan(), { color: colour });
    expect(replaced).toContain(`${colour.red('-')}/${colour.green('+')}`);
    expect(stripAnsi(replaced)).toBe(renderPlanText(replacePlan(), { color: plain }));
  });

  it('ends with the summary counts', () => {
    expect(renderPlanText(createAllPlan(), { color: plain }).trimEnd().split('\n').pop()).toBe('Plan: 18 to add, 0 to change, 0 to destroy, 1 to adopt.');
    expect(renderPlanText(updateRulePlan(), { color: plain })).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy\.\n$/);
    expect(renderPlanText(deletePlan(), { color: plain })).toMatch(/Plan: 0 to add, 2 to change, 3 to destroy, 4 to forget\.\n$/);
    expect(renderPlanText(replacePlan(), { color: plain })).toMatch(/Plan: 4 to add, 2 to change, 4 to destroy\.\n$/);
    expect(renderPlanText(iamBroadeningPlan(), { color: plain })).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy\.\n$/);
    expect(renderPlanText(noopPlan(), { color: plain })).toMatch(/^Notices:\n  ⚠ warning: replication\.acme-logs: rule audit [^]*\n\nNo changes\. Live infrastructure matches the configuration\.\n$/);
    expect(renderPlanText(adoptPlan(), { color: plain })).toMatch(/Plan: 0 to add, 0 to change, 0 to destroy, 4 to adopt\.\n$/);
    expect(renderPlanText(hugePlan(), { color: plain })).toMatch(/Plan: 2000 to add, 0 to change, 0 to destroy\.\n$/);
  });

  it('renderSummaryLine adds forget only when there is some', () => {
    expect(renderSummaryLine(updateRulePlan())).toBe('Plan: 0 to add, 2 to change, 0 to destroy.');
    expect(renderSummaryLine(deletePlan())).toBe('Plan: 0 to add, 2 to change, 3 to destroy, 4 to forget.');
    expect(renderSummaryLine(noopPlan())).toBe('No changes. Live infrastructure matches the configuration.');
  });

  it('says every action in words, with its symbol', () => {
    const text = renderPlanText(deletePlan(), { color: plain }) + renderPlanText(replacePlan(), { color: plain }) + renderPlanText(createAllPlan(), { color: plain });
    expect(text).toContain('  # replication.acme-events will be destroyed\n  - replication.acme-events {');
    expect(text).toContain('  # job.acme-logs will be destroyed\n  - job.acme-logs {');
    expect(text).toContain('  # bucket.acme-events will be forgotten (left in AWS, no longer managed)\n');
    expect(text).toContain('  ! bucket.acme-events\n');
    expect(text).toContain('  # role.replication must be replaced\n');
    expect(text).toContain('-/+ role.replication {');
    expect(text).toContain('  # replication.acme-logs will be updated in-place\n  ~ replication.acme-logs {');
    expect(text).toContain('  # bucket.acme-logs-dr will be created\n  + bucket.acme-logs-dr {');
  });

  it('shows only changed attributes of an update, as path: old → new', () => {
    const text = renderPlanText(updateRulePlan(), { color: plain });
    expect(text).toContain('      ~ rules.to-dr.destination.storageClass: "STANDARD_IA" → "GLACIER_IR"\n');
    expect(text).toContain('      ~ threshold: 900 → 600\n');
    expect(text).not.toContain('rules.audit');
    expect(text).not.toContain('bucket.acme-logs-dr');
  });

  it('lists unchanged resources only when asked', () => {
    expect(renderPlanText(updateRulePlan(), { color: plain, showNoop: true })).toContain('Unchanged resources (17):\n    bucket.acme-events\n');
    expect(renderPlanText(updateRulePlan(), { color: plain })).not.toContain('Unchanged resources');
    expect(renderPlanText(noopPlan(), { color: plain, showNoop: true })).toContain('Unchanged resources (19):');
  });

  it('pretty-prints policy documents held in strings', () => {
    // No kind holds a JSON document in a string today (policies are objects); the renderer still reads one well.
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const plan = makePlan({
      changes: [{ address: 'role-policy.x', kind: 'role-policy', action: 'create', id: {}, before: null, after: { document }, changes: [], reasons: [], dependsOn: [] }],
    });
    const text = renderPlanText(plan, { color: plain });
    expect(text).toContain('      + document = <<JSON\n            {\n              "Version": "2012-10-17",\n');
  });

  it('shows reasons and notices beside their resource, and the rest at the end', () => {
    const text = renderPlanText(createAllPlan(), { color: plain });
    expect(text).toContain('  # versioning.acme-events-archive will be adopted (s3repl manages it from now on)\n  # (it exists in AWS, is not in the state and carries no s3repl ownership marks for this state)\n');
    expect(text).toMatch(/\n {4}\}\n {4}⚠ warning: rule audit replicates to acme-ledger-audit in account 444455556666/);
    expect(text).toContain('                  "Sid": "S3replReplicateObjectsb361abbe821b",');
    expect(text).not.toContain('Notices:');
    // A notice about no resource in the plan goes at the end.
    const loose = makePlan({ changes: [], notices: [{ level: 'warning', message: 'role arn:aws:iam::222222222222:role/x is in account 222222222222' }] });
    expect(renderPlanText(loose, { color: plain })).toContain('Notices:\n  ⚠ warning: role arn:aws:iam::222222222222:role/x is in account 222222222222');
  });

  it('puts changes outside s3repl first', () => {
    const text = renderPlanText(driftPlan(), { color: plain });
    expect(text.startsWith('Changes outside s3repl\n')).toBe(true);
    expect(text.indexOf('Changes outside s3repl')).toBeLessThan(text.indexOf('s3repl will perform the following actions:'));
    expect(text).toContain('  ~ versioning.acme-logs-dr {\n      ~ status: "Enabled" → "Suspended"\n    }');
    expect(text).toContain('  # alarm.acme-logs.to-dr.failed-operations was deleted outside s3repl\n  - alarm.acme-logs.to-dr.failed-operations\n');
  });

  it('makes an IAM broadening loud, and shows the statements in a table', () => {
    const text = renderPlanText(iamBroadeningPlan(), { color: plain });
    expect(text).toContain('⚠ IAM permissions will be broadened.');
    expect(text).toMatch(/│ ± │ role +│ policy +│ effect │ actions +│ resources +│ principals +│ conditions +│/);
    expect(text).toMatch(/│ \+ │ role\.replication +│ permissions │ Allow  │ kms:Decrypt +│ \* +│ +│ kms: /);
    expect(renderPlanText(updateRulePlan(), { color: plain })).not.toContain('broadened');
  });

  it('lists IAM statements one block each on an 80-column terminal, never splitting an action name', () => {
    const text = renderPlanText(createAllPlan(), { color: plain, width: 80 });
    const section = text.slice(text.indexOf('IAM statement changes'), text.indexOf('Estimated cost'));
    for (const line of section.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(section).not.toMatch(/^[┌│├└]/m);
    expect(section).toContain('+ role.replication (s3repl-replication)  trust  Allow');
    // Every action appears whole on a line of its own.
    const actions = createAllPlan().iam.statements.flatMap((s) => s.actions);
    expect(actions).toContain('s3:ObjectOwnerOverrideToBucketOwner');
    for (const a of actions) expect(section).toMatch(new RegExp(`^ +(actions +)?${a.replace(/[.*]/g, '\\$&')}$`, 'm'));
  });

  it('fits the IAM table to the width and never cuts an address', () => {
    for (const width of [100, 120, 200]) {
      const text = renderPlanText(iamBroadeningPlan(), { color: plain, width });
      const table = text.split('\n').filter((l) => /^[┌│├└]/.test(l));
      expect(table.length).toBeGreaterThan(0);
      for (const line of table) expect(visibleLength(line)).toBe(visibleLength(table[0] ?? ''));
      expect(visibleLength(table[0] ?? '')).toBeLessThanOrEqual(width);
      expect(text).toContain('│ role.replication ');
    }
    const long = 'role.' + 'a-very-long-role-key-that-someone-chose'.repeat(3);
    const plan = iamBroadeningPlan();
    plan.iam.statements = plan.iam.statements.map((s) => ({ ...s, address: long }));
    expect(renderPlanText(plan, { color: plain, width: 400 })).toContain(`│ ${long} │`);
    expect(renderPlanText(plan, { color: plain, width: 60 })).toContain(`+ ${long} (s3repl-replication)`);
  });

  it('wraps a change that does not fit on one line instead of making it longer', () => {
    const long = 'arn:aws:kms:us-west-2:444455556666:key/' + 'f'.repeat(36);
    const plan = makePlan({
      changes: [
        {
          address: 'replication.acme-logs',
          kind: 'replication',
          action: 'update',
          id: { bucket: 'acme-logs' },
          before: {},
          after: {},
          changes: [{ path: 'rules[1].destination.encryptionConfiguration.replicaKmsKeyId', kind: 'changed', before: long, after: long.replace('us-west-2', 'eu-west-1') }],
          reasons: [],
          dependsOn: [],
        },
      ],
    });
    const text = renderResourceText(plan.changes[0]!, plain, 100);
    expect(text).toContain(`      ~ rules[1].destination.encryptionConfiguration.replicaKmsKeyId:\n          - "${long}"\n          + "${long.replace('us-west-2', 'eu-west-1')}"`);
  });
});

describe('renderDriftText', () => {
  it('is empty without drift', () => {
    expect(renderDriftText([], plain)).toBe('');
  });

  it('shows expected → actual per attribute', () => {
    const text = renderDriftText(driftPlan().drift, plain);
    expect(text).toContain('s3repl found 4 changes made outside s3repl since the last apply (expected → actual):');
    expect(text).toContain('  # role-policy.replication was changed outside s3repl\n  ~ role-policy.replication {\n      ~ document.Statement:\n');
    expect(text).toMatch(/\+ +"s3:\*"/);
    expect(text).toContain('      ~ threshold: 900 → 3600\n');
  });
});
