/** Plans that span accounts are shown grouped by account (text) and with an Account column (Markdown). */
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { byAccount } from '../../src/render/accounts.js';
import { renderPlanText } from '../../src/render/text.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import type { Plan, ResourceChange } from '../../src/engine/types.js';

const change = (address: string, account?: string): ResourceChange => ({
  address,
  kind: address.startsWith('bucket-policy') ? 'bucket-policy' : 'versioning',
  action: 'create',
  id: { bucket: address.split('.')[1]!, region: 'us-east-1', ...(account ? { account } : {}) },
  before: null,
  after: { status: 'Enabled' },
  changes: [],
  reasons: [],
  dependsOn: [],
});

function plan(changes: ResourceChange[]): Plan {
  return {
    formatVersion: 1,
    s3replVersion: '0.0.0-test',
    createdAt: '2030-01-01T00:00:00.000Z',
    liveFingerprint: 'x',
    mode: 'apply',
    config: { path: 'replication.yaml', sha256: 'x' },
    account: '111122223333',
    state: { lineage: null, serial: 0 },
    changes,
    drift: [],
    iam: { broadened: false, statements: [] },
    notices: [],
    summary: { add: changes.length, change: 0, destroy: 0, forget: 0, noop: 0, adopt: 0 },
  };
}

const c = new Chalk({ level: 0 });

describe('plans by account', () => {
  const p = plan([change('bucket-policy.dst', '444455556666'), change('versioning.src'), change('versioning.dst', '444455556666')]);

  it('puts the default credentials account first, keeping plan order inside each group', () => {
    expect(byAccount(p, p.changes).map((g) => [g.account, g.changes.map((x) => x.address)])).toEqual([
      ['111122223333', ['versioning.src']],
      ['444455556666', ['bucket-policy.dst', 'versioning.dst']],
    ]);
  });

  it('text: a heading per account, only when there are several', () => {
    const text = renderPlanText(p, { color: c });
    const first = text.indexOf('Account 111122223333 (default credentials):');
    const second = text.indexOf('Account 444455556666:');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(text.indexOf('versioning.src')).toBeGreaterThan(first);
    expect(text.indexOf('versioning.src')).toBeLessThan(second);
    expect(text.indexOf('versioning.dst')).toBeGreaterThan(second);
    expect(renderPlanText(plan([change('versioning.src')]), { color: c })).not.toContain('Account ');
  });

  it('Markdown: an Account column, only when there are several', () => {
    const md = renderPlanMarkdown(p);
    expect(md).toContain('| | Account | Address | Kind | Changed attributes |');
    expect(md).toMatch(/\| 444455556666 \| `versioning\.dst` \|/);
    expect(renderPlanMarkdown(plan([change('versioning.src')]))).toContain('| | Address | Kind | Changed attributes |');
  });
});
