/**
 * `s3repl drift` end to end: the built CLI against the emulator. A realistic
 * setup is applied; then each change someone might make by hand during an
 * incident (through the SDK, and through Debian's AWS CLI as an independent
 * client) must make drift exit 2 naming the resource and the attribute, in
 * text and in JSON (which must validate against schema/drift.schema.json);
 * and `apply` must bring it back to exit 0.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketReplicationCommand,
  GetBucketEncryptionCommand,
  GetBucketReplicationCommand,
  PutBucketEncryptionCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { GetRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { ROOT, runCli, spawnCli, workdir, type RunResult } from '../helpers/cli.js';

const ACCOUNT = '111111111111';
const AWS = '/usr/bin/aws';

/** Two source buckets, three rules (RTC, a prefix filter, storage classes), three alarms, a managed role. */
const CONFIG = `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  drift-orders: { create: true }
  drift-orders-dr: { region: us-west-2, create: true }
  drift-logs: { create: true }
  drift-log-archive: { create: true }
roles:
  replication: { name: s3repl-drift }
replications:
  - source: drift-orders
    role: replication
    rules:
      - id: orders-to-dr
        destination: { bucket: drift-orders-dr, storageClass: STANDARD_IA }
        deleteMarkers: true
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1, pendingOperations: 1000 }
      - id: invoices
        priority: 2
        filter: { prefix: invoices/ }
        destination: { bucket: drift-orders-dr, storageClass: GLACIER_IR }
  - source: drift-logs
    role: replication
    rules:
      - id: logs
        filter: { prefix: app/ }
        destination: { bucket: drift-log-archive }
`;
/** 4 buckets, 4 versionings, role, role policy, 2 replications, 3 alarms. */
const MANAGED = 15;
const LATENCY_ALARM = 's3repl-drift-orders-orders-to-dr-latency';
const FAILED_ALARM = 's3repl-drift-orders-orders-to-dr-failed-operations';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
let validate: ValidateFunction;

let emu: Emulator;
let home: string;
let cwd: string;

