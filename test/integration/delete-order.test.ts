/**
 * Deletions run in reverse dependency order, from what the state recorded each
 * resource depended on: a replication configuration is removed before the role
 * and inline policy it uses are deleted (S3 would otherwise keep a configuration
 * naming a role that no longer exists, and replicate nothing), and the plan
 * says what each deletion waits for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, workdir } from '../helpers/cli.js';

const config = (withLogs: boolean) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  do-orders: { create: true }
  do-orders-dr: { region: us-west-2, create: true }
  do-logs: { create: true }
  do-logs-archive: { create: true }
roles:
  orders: { name: do-orders-role }${withLogs ? `
  logs: { name: do-logs-role }` : ''}
replications:
  - source: do-orders
    role: orders
    rules:
      - id: dr
        destination: { bucket: do-orders-dr }
        metrics: true
        alarms: { failedOperations: 1 }${withLogs ? `
  - source: do-logs
    role: logs
    rules:
      - id: archive
        destination: { bucket: do-logs-archive }` : ''}
`;

interface Change {
  address: string;
  action: string;
  dependsOn: string[];
}

let emu: Emulator;
let cwd: string;
/** The AWS calls deleting things, in the order the emulator received them. */
let deletes: string[] = [];
beforeEach(async () => {
  deletes = [];
  emu = await startEmulator({
    replicationDelayMs: 10,
    onCall: ({ operation, path, body }) => {
      if (!/:Delete/.test(operation)) return;
      const role = /RoleName=([^&]+)/.exec(body)?.[1];
      const policy = /PolicyName=([^&]+)/.exec(body)?.[1];
      deletes.push([operation, role ?? decodeURIComponent(path.split('?')[0]!).replace(/\/$/, ''), policy].filter(Boolean).join(' '));
    },
  });
  cwd = workdir(config(true));
  const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
  expect(applied.code, applied.stderr).toBe(0);
});
afterEach(() => emu.stop());

const cli = (...args: string[]) => runCli(args, { cwd, endpoint: emu.url });

/**
 * Each deletion's AWS calls come after those of every deletion that depended on
 * it (`before` lists, for a resource's first delete call, the calls that must precede it).
 */
function expectOrder(before: Record<string, string[]>): void {
  for (const [call, earlier] of Object.entries(before)) {
    const i = deletes.indexOf(call);
    expect(i, `${call} in ${deletes.join(', ')}`).toBeGreaterThanOrEqual(0);
    for (const e of earlier) {
      const j = deletes.indexOf(e);
      expect(j, `${e} in ${deletes.join(', ')}`).toBeGreaterThanOrEqual(0);
      expect(j, `${e} before ${call}: ${deletes.join(', ')}`).toBeLessThan(i);
    }
  }
}

describe('deletions in reverse dependency order', () => {
  it('destroy: each replication configuration goes before its role and the role policy', async () => {
    const plan = await cli('plan', '--destroy', '--detailed-exitcode', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const changes = (JSON.parse(plan.stdout) as { changes: Change[] }).changes;
    const deps = (address: string) => changes.find((c) => c.address === address && c.action === 'delete')?.dependsOn;
    // The plan carries what each deletion waits for: what the resource depended on when applied.
    expect(deps('replication.do-orders')).toEqual(expect.arrayContaining(['role.orders', 'role-policy.orders']));
    expect(deps('replication.do-logs')).toEqual(expect.arrayContaining(['role.logs', 'role-policy.logs']));
    expect(deps('role-policy.orders')).toEqual(['role.orders']);

    const r = await cli('destroy', '--auto-approve');
    expect(r.code, r.stderr).toBe(0);
    expectOrder({
      'iam:DeleteRole do-orders-role': ['s3:DeleteBucketReplication /do-orders', 'iam:DeleteRolePolicy do-orders-role s3repl-replication'],
      'iam:DeleteRole do-logs-role': ['s3:DeleteBucketReplication /do-logs', 'iam:DeleteRolePolicy do-logs-role s3repl-replication'],
    });
  });

  it('a replication left out of the configuration: its configuration is removed before its role, and the other stays', async () => {
    writeFileSync(path.join(cwd, 'replication.yaml'), config(false));
    const plan = await cli('plan', '--detailed-exitcode', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const changes = (JSON.parse(plan.stdout) as { changes: Change[] }).changes;
    expect(changes.filter((c) => c.action === 'delete').map((c) => c.address).sort()).toEqual(['replication.do-logs', 'role-policy.logs', 'role.logs']);

    const r = await cli('apply', '--auto-approve');
    expect(r.code, r.stderr).toBe(0);
    expectOrder({ 'iam:DeleteRole do-logs-role': ['s3:DeleteBucketReplication /do-logs', 'iam:DeleteRolePolicy do-logs-role s3repl-replication'] });
    expect(deletes.filter((d) => d.includes('orders'))).toEqual([]);
    // The state remembers what the remaining resources depend on, for their own deletion later.
    const state = JSON.parse(readFileSync(path.join(cwd, '.s3repl', 'state.json'), 'utf8')) as { resources: Record<string, { dependsOn?: string[] }> };
    expect(state.resources['role-policy.orders']!.dependsOn).toEqual(['role.orders']);
    expect(Object.keys(state.resources).filter((a) => a.endsWith('.logs') || a.endsWith('do-logs'))).toEqual([]);
  });
});
