/**
 * `s3repl plan` end to end: the built CLI, the real SDK, the emulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv } from 'ajv';
import {
  CreateBucketCommand,
  GetBucketReplicationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { ROOT, runCli, workdir } from '../helpers/cli.js';
import { formatPath } from '../../src/engine/diff.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const fullConfig = (suffix: string) => `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  orders-${suffix}: { create: true }
  orders-dr-${suffix}: { region: us-west-2, create: true }
roles:
  replication: { name: s3repl-${suffix} }
replications:
  - source: orders-${suffix}
    role: replication
    rules:
      - id: to-dr
        destination: { bucket: orders-dr-${suffix}, storageClass: STANDARD_IA }
        deleteMarkers: true
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
`;

describe('plan against an empty account', () => {
  it('plans every resource as a create, exits 2 with --detailed-exitcode, and the JSON validates', async () => {
    const cwd = workdir(fullConfig('empty'));
    const text = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(2);
    for (const addr of [
      'bucket.orders-empty',
      'bucket.orders-dr-empty',
      'versioning.orders-empty',
      'versioning.orders-dr-empty',
      'role.replication',
      'role-policy.replication',
      'replication.orders-empty',
      'alarm.orders-empty.to-dr.latency',
      'alarm.orders-empty.to-dr.failed-operations',
    ]) {
      expect(text.stdout).toContain(`+ ${addr}`);
    }
    expect(text.stdout).toContain('Plan: 9 to add, 0 to change, 0 to destroy.');
    expect(text.stdout).not.toMatch(/\u001b\[/); // NO_COLOR

    const json = await runCli(['plan', '--format', 'json'], { cwd, endpoint: emu.url });
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.formatVersion).toBe(1);
    expect(plan.summary).toEqual({ add: 9, change: 0, destroy: 0, forget: 0, adopt: 0, noop: 0 });
    expect(plan.iam.broadened).toBe(true);
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/plan.schema.json'), 'utf8'));
    const ajv = schema.$schema?.includes('2020-12') ? new Ajv2020({ strict: false }) : new Ajv({ strict: false });
    const validate = ajv.compile(schema);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);

    const md = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('replication.orders-empty');
    expect(md.stdout).toMatch(/IAM/);
  });

  it('names a missing bucket and its region when s3repl is not asked to create it', async () => {
    const cwd = workdir(fullConfig('missing').replace('orders-dr-missing: { region: us-west-2, create: true }', 'orders-dr-missing: { region: us-west-2 }'));
    const r = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('orders-dr-missing (us-west-2)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('plan against a setup made by hand', () => {
  const suffix = 'byhand';
  const src = `src-${suffix}`;
  const dst = `dst-${suffix}`;
  const roleArn = 'arn:aws:iam::111111111111:role/hand-made';
  let generatedId = '';
  const config = (id: string) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  ${src}: {}
  ${dst}: { region: us-west-2 }
roles:
  existing: { arn: "${roleArn}" }
replications:
  - source: ${src}
    role: existing
    rules:
      - id: "${id}"
        priority: 0
        destination: { bucket: ${dst} }
`;

  beforeAll(async () => {
    const east = clients(emu.url, 'us-east-1');
    const west = clients(emu.url, 'us-west-2');
    await east.iam.send(
      new CreateRoleCommand({
        RoleName: 'hand-made',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await east.s3.send(new CreateBucketCommand({ Bucket: src }));
    await west.s3.send(new CreateBucketCommand({ Bucket: dst, CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    await east.s3.send(new PutBucketVersioningCommand({ Bucket: src, VersioningConfiguration: { Status: 'Enabled' } }));
    await west.s3.send(new PutBucketVersioningCommand({ Bucket: dst, VersioningConfiguration: { Status: 'Enabled' } }));
    // As the console does it: no rule ID (AWS generates one), Filter {}, no storage class.
    await east.s3.send(
      new PutBucketReplicationCommand({
        Bucket: src,
        ReplicationConfiguration: {
          Role: roleArn,
          Rules: [{ Status: 'Enabled', Priority: 0, Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${dst}` } }],
        },
      }),
    );
    const got = await east.s3.send(new GetBucketReplicationCommand({ Bucket: src }));
    generatedId = got.ReplicationConfiguration!.Rules![0]!.ID!;
  });

  it('a matching setup is shown as adopted, with no attribute changes (generated id, Filter {}, omitted storage class); apply records it without changing AWS', async () => {
    expect(generatedId.length).toBeGreaterThan(0);
    const cwd = workdir(config(generatedId));
    const r = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`# replication.${src} will be adopted (s3repl manages it from now on)`);
    expect(r.stdout).toContain(`# versioning.${src} will be adopted`);
    expect(r.stdout).toContain('Plan: 0 to add, 0 to change, 0 to destroy, 3 to adopt.');

    const json = JSON.parse((await runCli(['plan', '--format', 'json'], { cwd, endpoint: emu.url })).stdout);
    expect(json.summary).toEqual({ add: 0, change: 0, destroy: 0, forget: 0, adopt: 3, noop: 0 });
    const rep = json.changes.find((c: { address: string }) => c.address === `replication.${src}`);
    expect(rep.action).toBe('adopt');
    expect(rep.changes).toEqual([]);
    const md = await runCli(['plan', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.stdout).toContain('🤝 adopt');
    expect(md.stdout).toContain('will be adopted');

    const before = emu.calls()['s3:PutBucketReplication'] ?? 0;
    const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('3 adopted');
    expect(emu.calls()['s3:PutBucketReplication'] ?? 0).toBe(before);
    const again = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);
  });

  it('shows an attribute edited in the console as exactly that change, on the adoption', async () => {
    const east = clients(emu.url, 'us-east-1');
    const got = await east.s3.send(new GetBucketReplicationCommand({ Bucket: src }));
    const rules = got.ReplicationConfiguration!.Rules!;
    rules[0]!.Destination!.StorageClass = 'GLACIER';
    await east.s3.send(new PutBucketReplicationCommand({ Bucket: src, ReplicationConfiguration: { Role: roleArn, Rules: rules } }));
    const cwd = workdir(config(generatedId));
    const r = await runCli(['plan', '--detailed-exitcode', '--format', 'json'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout);
    // Not in any state yet: adopted, with the difference shown.
    const changed = plan.changes.filter((c: { changes: unknown[] }) => c.changes.length > 0);
    expect(changed).toHaveLength(1);
    expect(changed[0].address).toBe(`replication.${src}`);
    expect(changed[0].action).toBe('adopt');
    expect(changed[0].changes).toEqual([
      { path: formatPath(['rules', generatedId, 'destination', 'storageClass']), kind: 'changed', before: 'GLACIER', after: null },
    ]);
  });
});

describe('plan with a bad configuration', () => {
  it('says a missing file is missing, once, with exit 1 and no stack trace', async () => {
    const cwd = workdir('version: 1\n');
    const r = await runCli(['plan', '-c', 'nope.yaml'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml not found');
    expect(r.stderr).not.toContain('is not valid');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints every configuration error with file:line:col before refusing to plan', async () => {
    const cwd = workdir('version: 1\ndefaults: { region: us-east-1 }\nbuckets:\n  a-bucket: {}\nreplications:\n  - source: a-bucket\n    role: nope\n    rules:\n      - id: r\n        destination: { bucket: a-bucket }\n');
    const r = await runCli(['plan'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/replication\.yaml:7:11: error\[unknown-role\]/);
    expect(r.stderr).toMatch(/replication\.yaml:\d+:\d+: error\[source-equals-destination\]/);
    expect(r.stderr).toContain('run s3repl validate');
  });
});