beforeAll(async () => {
  emu = await startEmulator();
  home = mkdtempSync(path.join(tmpdir(), 's3repl-drift-awscli-'));
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/drift.schema.json'), 'utf8')));
});
afterAll(async () => {
  await emu.stop();
  rmSync(home, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Helpers

interface Change {
  path: string;
  kind: string;
  before?: unknown;
  after?: unknown;
}
interface Report {
  formatVersion: number;
  kind: string;
  state: { lineage: string | null; serial: number };
  drift: Array<{ address: string; kind: string; status: string; changes: Change[] }>;
  pending: Array<{ address: string; kind: string; action: string; cause: string; reasons: string[]; changes: Change[] }>;
  iam: { broadened: boolean; statements: Array<{ change: string; address: string; policy: string; actions: string[]; principals: string[] }> };
  summary: { drifted: number; vanished: number; pending: number; managed: number };
  hasDrift: boolean;
}

const cli = (args: string[], dir = cwd): Promise<RunResult> => runCli(args, { cwd: dir, endpoint: emu.url });

/** `drift --format json`: stdout is one JSON document that validates against the schema. */
async function driftJson(dir = cwd): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await cli(['drift', '--format', 'json'], dir);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`drift --format json printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  expect(report.hasDrift).toBe(r.code === 2);
  return { code: r.code, report, stderr: r.stderr };
}

async function apply(dir = cwd): Promise<void> {
  const r = await cli(['apply', '--auto-approve'], dir);
  expect(r.code, r.stderr).toBe(0);
}

async function expectInSync(dir = cwd): Promise<void> {
  const { code, report } = await driftJson(dir);
  expect(report.drift).toEqual([]);
  expect(report.pending).toEqual([]);
  expect(report.summary).toEqual({ drifted: 0, vanished: 0, pending: 0, managed: MANAGED });
  expect(code).toBe(0);
}

/**
 * The change made outside s3repl shows as drift, in text and JSON, exit 2;
 * apply undoes it (a pending change caused by drift only) and drift exits 0 again.
 */
async function expectDriftThenRepair(
  address: string,
  expected: { status: 'changed'; path: string; before?: unknown; after?: unknown; text: string } | { status: 'vanished' },
): Promise<Report> {
  // Read-only, so both formats can be asked at once.
  const [text, { code, report }] = await Promise.all([cli(['drift']), driftJson()]);
  expect(text.code, text.stderr).toBe(2);
  expect(text.stderr).toBe('');
  if (expected.status === 'vanished') {
    expect(text.stdout).toContain(`# ${address} was deleted outside s3repl`);
  } else {
    expect(text.stdout).toContain(`# ${address} was changed outside s3repl`);
    expect(text.stdout).toContain(expected.text);
  }
  expect(text.stdout).toMatch(/^Drift found: /m);

  expect(code).toBe(2);
  expect(report.drift.map((d) => d.address)).toEqual([address]);
  const item = report.drift[0]!;
  expect(item.status).toBe(expected.status);
  if (expected.status === 'changed') {
    const change = item.changes.find((c) => c.path === expected.path);
    expect(change, JSON.stringify(item.changes)).toBeDefined();
    if ('before' in expected) expect(change!.before).toEqual(expected.before);
    if ('after' in expected) expect(change!.after).toEqual(expected.after);
    expect(report.summary).toMatchObject({ drifted: 1, vanished: 0 });
  } else {
    expect(item.changes).toEqual([]);
    expect(report.summary).toMatchObject({ drifted: 0, vanished: 1 });
  }
  // Apply would only undo it: nothing in the configuration changed.
  expect(report.pending.map((p) => [p.address, p.cause])).toEqual([[address, 'drift']]);
  expect(report.pending[0]!.action).toBe(expected.status === 'vanished' ? 'create' : 'update');

  await apply();
  await expectInSync();
  return report;
}

function aws(args: string[]): Promise<RunResult> {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'emulator-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: path.join(home, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-such-credentials'),
  };
  return new Promise((resolve) => {
    execFile(AWS, ['--endpoint-url', emu.url, '--output', 'json', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function awsOk(args: string[]): Promise<string> {
  const r = await aws(args);
  expect(r.stderr, `aws ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const east = () => clients(emu.url, 'us-east-1');

// ---------------------------------------------------------------------------

describe('drift after changes made outside s3repl', () => {
  // Each case starts from a fresh account with the configuration applied.
  beforeEach(async () => {
    emu.reset();
    cwd = workdir(CONFIG);
    await apply();
  });

  it('exits 0 right after apply, in every format', async () => {
    await expectInSync();
    const text = await cli(['drift']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Changes outside s3repl\n\nNone: live AWS matches the last apply.');
    expect(text.stdout).toContain('Pending changes\n\nNone: live AWS matches the configuration.');
    expect(text.stdout).toMatch(/^No drift: live AWS matches the last apply and the configuration\.$/m);
    expect(text.stdout).toMatch(/^s3repl drift report$/m);
    expect(text.stdout).toMatch(/^ {2}config {3}replication\.yaml \(sha256 [0-9a-f]{12}\)$/m);
    expect(text.stdout).toMatch(/^ {2}state {4}serial \d+, lineage [0-9a-f-]{36} \(15 resources managed\)$/m);
    expect(text.stdout).toContain(`  account  ${ACCOUNT}`);
    expect(text.stdout).toMatch(/^ {2}checked {2}\d{4}-\d\d-\d\dT/m);
    expect(text.stdout).not.toMatch(/\u001b\[/);
    const md = await cli(['drift', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^## s3repl drift: ✅ no drift$/m);
    expect(md.stdout).toContain('| ✏️ changed outside s3repl | 0 |');
    const state = JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as { lineage: string; serial: number };
    const { report } = await driftJson();
    expect(report.state).toEqual({ lineage: state.lineage, serial: state.serial });
    expect(report.kind).toBe('s3repl-drift');
    expect(report.formatVersion).toBe(1);
  });

  it('replication configuration deleted by hand: vanished', async () => {
    await east().s3.send(new DeleteBucketReplicationCommand({ Bucket: 'drift-logs' }));
    await expectDriftThenRepair('replication.drift-logs', { status: 'vanished' });
  });

  it('a rule disabled with the AWS CLI: rules.<id>.status Enabled → Disabled', async () => {
    const got = JSON.parse(await awsOk(['s3api', 'get-bucket-replication', '--bucket', 'drift-orders'])) as {
      ReplicationConfiguration: { Rules: Array<{ ID: string; Status: string }> };
    };
    const cfg = got.ReplicationConfiguration;
    const rule = cfg.Rules.find((r) => r.ID === 'invoices')!;
    expect(rule.Status).toBe('Enabled');
    rule.Status = 'Disabled';
    await awsOk(['s3api', 'put-bucket-replication', '--bucket', 'drift-orders', '--replication-configuration', JSON.stringify(cfg)]);

    await expectDriftThenRepair('replication.drift-orders', {
      status: 'changed',
      path: 'rules.invoices.status',
      before: 'Enabled',
      after: 'Disabled',
      text: 'rules.invoices.status: "Enabled" → "Disabled"',
    });
  });

  it("a rule's storage class changed", async () => {
    const got = await east().s3.send(new GetBucketReplicationCommand({ Bucket: 'drift-orders' }));
    const cfg = got.ReplicationConfiguration!;
    cfg.Rules!.find((r) => r.ID === 'orders-to-dr')!.Destination!.StorageClass = 'GLACIER';
    await east().s3.send(new PutBucketReplicationCommand({ Bucket: 'drift-orders', ReplicationConfiguration: cfg }));

    await expectDriftThenRepair('replication.drift-orders', {
      status: 'changed',
      path: 'rules.orders-to-dr.destination.storageClass',
      before: 'STANDARD_IA',
      after: 'GLACIER',
      text: 'rules.orders-to-dr.destination.storageClass: "STANDARD_IA" → "GLACIER"',
    });
  });

  it("versioning suspended on a destination bucket", async () => {
    await clients(emu.url, 'us-west-2').s3.send(
      new PutBucketVersioningCommand({ Bucket: 'drift-orders-dr', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await expectDriftThenRepair('versioning.drift-orders-dr', {
      status: 'changed',
      path: 'status',
      before: 'Enabled',
      after: 'Suspended',
      text: 'status: "Enabled" → "Suspended"',
    });
  });

  it("an S3 Bucket Key turned on by hand (GetBucketEncryption's BucketKeyEnabled): bucketKey false → true, and apply turns it off again", async () => {
    const rule = async () => (await east().s3.send(new GetBucketEncryptionCommand({ Bucket: 'drift-logs' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    expect((await rule()).BucketKeyEnabled).toBe(false);
    await east().s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'drift-logs',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
      }),
    );
    await expectDriftThenRepair('bucket.drift-logs', {
      status: 'changed',
      path: 'bucketKey',
      before: false,
      after: true,
      text: 'bucketKey: false → true',
    });
    expect(await rule()).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false });
  });

  it('bucketKey: true in the configuration for a bucket without a Bucket Key: pending in drift, an update in plan, set by apply', async () => {
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('drift-logs: { create: true }', 'drift-logs: { create: true, bucketKey: true }'));
    const { code, report } = await driftJson();
    expect(code).toBe(2);
    expect(report.pending.map((p) => [p.address, p.action, p.cause, p.changes])).toEqual([
      ['bucket.drift-logs', 'update', 'config', [{ path: 'bucketKey', kind: 'changed', before: false, after: true }]],
      // The role's KMS conditions are unchanged (no rule replicates SSE-KMS objects).
    ]);
    const plan = await cli(['plan']);
    expect(plan.stdout).toMatch(/~ bucket\.drift-logs/);
    expect(plan.stdout).toContain('bucketKey');
    await apply();
    await expectInSync();
    const rule = (await east().s3.send(new GetBucketEncryptionCommand({ Bucket: 'drift-logs' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    expect(rule.BucketKeyEnabled).toBe(true);
  });

  it('an alarm deleted: vanished', async () => {
    await east().cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [FAILED_ALARM] }));
    const report = await expectDriftThenRepair('alarm.drift-orders.orders-to-dr.failed-operations', { status: 'vanished' });
    expect(report.pending[0]!.reasons).toContain('it was deleted outside s3repl');
  });

  it("an alarm's threshold changed", async () => {
    await raiseLatencyThreshold(1800);
    await expectDriftThenRepair('alarm.drift-orders.orders-to-dr.latency', {
      status: 'changed',
      path: 'threshold',
      before: 900,
      after: 1800,
      text: 'threshold: 900 → 1800',
    });
  });

  it("the role's inline policy edited (an action added): IAM permissions broadened outside s3repl", async () => {
    const got = await east().iam.send(new GetRolePolicyCommand({ RoleName: 's3repl-drift', PolicyName: 's3repl-replication' }));
    const doc = JSON.parse(decodeURIComponent(got.PolicyDocument!)) as { Statement: Array<{ Action: string | string[] }> };
    const first = doc.Statement[0]!;
    first.Action = [...(Array.isArray(first.Action) ? first.Action : [first.Action]), 's3:DeleteObjectVersion'];
    await east().iam.send(new PutRolePolicyCommand({ RoleName: 's3repl-drift', PolicyName: 's3repl-replication', PolicyDocument: JSON.stringify(doc) }));

    const text = await cli(['drift']);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain('+       "s3:DeleteObjectVersion",');
    expect(text.stdout).toContain('⚠ IAM permissions were broadened outside s3repl.');
    const md = await cli(['drift', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(2);
    expect(md.stdout).toContain('IAM permissions were broadened outside s3repl');
    expect(md.stdout).toContain('| ➕ | `role.replication`<br>`s3repl-drift` | permissions | Allow | `s3:DeleteObjectVersion` |');

    const report = await expectDriftThenRepair('role-policy.replication', { status: 'changed', path: 'document.Statement', text: 'document.Statement:' });
    expect(report.iam.broadened).toBe(true);
    expect(report.iam.statements.map((s) => [s.change, s.address, s.policy, s.actions])).toEqual([
      ['added', 'role.replication', 'permissions', ['s3:DeleteObjectVersion']],
    ]);
  });

  it("the role's trust policy edited with the AWS CLI (a principal added)", async () => {
    const got = JSON.parse(await awsOk(['iam', 'get-role', '--role-name', 's3repl-drift'])) as {
      Role: { AssumeRolePolicyDocument: { Statement: Array<{ Principal: { Service: string[] | string } }> } };
    };
    const trust = got.Role.AssumeRolePolicyDocument;
    const st = trust.Statement[0]!;
    st.Principal.Service = [...[st.Principal.Service].flat(), 'lambda.amazonaws.com'];
    await awsOk(['iam', 'update-assume-role-policy', '--role-name', 's3repl-drift', '--policy-document', JSON.stringify(trust)]);

    const report = await expectDriftThenRepair('role.replication', {
      status: 'changed',
      path: 'trustPolicy.Statement',
      text: '"lambda.amazonaws.com",',
    });
    expect(report.iam.broadened).toBe(true);
    expect(report.iam.statements).toHaveLength(1);
    expect(report.iam.statements[0]).toMatchObject({ change: 'added', policy: 'trust', principals: ['Service:lambda.amazonaws.com'] });
  });

  it('several changes at once are each reported, and the markdown names them all', async () => {
    await east().cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [FAILED_ALARM] }));
    await clients(emu.url, 'us-west-2').s3.send(
      new PutBucketVersioningCommand({ Bucket: 'drift-orders-dr', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const md = await cli(['drift', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(2);
    expect(md.stdout).toMatch(/^## s3repl drift: ⚠️ drift found$/m);
    expect(md.stdout).toContain('| ✏️ changed outside s3repl | 1 |');
    expect(md.stdout).toContain('| 🗑️ deleted outside s3repl | 1 |');
    expect(md.stdout).toContain('# alarm.drift-orders.orders-to-dr.failed-operations was deleted outside s3repl');
    expect(md.stdout).toContain('# versioning.drift-orders-dr was changed outside s3repl');
    expect(md.stdout).toContain('| 🔄 update | `versioning.drift-orders-dr` | `status` | undoes the change made outside s3repl |');
    expect(md.stdout).toContain('| ➕ create | `alarm.drift-orders.orders-to-dr.failed-operations` |  | recreates what was deleted outside s3repl |');
    expect(md.stdout).toMatch(/^\*\*Drift found: 1 resource changed outside s3repl, 1 resource deleted outside s3repl, 2 pending changes\. /m);

    const { report } = await driftJson();
    expect(report.summary).toEqual({ drifted: 1, vanished: 1, pending: 2, managed: MANAGED });
    await apply();
    await expectInSync();
  });
});

describe('drift and the configuration', () => {
  beforeEach(async () => {
    emu.reset();
    cwd = workdir(CONFIG);
    await apply();
  });

  it('a configuration change not yet applied is pending, not drift', async () => {
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('storageClass: GLACIER_IR', 'storageClass: DEEP_ARCHIVE'));
    const text = await cli(['drift']);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain('Changes outside s3repl\n\nNone: live AWS matches the last apply.');
    expect(text.stdout).toMatch(/^ {4}~ replication\.drift-orders +update$/m);
    expect(text.stdout).toContain('changes: rules.invoices.destination.storageClass');
    expect(text.stdout).toContain('(the configuration changed since the last apply)');
    expect(text.stdout).toContain('Drift found: 1 pending change.');

    const { report } = await driftJson();
    expect(report.drift).toEqual([]);
    expect(report.summary).toEqual({ drifted: 0, vanished: 0, pending: 1, managed: MANAGED });
    expect(report.pending).toEqual([
      {
        address: 'replication.drift-orders',
        kind: 'replication',
        action: 'update',
        cause: 'config',
        reasons: [],
        changes: [{ path: 'rules.invoices.destination.storageClass', kind: 'changed', before: 'GLACIER_IR', after: 'DEEP_ARCHIVE' }],
      },
    ]);

    const md = await cli(['drift', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(2);
    expect(md.stdout).not.toContain('Changes outside s3repl');
    expect(md.stdout).toContain('| 🔄 update | `replication.drift-orders` | `rules.invoices.destination.storageClass` | the configuration changed since the last apply |');

    await apply();
    await expectInSync();
  });

  it('a resource both edited in the configuration and changed by hand is drift, and pending with cause "both"', async () => {
    await raiseLatencyThreshold(1800);
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('latencySeconds: 900', 'latencySeconds: 600'));
    const { code, report } = await driftJson();
    expect(code).toBe(2);
    expect(report.drift).toEqual([
      { address: 'alarm.drift-orders.orders-to-dr.latency', kind: 'alarm', status: 'changed', changes: [{ path: 'threshold', kind: 'changed', before: 900, after: 1800 }] },
    ]);
    expect(report.pending.map((p) => [p.address, p.cause, p.changes])).toEqual([
      ['alarm.drift-orders.orders-to-dr.latency', 'both', [{ path: 'threshold', kind: 'changed', before: 1800, after: 600 }]],
    ]);
    await apply();
    await expectInSync();
  });

  it('accepting a change made by hand (the configuration changed to match it) clears the drift after apply', async () => {
    await raiseLatencyThreshold(1800);
    writeFileSync(path.join(cwd, 'replication.yaml'), CONFIG.replace('latencySeconds: 900', 'latencySeconds: 1800'));
    const before = await cli(['drift']);
    expect(before.code, before.stderr).toBe(2);
    expect(before.stdout).toContain('threshold: 900 → 1800');
    expect(before.stdout).toContain('Pending changes\n\nNone: live AWS matches the configuration.');
    expect(before.stdout).toContain('The configuration already matches AWS: `s3repl apply` records the changes as the last apply.');

    // Nothing to change in AWS, but the state must learn the new value.
    const serial = (JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as { serial: number }).serial;
    const applied = await cli(['apply', '--auto-approve']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('No changes');
    const state = JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as {
      serial: number;
      resources: Record<string, { attributes: { threshold: number } }>;
    };
    expect(state.resources['alarm.drift-orders.orders-to-dr.latency']!.attributes.threshold).toBe(1800);
    expect(state.serial).toBe(serial + 1);
    await expectInSync();
    // And a further apply writes nothing.
    await apply();
    expect((JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as { serial: number }).serial).toBe(serial + 1);
  });

  it('without state: says nothing is managed yet; exits 2 with the pending creates', async () => {
    const fresh = workdir(CONFIG.replaceAll('drift-', 'new-').replace('s3repl-drift', 's3repl-new'));
    const text = await cli(['drift'], fresh);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain('  state    none: nothing is managed by s3repl yet');
    expect(text.stdout).not.toContain('Changes outside s3repl');
    expect(text.stdout).toMatch(/^ {4}\+ replication\.new-orders +create$/m);
    expect(text.stdout).toContain('(not applied yet)');
    expect(text.stdout).toContain('Nothing is managed by s3repl yet (no state): 15 pending changes.');
    expect(text.stderr).toContain('No state at');
    expect(text.stderr).toContain('nothing is managed by s3repl yet');

    const { code, report } = await driftJson(fresh);
    expect(code).toBe(2);
    expect(report.state).toEqual({ lineage: null, serial: 0 });
    expect(report.drift).toEqual([]);
    expect(report.summary).toEqual({ drifted: 0, vanished: 0, pending: MANAGED, managed: 0 });
    expect(new Set(report.pending.map((p) => `${p.action}/${p.cause}`))).toEqual(new Set(['create/config']));

    const md = await cli(['drift', '--format', 'markdown'], fresh);
    expect(md.code, md.stderr).toBe(2);
    expect(md.stdout).toMatch(/^## s3repl drift: nothing managed yet, 15 pending changes$/m);
  });

  it('without state, when AWS already matches the configuration: exits 0 and says nothing is managed yet', async () => {
    // What s3repl applied above, described as existing buckets and a role used by ARN.
    const existing = `
version: 1
defaults: { region: us-east-1 }
buckets:
  drift-logs: {}
  drift-log-archive: {}
roles:
  replication: { arn: "arn:aws:iam::${ACCOUNT}:role/s3repl-drift" }
replications:
  - source: drift-logs
    role: replication
    rules:
      - id: logs
        filter: { prefix: app/ }
        destination: { bucket: drift-log-archive }
`;
    const fresh = workdir(existing);
    const text = await cli(['drift'], fresh);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Nothing is managed by s3repl yet (no state), and AWS already matches the configuration.');
    const { report } = await driftJson(fresh);
    expect(report.pending).toEqual([]);
    expect(report.summary.managed).toBe(0);
  });
});

describe('a bucket s3repl did not create', () => {
  it('deleted outside s3repl: reported as vanished (exit 2), not a plan error', async () => {
    emu.reset();
    const west = clients(emu.url, 'us-west-2');
    await west.s3.send(new CreateBucketCommand({ Bucket: 'kept-dr', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    const dir = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  kept-src: { create: true }
  kept-dr: { region: us-west-2 }
roles:
  replication: { name: s3repl-kept }
replications:
  - source: kept-src
    role: replication
    rules:
      - id: dr
        destination: { bucket: kept-dr }
`);
    await apply(dir);
    expect((await cli(['drift'], dir)).code).toBe(0);
    await west.s3.send(new DeleteBucketCommand({ Bucket: 'kept-dr' }));
    const { code, report } = await driftJson(dir);
    expect(code).toBe(2);
    expect(report.drift).toContainEqual(expect.objectContaining({ address: 'versioning.kept-dr', status: 'vanished' }));
    const text = await cli(['drift'], dir);
    expect(text.code).toBe(2);
    expect(text.stdout + text.stderr).toContain('kept-dr');
    // plan still refuses: it cannot apply anything to a bucket that is not there.
    const plan = await cli(['plan'], dir);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('kept-dr (us-west-2)');
  });
});

describe('drift: usage and errors', () => {
  it('--help shows the formats, the exit codes and a scheduling example (the built executable)', async () => {
    const dir = workdir(CONFIG);
    const r = await spawnCli(['drift', '--help'], { cwd: dir, endpoint: emu.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--format');
    expect(r.stdout).toContain('markdown');
    expect(r.stdout).toMatch(/cron/);
    expect(r.stdout).toContain('2 drift found');
  });

  it('an invalid configuration is an error (exit 1), with nothing on stdout and no stack trace', async () => {
    const dir = workdir(CONFIG.replace('storageClass: STANDARD_IA', 'storageClass: WARM'));
    const r = await cli(['drift', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('replication.yaml is not valid');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown format is a usage error (exit 1)', async () => {
    const r = await cli(['drift', '--format', 'yaml'], workdir(CONFIG));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('format');
  });
});

/** Raises the latency alarm's threshold the way the console does: the whole alarm is put again. */
async function raiseLatencyThreshold(threshold: number): Promise<void> {
  // The latency alarm stands where S3 publishes ReplicationLatency: the destination's region.
  const cw = clients(emu.url, 'us-west-2').cloudwatch;
  const got = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [LATENCY_ALARM] }));
  const a = got.MetricAlarms![0]!;
  expect(a.Threshold).toBe(900);
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: a.AlarmName,
      AlarmDescription: a.AlarmDescription,
      Namespace: a.Namespace,
      MetricName: a.MetricName,
      Dimensions: a.Dimensions,
      Statistic: a.Statistic,
      Period: a.Period,
      EvaluationPeriods: a.EvaluationPeriods,
      Threshold: threshold,
      ComparisonOperator: a.ComparisonOperator,
      TreatMissingData: a.TreatMissingData,
      AlarmActions: a.AlarmActions,
      OKActions: a.OKActions,
    }),
  );
}
