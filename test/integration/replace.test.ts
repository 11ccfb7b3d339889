/**
 * Replace as a first-class action, end to end against the emulator: a renamed
 * role (new identifiers: the new role is made, then the old one deleted) and a
 * role moved to another path (IAM cannot change a role's path: it is deleted and
 * made again). The plan says why in every format; apply converges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const config = (role: string) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  rp-src: { create: true }
  rp-dst: { region: us-west-2, create: true }
roles:
  replication: { ${role} }
replications:
  - source: rp-src
    role: replication
    rules:
      - id: all
        destination: { bucket: rp-dst }
`;

let emu: Emulator;
let cwd: string;
beforeEach(async () => {
  emu = await startEmulator({ replicationDelayMs: 10 });
  cwd = workdir(config('name: rp-role'));
  const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
  expect(applied.code, applied.stderr).toBe(0);
});
afterEach(() => emu.stop());

const cli = (...args: string[]) => runCli(args, { cwd, endpoint: emu.url });
const edit = (role: string) => writeFileSync(path.join(cwd, 'replication.yaml'), config(role));
const roles = async () => (await clients(emu.url).iam.send(new ListRolesCommand({}))).Roles!.map((r) => `${r.Path}${r.RoleName}`).sort();

interface Change {
  address: string;
  action: string;
  actionReason?: string;
  priorId?: Record<string, string>;
  replacePaths?: string[];
  reasons: string[];
}

async function planJson(): Promise<Change[]> {
  const r = await cli('plan', '--format', 'json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { changes: Change[] }).changes;
}

describe('replace', () => {
  it('a renamed role: replace-because-id-changed with the old name as priorId; apply makes the new role, then deletes the old', async () => {
    edit('name: rp-role-2');
    const role = (await planJson()).find((c) => c.address === 'role.replication')!;
    expect(role).toMatchObject({
      action: 'replace',
      actionReason: 'replace-because-id-changed',
      priorId: { roleName: 'rp-role' },
      replacePaths: ['id.roleName'],
      reasons: ['IAM role rp-role becomes IAM role rp-role-2'],
    });
    const text = await cli('plan');
    expect(text.stdout).toContain('# role.replication must be replaced');
    expect(text.stdout).toContain('(IAM role rp-role becomes IAM role rp-role-2)');
    const md = await cli('plan', '--format', 'markdown');
    expect(md.stdout).toContain('♻️ replace');
    expect(md.stdout).toContain('IAM role rp-role becomes IAM role rp-role-2');

    const applied = await cli('apply', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    expect(await roles()).toEqual(['/rp-role-2']);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('a role moved to another path: replace-because-cannot-update, marked in text; apply deletes and makes it again', async () => {
    edit('name: rp-role, path: /replication/');
    const changes = await planJson();
    const role = changes.find((c) => c.address === 'role.replication')!;
    expect(role).toMatchObject({ action: 'replace', actionReason: 'replace-because-cannot-update', replacePaths: ['arn', 'path'] });
    expect(role.priorId).toBeUndefined();
    expect(role.reasons).toEqual(['arn, path cannot be changed in place: it is deleted and created again']);
    // The inline policy goes with the role, so it is made again; the replication configuration names the role by ARN: an update.
    expect(changes.find((c) => c.address === 'role-policy.replication')).toMatchObject({
      action: 'replace',
      actionReason: 'replace-because-dependency-replaced',
      replacePaths: ['role.replication'],
    });
    expect(changes.find((c) => c.address === 'replication.rp-src')!.action).toBe('update');
    const iam = JSON.parse((await cli('plan', '--format', 'json')).stdout) as { iam: { broadened: boolean } };
    expect(iam.iam.broadened).toBe(false);

    const text = await cli('plan');
    expect(text.stdout).toMatch(/path: "\/" → "\/replication\/" # forces replacement/);
    expect(text.stdout).toContain('Plan: 2 to add, 1 to change, 2 to destroy.');

    const applied = await cli('apply', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('2 added, 1 changed, 2 destroyed');
    expect(await roles()).toEqual(['/replication/rp-role']);
    const live = await clients(emu.url).iam.send(new GetRoleCommand({ RoleName: 'rp-role' }));
    expect(live.Role!.Arn).toBe('arn:aws:iam::111111111111:role/replication/rp-role');
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });
});
