/**
 * The plans the renderer tests read (test/render/plans/*.json) are real: made
 * here by s3repl itself (configuration → desired resources → plan against the
 * emulator, through the CLI as a user runs it), step by step over one account,
 * so that together they hold every kind and every action a plan can have. This
 * test makes them again and fails when a committed one differs (`vitest -u`
 * rewrites them; review the diff like any snapshot). Only what varies from run to
 * run is fixed: the time, the state's lineage and serial (how many writes an
 * apply takes depends on how its steps were batched), the ids the emulator gives
 * jobs, and the live fingerprint that hashes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, PutBucketReplicationCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { DeleteAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';
import { allKinds } from '../../src/resources/index.js';
import type { Plan } from '../../src/engine/types.js';
import { REAL_PLANS } from './fixtures.js';

const ACCOUNT = '111111111111';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:replication-alerts`;
/** Latency and pending alarms stand in the destination's region and notify a topic there. */
const WEST_TOPIC = `arn:aws:sns:us-west-2:${ACCOUNT}:replication-alerts`;
const KMS_KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/6f1e0a3c-2b7d-4c55-9a0e-3b1f5d2c8e71`;

/** Failure events of acme-logs go to this queue, which s3repl creates with the policy S3 needs. */
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:acme-replication-failures`;

const config = (o: { storageClass?: string; latency?: number; path?: string; prefix?: string; backfill?: boolean; events?: boolean; kms?: boolean; failureEvents?: boolean } = {}) => `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  acme-logs: { create: true }
  acme-logs-dr: { region: us-west-2, create: true }
  acme-events: { create: true }
  acme-events-archive: { region: us-west-2 }
  acme-ledger-audit: { region: us-east-2, account: "444455556666" }
roles:
  replication: { name: s3repl-replication, path: ${o.path ?? '/service-role/'} }
alarms:
  notify: [${TOPIC}, ${WEST_TOPIC}]
  namePrefix: ${o.prefix ?? 's3repl'}
replications:
  - source: acme-logs
    role: replication
    rules:
      - id: to-dr
        destination: { bucket: acme-logs-dr, storageClass: ${o.storageClass ?? 'STANDARD_IA'}${o.kms ? `, ` : ''} }${o.kms ? `
        encryption: { sseKms: true, replicaKmsKey: ${KMS_KEY} }` : ''}
        deleteMarkers: true
        rtc: true
        alarms: { latencySeconds: ${o.latency ?? 900}, failedOperations: 1 }${o.backfill === false ? '' : `
        existingObjects: replicate`}
      - id: audit
        priority: 2
        filter: { prefix: audit/ }
        destination: { bucket: acme-ledger-audit, ownerOverride: true }${o.failureEvents === false ? '' : `
    events:
      - types: [failed]
        queue: ${QUEUE}
        createQueue: true
        rules: [to-dr]`}${o.events === false ? '' : `
  - source: acme-events
    role: replication
    rules:
      - id: archive
        destination: { bucket: acme-events-archive, storageClass: GLACIER_IR }`}
multiRegionAccessPoints:
  acme-logs-global:
    buckets: [acme-logs, acme-logs-dr]
    routes: { active: [us-east-1] }
    policy:
      Version: '2012-10-17'
      Statement: [{ Effect: Allow, Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3::${ACCOUNT}:accesspoint/*/object/*' }]
`;

/** The plan JSON with what varies between runs fixed. */
function scrub(json: string): string {
  const uuids = new Map<string, string>();
  const fixed = json.replace(/(?<!key\/)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
    if (!uuids.has(u)) uuids.set(u, `00000000-0000-4000-8000-${String(uuids.size + 1).padStart(12, '0')}`);
    return uuids.get(u)!;
  });
  // Multi-Region Access Point aliases are made up by S3 (the emulator: at random).
  const plan = JSON.parse(fixed.replace(/\b[a-z][a-z0-9]{12}\.mrap\b/g, 'mfzwi23gnjvgw.mrap')) as Plan;
  plan.createdAt = '2026-01-01T00:00:00.000Z';
  plan.liveFingerprint = '0'.repeat(64);
  // How many writes an apply takes depends on how its finished steps were batched.
  if (plan.state.serial > 0) plan.state.serial = 1;
  return `${JSON.stringify(plan, null, 2)}\n`;
}

