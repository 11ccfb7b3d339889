import { describe, expect, it } from 'vitest';
import { detailsBlock, hasDetails, renderDriftMarkdown, renderPlanMarkdown } from '../../src/render/markdown.js';
import { ALL_FIXTURES, createAllPlan, driftPlan, hugePlan, iamBroadeningPlan, makePlan, noopPlan, replacePlan, updateRulePlan } from './fixtures.js';

/** Checks the Markdown structure: every fence closed, every <details> closed, every table row whole. */
function expectWellFormed(md: string): void {
  const lines = md.split('\n');
  let fence: string | null = null;
  let details = 0;
  let tableColumns = 0;
  for (const line of lines) {
    const t = line.trim();
    const marker = /^(`{3,})/.exec(t)?.[1];
    if (fence === null && marker) {
      fence = marker;
      continue;
    }
    if (fence !== null) {
      if (t === fence) fence = null;
      continue;
    }
    details += (line.match(/<details>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    if (line.startsWith('|')) {
      const cells = line.replace(/\\\|/g, '').split('|').length - 2;
      expect(line.endsWith('|'), line).toBe(true);
      if (tableColumns === 0) tableColumns = cells;
      else expect(cells, line).toBe(tableColumns);
    } else {
      tableColumns = 0;
    }
  }
  expect(fence, 'unclosed fence').toBeNull();
  expect(details, 'unbalanced <details>').toBe(0);
}

describe('renderPlanMarkdown', () => {
  it.each(Object.keys(ALL_FIXTURES).filter((n) => n !== 'huge'))('%s (snapshot, reviewed by eye)', async (name) => {
    const md = renderPlanMarkdown((ALL_FIXTURES[name] as () => ReturnType<typeof createAllPlan>)());
    expectWellFormed(md);
    expect(md).not.toContain('too long for one comment');
    await expect(md).toMatchFileSnapshot(`__snapshots__/${name}.md`);
  });

  it('titles the comment with the summary and a badge when IAM broadens', () => {
    expect(renderPlanMarkdown(createAllPlan()).split('\n')[0]).toBe('## s3repl plan: 18 to add, 0 to change, 0 to destroy, 1 to adopt ⚠️ IAM permissions broadened');
    expect(renderPlanMarkdown(updateRulePlan()).split('\n')[0]).toBe('## s3repl plan: 0 to add, 2 to change, 0 to destroy');
    expect(renderPlanMarkdown(replacePlan()).split('\n')[0]).toBe('## s3repl plan: 4 to add, 2 to change, 4 to destroy');
    expect(renderPlanMarkdown(noopPlan()).split('\n')[0]).toBe('## s3repl plan: no changes');
  });

  it('has a summary table, a resources table and a diff per resource', () => {
    const md = renderPlanMarkdown(updateRulePlan());
    expect(md).toContain('| 🔄 to change | 2 |');
    expect(md).toContain('| 🔄 update | `replication.acme-logs` | replication | `rules.to-dr.destination.storageClass` |');
    expect(md).toContain('<details><summary>🔄 <code>replication.acme-logs</code> will be updated in-place</summary>');
    expect(md).toContain('```diff\n- rules.to-dr.destination.storageClass: "STANDARD_IA"\n+ rules.to-dr.destination.storageClass: "GLACIER_IR"\n```');
  });

  it('shows an IAM broadening as a warning above its table', () => {
    const md = renderPlanMarkdown(iamBroadeningPlan());
    expect(md).toContain('> [!WARNING]\n> **⚠️ IAM permissions will be broadened.**');
    expect(md).toContain(
      '| ➕ | `role.replication`<br>`s3repl-replication` | permissions | Allow | `kms:Encrypt` | `arn:aws:kms:us-west-2:111111111111:key/6f1e0a3c-2b7d-4c55-9a0e-3b1f5d2c8e71` |  | `kms:EncryptionContext:aws:s3:arn StringLike arn:aws:s3:::acme-logs-dr/*`<br>`kms:ViaService StringLike s3.us-west-2.amazonaws.com` |',
    );
    expect(md.indexOf('IAM statement changes')).toBeLessThan(md.indexOf('### Changed resources'));
    expect(renderPlanMarkdown(updateRulePlan())).not.toContain('broadened');
  });

  it('shows drift as expected (-) and actual (+) lines', () => {
    const md = renderPlanMarkdown(driftPlan());
    expect(md).toContain('### ⚠️ Changes outside s3repl');
    expect(md).toContain('# alarm.acme-logs.to-dr.failed-operations was deleted outside s3repl\n# alarm.acme-logs.to-dr.latency was changed outside s3repl\n- evaluationPeriods: 5\n+ evaluationPeriods: 1\n- threshold: 900\n+ threshold: 3600\n');
    expect(md).toContain('# versioning.acme-logs-dr was changed outside s3repl\n- status: "Enabled"\n+ status: "Suspended"\n');
    expect(renderDriftMarkdown(driftPlan().drift)).toBe(md.slice(md.indexOf('### ⚠️ Changes outside s3repl'), md.indexOf('\n\n### Changed resources')));
    expect(renderDriftMarkdown([])).toBe('');
  });

  it('escapes pipes, backticks and HTML in values', () => {
    const plan = makePlan({
      changes: [
        {
          address: 'alarm.a|b<script>',
          kind: 'alarm',
          action: 'update',
          id: { name: 'x' },
          before: {},
          after: {},
          changes: [
            { path: 'description', kind: 'changed', before: 'a | b', after: 'uses `code` and <b>html</b>' },
            { path: 'fence', kind: 'added', after: '```\nnot a fence end' },
          ],
          reasons: ['because <img src=x> | `x`'],
          dependsOn: [],
        },
      ],
      notices: [{ level: 'warning', address: 'alarm.a|b<script>', message: 'watch *this* <b>now</b> | `now`' }],
    });
    const md = renderPlanMarkdown(plan);
    expectWellFormed(md);
    expect(md).toContain('| 🔄 update | `alarm.a\\|b<script>` | alarm | `description`, `fence` |');
    expect(md).toContain('<summary>🔄 <code>alarm.a|b&lt;script&gt;</code> will be updated in-place</summary>');
    expect(md).toContain('_because &lt;img src=x&gt; \\| \\`x\\`_');
    expect(md).toContain('watch \\*this\\* &lt;b&gt;now&lt;/b&gt; \\| \\`now\\`');
    // Outside code spans and fences, no raw HTML survives.
    const prose = md.replace(/^(`{3,}).*\n[\s\S]*?^\1$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
    expect(prose).not.toMatch(/<(b|img|script)\b/);
    expect(md).toContain('````diff\n');
  });

  it('stays under maxLength for a 2,000-resource plan, cutting whole units and saying so', () => {
    const plan = hugePlan();
    expect(plan.changes).toHaveLength(2000);
    const md = renderPlanMarkdown(plan);
    expect(md.length).toBeLessThanOrEqual(65_000);
    expectWellFormed(md);
    expect(md).toContain('⚠️ IAM permissions broadened');
    expect(md).toMatch(/This plan is too long for one comment, so some of it was left out: 2,000 of 2,000 resource details, [\d,]+ of 2,000 rows of the changed resources table\./);
    expect(md).toContain('`s3repl plan --format text`');
    expect(md.trimEnd().endsWith('for every field).')).toBe(true);
  });

  it('drops details from the end first, then table rows', () => {
    const plan = createAllPlan();
    const full = renderPlanMarkdown(plan);
    const some = renderPlanMarkdown(plan, { maxLength: full.length - 1 });
    expect(some.length).toBeLessThanOrEqual(full.length - 1);
    // The last two details are short: dropping one does not make room for the note that says so.
    expect(some).toMatch(/left out: 2 of 19 resource details\./);
    expect(some).toContain('<code>mrap.acme-logs-global</code>');
    expect(some).not.toContain('<summary>➕ <code>mrap-routes.acme-logs-global</code>');
    expect(some).not.toContain('<summary>➕ <code>mrap-policy.acme-logs-global</code>');
    expectWellFormed(some);

    // Rows of the resources table go only once every details block has gone.
    let sawRowsCut = false;
    for (let maxLength = full.length; maxLength >= 1_500; maxLength -= 100) {
      const md = renderPlanMarkdown(plan, { maxLength });
      expect(md.length).toBeLessThanOrEqual(maxLength);
      expectWellFormed(md);
      if (md.includes('rows of the changed resources table')) {
        sawRowsCut = true;
        expect(md).toContain('19 of 19 resource details');
        expect(md).not.toContain('<details>');
      }
    }
    expect(sawRowsCut).toBe(true);
  });

  it('keeps every unit that fits: a unit comes back exactly when the limit reaches the length with it', () => {
    const plan = createAllPlan();
    const full = renderPlanMarkdown(plan);
    let previous = renderPlanMarkdown(plan, { maxLength: full.length - 2_000 });
    let transitions = 0;
    for (let maxLength = full.length - 1_999; maxLength <= full.length; maxLength++) {
      const md = renderPlanMarkdown(plan, { maxLength });
      if (md !== previous) {
        // What changed between limit-1 and limit fits in limit and not in limit-1: its length is the limit.
        expect(md.length).toBe(maxLength);
        transitions++;
      }
      previous = md;
    }
    expect(previous).toBe(full);
    expect(transitions).toBeGreaterThan(1);

    // The same with thousands of units, most never rendered, and counts like "1,234" in the note.
    const huge = hugePlan();
    let last = renderPlanMarkdown(huge, { maxLength: 59_999 });
    let seen = 0;
    for (let maxLength = 60_000; maxLength <= 60_700; maxLength++) {
      const md = renderPlanMarkdown(huge, { maxLength });
      if (md !== last) {
        expect(md.length).toBe(maxLength);
        expect(md).toMatch(/left out: [\d,]+ of 2,000 resource details/);
        seen++;
      }
      last = md;
    }
    expect(seen).toBeGreaterThan(1);
  });

  it('knows which resources have a details block without building it', () => {
    for (const [name, make] of Object.entries(ALL_FIXTURES)) {
      for (const rc of make().changes) expect(hasDetails(rc), `${name}: ${rc.address}`).toBe(detailsBlock(rc, 100) !== undefined);
    }
  });

  it('always fits, down to a very small limit', () => {
    for (const maxLength of [65_000, 20_000, 3_000, 1_500]) {
      const md = renderPlanMarkdown(hugePlan(), { maxLength });
      expect(md.length).toBeLessThanOrEqual(maxLength);
      expectWellFormed(md);
    }
  });
});