let emu: Emulator;
let cwd: string;
const made: Record<string, string> = {};

const cli = async (...args: string[]) => {
  const r = await runCli(args, { cwd, endpoint: emu.url });
  expect([0, 2], `s3repl ${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  return r;
};
const write = (yaml: string) => writeFileSync(path.join(cwd, 'replication.yaml'), yaml);
async function plan(name: string): Promise<void> {
  made[name] = scrub((await cli('plan', '--format', 'json')).stdout);
}
async function apply(): Promise<void> {
  const r = await cli('apply', '--auto-approve');
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  // Jobs and replication stay where they are: nothing depends on how fast they run.
  emu = await startEmulator({ jobStepDelayMs: 3_600_000, replicationDelayMs: 3_600_000, mrapStepDelayMs: 5 });
  const west = clients(emu.url, 'us-west-2');
  await west.s3.send(new CreateBucketCommand({ Bucket: 'acme-events-archive', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
  // The audit destination belongs to another account, which keeps it versioned.
  const audit = clients(emu.url, 'us-east-2', '444455556666');
  await audit.s3.send(new CreateBucketCommand({ Bucket: 'acme-ledger-audit', CreateBucketConfiguration: { LocationConstraint: 'us-east-2' } }));
  await audit.s3.send(new PutBucketVersioningCommand({ Bucket: 'acme-ledger-audit', VersioningConfiguration: { Status: 'Enabled' } }));
  cwd = workdir(config());

  await plan('createAll');
  await apply();
  await plan('noop');
  write(config({ storageClass: 'GLACIER_IR', latency: 600 }));
  await plan('updateRule');
  write(config({ path: '/replication/', prefix: 'repl' }));
  await plan('replace');
  write(config({ kms: true }));
  await plan('iamBroadening');
  write(config({ backfill: false, events: false, latency: 600, failureEvents: false }));
  await plan('delete');

  // Changes made by hand since the last apply.
  write(config());
  await west.s3.send(new PutBucketVersioningCommand({ Bucket: 'acme-logs-dr', VersioningConfiguration: { Status: 'Suspended' } }));
  const east = clients(emu.url);
  await west.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: 's3repl-acme-logs-to-dr-latency',
      AlarmDescription: 's3repl: ReplicationLatency of replication rule to-dr (acme-logs → acme-logs-dr)',
      Namespace: 'AWS/S3',
      MetricName: 'ReplicationLatency',
      Dimensions: [
        { Name: 'SourceBucket', Value: 'acme-logs' },
        { Name: 'DestinationBucket', Value: 'acme-logs-dr' },
        { Name: 'RuleId', Value: 'to-dr' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [WEST_TOPIC],
      OKActions: [WEST_TOPIC],
    }),
  );
  await east.iam.send(
    new PutRolePolicyCommand({
      RoleName: 's3repl-replication',
      PolicyName: 's3repl-replication',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
    }),
  );
  await east.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ['s3repl-acme-logs-to-dr-failed-operations'] }));
  await plan('drift');

  // Adoption: what exists already and matches, in a new state, made by hand.
  const adoptDir = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  hand-src: {}
  hand-dst: { region: us-west-2, kmsKey: "${KMS_KEY}" }
roles:
  existing: { arn: "arn:aws:iam::${ACCOUNT}:role/hand-made" }
replications:
  - source: hand-src
    role: existing
    rules:
      - id: copy
        destination: { bucket: hand-dst }
`);
  await east.s3.send(new CreateBucketCommand({ Bucket: 'hand-src' }));
  await west.s3.send(new CreateBucketCommand({ Bucket: 'hand-dst', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
  for (const [c, b] of [[east, 'hand-src'], [west, 'hand-dst']] as const) {
    await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  await east.s3.send(
    new PutBucketReplicationCommand({
      Bucket: 'hand-src',
      ReplicationConfiguration: {
        Role: `arn:aws:iam::${ACCOUNT}:role/hand-made`,
        Rules: [{ ID: 'copy', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::hand-dst' } }],
      },
    }),
  );
  cwd = adoptDir;
  await plan('adopt');

  // Both sides of a cross-account replication: accounts: reaches the audit account
  // through a deployer role, so its bucket, bucket policy and replica key's policy are planned too.
  const B = '444455556666';
  await clients(emu.url, 'us-east-1', B).iam.send(
    new CreateRoleCommand({
      RoleName: 's3repl-deployer',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  // The replica key gets a fixed id (CreateKey picks a random one), so the plan is the same on every run.
  const keyId = '0c4f2d1e-7a3b-4e5f-8a9b-1c2d3e4f5a6b';
  const keys = (emu.services.kms.snapshot() as { keys: unknown[] }).keys;
  emu.services.kms.restore({
    keys: [
      ...keys,
      {
        keyId,
        arn: `arn:aws:kms:us-east-2:${B}:key/${keyId}`,
        accountId: B,
        region: 'us-east-2',
        description: 'audit replicas',
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:*', Resource: '*' }] }),
        creationDate: 0,
        enabled: true,
      },
    ],
  });
  cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
accounts:
  "${B}": { roleArn: "arn:aws:iam::${B}:role/s3repl-deployer" }
buckets:
  acme-ledger: { create: true }
  acme-ledger-copy: { region: us-east-2, account: "${B}", create: true }
roles:
  audit: { name: s3repl-audit }
replications:
  - source: acme-ledger
    role: audit
    rules:
      - id: copy
        destination: { bucket: acme-ledger-copy, ownerOverride: true }
        encryption: { sseKms: true, replicaKmsKey: "arn:aws:kms:us-east-2:${B}:key/${keyId}" }
`);
  await plan('crossAccount');
}, 120_000);
afterAll(() => emu.stop());

describe('real plans for the renderer tests', () => {
  it.each(Object.keys(REAL_PLANS))('%s is what s3repl plans today', async (name) => {
    await expect(made[name]).toMatchFileSnapshot(`plans/${name}.json`);
  });

  it('hold every kind and every action, replace for each of its reasons, and an adoption', () => {
    const changes = Object.keys(REAL_PLANS).flatMap((n) => (JSON.parse(made[n]!) as Plan).changes);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(allKinds().map((k) => k.kind)));
    expect(new Set(changes.map((c) => c.action))).toEqual(new Set(['create', 'update', 'replace', 'adopt', 'delete', 'forget', 'no-op']));
    expect(new Set(changes.map((c) => c.actionReason).filter(Boolean))).toEqual(
      new Set(['replace-because-id-changed', 'replace-because-cannot-update', 'replace-because-dependency-replaced']),
    );
    const adopted = (JSON.parse(made.adopt!) as Plan).changes;
    expect(adopted.map((c) => [c.address, c.action, c.reasons])).toEqual([
      // An existing bucket declared with a default key it does not have: read, shown with what to do, never changed.
      [
        'bucket-encryption.hand-dst',
        'adopt',
        [
          'it exists in AWS, is not in the state and carries no s3repl ownership marks for this state',
          `bucket hand-dst has no default SSE-KMS key, but the configuration says kmsKey: ${KMS_KEY}: remove kmsKey for bucket hand-dst in replication.yaml, or make that key the bucket's default encryption: the replication role may generate data keys only with kmsKey`,
          's3repl does not change a bucket it does not create: apply refuses this, and the role policy that relies on it',
        ],
      ],
      ['versioning.hand-dst', 'adopt', ['it exists in AWS, is not in the state and carries no s3repl ownership marks for this state']],
      ['versioning.hand-src', 'adopt', ['it exists in AWS, is not in the state and carries no s3repl ownership marks for this state']],
      ['replication.hand-src', 'adopt', ['it exists in AWS, is not in the state and carries no s3repl ownership marks for this state']],
    ]);
    const drift = JSON.parse(made.drift!) as Plan;
    expect(drift.drift.map((d) => `${d.status} ${d.address}`)).toEqual([
      'vanished alarm.acme-logs.to-dr.failed-operations',
      'changed alarm.acme-logs.to-dr.latency',
      'changed role-policy.replication',
      'changed versioning.acme-logs-dr',
    ]);
    expect((JSON.parse(made.iamBroadening!) as Plan).iam.broadened).toBe(true);

  });
});
