/**
 * examples/cross-account.yaml end to end, both sides: one apply configures the
 * source in account A and the destination (bucket, versioning, bucket policy,
 * the replica key's policy) in account B through an assumed role; objects
 * (SSE-S3 and SSE-KMS) replicate; removing a grant by hand shows as drift, and
 * replication FAILS (status reports it); destroy removes s3repl's statements
 * and keeps everyone else's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { ROOT, runCli, workdir } from '../helpers/cli.js';

const A = '111122223333';
const B = '444455556666';
const EXAMPLE = readFileSync(path.join(ROOT, 'examples/cross-account.yaml'), 'utf8');

let emu: Emulator;
let cwd: string;
let replicaKey: string;
let sourceKey: string;
const kms = (account: string, region: string) =>
  new KMSClient({ region, endpoint: emu.url, credentials: { accessKeyId: account, secretAccessKey: 'emulator' }, maxAttempts: 1 });
const keyPolicyOf = async () =>
  JSON.parse((await kms(B, 'us-east-2').send(new GetKeyPolicyCommand({ KeyId: replicaKey, PolicyName: 'default' }))).Policy!) as Policy;
const run = (args: string[]) => runCli(args, { cwd, endpoint: emu.url, account: A });
const inA = () => clients(emu.url, 'us-east-1', A);
const inB = () => clients(emu.url, 'us-east-2', B);

interface Policy {
  Statement: Array<{ Sid?: string; Action: string[] | string; Principal: unknown }>;
}
const policyOf = async (): Promise<Policy> =>
  JSON.parse((await inB().s3.send(new GetBucketPolicyCommand({ Bucket: 'acme-ledger-audit' }))).Policy!) as Policy;

const FOREIGN = { Sid: 'AuditorsRead', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-ledger-audit/*' };

beforeAll(async () => {
  emu = await startEmulator({ replicationDelayMs: 5 });
  // The audit account's deployer role, trusting the production account with an external id.
  await clients(emu.url, 'us-east-1', B).iam.send(
    new CreateRoleCommand({
      RoleName: 's3repl-deployer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'acme-ledger-audit' } },
          },
        ],
      }),
    }),
  );
  // The audit account's replica key exists already (s3repl does not create keys); so does the source's.
  replicaKey = (await kms(B, 'us-east-2').send(new CreateKeyCommand({ Description: 'audit replicas' }))).KeyMetadata!.Arn!;
  sourceKey = (await kms(A, 'us-east-1').send(new CreateKeyCommand({ Description: 'ledger' }))).KeyMetadata!.Arn!;
  const example = EXAMPLE.replace(/arn:aws:kms:us-east-2:444455556666:key\/[0-9a-f-]+/, replicaKey);
  expect(example).toContain(replicaKey);
  cwd = workdir(example);
});
afterAll(async () => emu.stop());

describe('examples/cross-account.yaml', () => {
  it('plans both accounts, then one apply configures both sides', async () => {
    const plan = await run(['plan', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      changes: Array<{ address: string; action: string; id: Record<string, string> }>;
      iam: { broadened: boolean; statements: Array<{ address: string; actions: string[] }> };
    };
    const changes = planned.changes;
    expect(changes.find((c) => c.address === 'bucket-policy.acme-ledger-audit')!.id.account).toBe(B);
    // The widening analysis covers the bucket policy too.
    expect(planned.iam.broadened).toBe(true);
    expect(planned.iam.statements.filter((st) => st.address === 'bucket-policy.acme-ledger-audit').flatMap((st) => st.actions)).toContain('s3:ObjectOwnerOverrideToBucketOwner');
    expect(changes.map((c) => c.address).sort()).toEqual([
      'bucket-policy.acme-ledger-audit',
      'bucket.acme-ledger',
      'bucket.acme-ledger-audit',
      `key-policy.${replicaKey.split('/')[1]}`,
      'replication.acme-ledger',
      'role-policy.audit',
      'role.audit',
      'versioning.acme-ledger',
      'versioning.acme-ledger-audit',
    ]);

    const text = await run(['plan']);
    expect(text.stdout).toContain(`Account ${A} (default credentials):`);
    expect(text.stdout.indexOf(`Account ${B}:`)).toBeGreaterThan(text.stdout.indexOf('bucket.acme-ledger '));

    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    expect(emu.calls()['sts:AssumeRole']).toBeGreaterThanOrEqual(1);

    // Account A: the source and its replication configuration.
    const rep = await inA().s3.send(new GetBucketReplicationCommand({ Bucket: 'acme-ledger' }));
    expect(rep.ReplicationConfiguration?.Rules?.[0]?.Destination).toMatchObject({ Account: B, AccessControlTranslation: { Owner: 'Destination' } });
    // Account B: versioned, ACLs disabled, the role granted in the bucket policy (owner override included).
    expect((await inB().s3.send(new GetBucketVersioningCommand({ Bucket: 'acme-ledger-audit' }))).Status).toBe('Enabled');
    const own = await inB().s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acme-ledger-audit' }));
    expect(own.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    const policy = await policyOf();
    const actions = policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ObjectOwnerOverrideToBucketOwner', 's3:GetBucketVersioning']));
    expect(policy.Statement.every((s) => s.Sid?.startsWith('S3repl'))).toBe(true);
    // Account B: the replica key's policy lets the role encrypt, beside the key's own statements.
    const keyPolicy = await keyPolicyOf();
    expect(keyPolicy.Statement.map((st) => st.Sid)).toEqual(['Enable IAM User Permissions', expect.stringMatching(/^S3replReplicaEncryption/)]);
    expect(keyPolicy.Statement[1]!.Principal).toEqual({ AWS: [`arn:aws:iam::${A}:role/s3repl-ledger-audit`] });

    const again = await run(['plan', '--detailed-exitcode']);
    expect(again.stdout + again.stderr).toContain('No changes');
    expect(again.code).toBe(0);
  });

  it('replicates objects into the other account', async () => {
    await inA().s3.send(new PutObjectCommand({ Bucket: 'acme-ledger', Key: '2030/01/ledger.csv', Body: 'a,b\n' }));
    await emu.settled();
    expect((await inA().s3.send(new HeadObjectCommand({ Bucket: 'acme-ledger', Key: '2030/01/ledger.csv' }))).ReplicationStatus).toBe('COMPLETED');
    const replica = await inB().s3.send(new HeadObjectCommand({ Bucket: 'acme-ledger-audit', Key: '2030/01/ledger.csv' }));
    expect(replica.ReplicationStatus).toBe('REPLICA');
    expect(replica.StorageClass).toBe('GLACIER_IR');

    await inA().s3.send(new PutObjectCommand({ Bucket: 'acme-ledger', Key: '2030/01/secret.csv', Body: 'k', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sourceKey }));
    await emu.settled();
    expect((await inA().s3.send(new HeadObjectCommand({ Bucket: 'acme-ledger', Key: '2030/01/secret.csv' }))).ReplicationStatus).toBe('COMPLETED');
    expect((await inB().s3.send(new HeadObjectCommand({ Bucket: 'acme-ledger-audit', Key: '2030/01/secret.csv' }))).SSEKMSKeyId).toBe(replicaKey);
  });

  it("removing the key grant by hand shows as drift, and SSE-KMS objects FAIL to replicate", async () => {
    const keyPolicy = await keyPolicyOf();
    await kms(B, 'us-east-2').send(
      new PutKeyPolicyCommand({ KeyId: replicaKey, PolicyName: 'default', Policy: JSON.stringify({ ...keyPolicy, Statement: keyPolicy.Statement.slice(0, 1) }) }),
    );
    const drift = await run(['drift']);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stdout).toContain(`key-policy.${replicaKey.split('/')[1]}`);
    await inA().s3.send(new PutObjectCommand({ Bucket: 'acme-ledger', Key: '2030/01/secret2.csv', Body: 'k', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sourceKey }));
    await emu.settled();
    expect(emu.services.s3.state.buckets['acme-ledger']!.objects['2030/01/secret2.csv']![0]!.failureReason).toBe('DstPutObjectNotPermitted');
    // apply puts it back.
    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    expect((await keyPolicyOf()).Statement).toHaveLength(2);
  });

  it('keeps statements it does not own when it merges its own', async () => {
    const mine = (await policyOf()).Statement;
    await inB().s3.send(new PutBucketPolicyCommand({ Bucket: 'acme-ledger-audit', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [...mine, FOREIGN] }) }));
    const plan = await run(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('removing the grant by hand shows as drift, replication FAILS, and status says so', async () => {
    await inB().s3.send(new PutBucketPolicyCommand({ Bucket: 'acme-ledger-audit', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN] }) }));
    const drift = await run(['drift']);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stdout).toContain('bucket-policy.acme-ledger-audit');

    await inA().s3.send(new PutObjectCommand({ Bucket: 'acme-ledger', Key: '2030/02/ledger.csv', Body: 'c,d\n' }));
    await emu.settled();
    expect((await inA().s3.send(new HeadObjectCommand({ Bucket: 'acme-ledger', Key: '2030/02/ledger.csv' }))).ReplicationStatus).toBe('FAILED');
    expect(emu.services.s3.state.buckets['acme-ledger']!.objects['2030/02/ledger.csv']![0]!.failureReason).toBe('DstPutObjectNotPermitted');

    const status = await run(['status', '--format', 'json']);
    expect(status.code, status.stderr).toBe(2);
    expect(status.stdout).toContain('failing');
    expect(status.stdout).toContain('failed to replicate');
  });

  it('apply puts the grant back beside the foreign statement; destroy removes only its own', async () => {
    const apply = await run(['apply', '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    const sids = (await policyOf()).Statement.map((s) => s.Sid).sort();
    expect(sids).toHaveLength(3);
    expect(sids[0]).toBe('AuditorsRead');

    const destroy = await run(['destroy', '--auto-approve']);
    expect(destroy.code, destroy.stderr + destroy.stdout).toBe(0);
    expect((await policyOf()).Statement.map((s) => s.Sid)).toEqual(['AuditorsRead']);
    expect((await keyPolicyOf()).Statement.map((s) => s.Sid)).toEqual(['Enable IAM User Permissions']);
  });
});

describe('accounts: credentials that do not reach the account', () => {
  it('plan fails naming the account when the role does not trust the caller (wrong externalId)', async () => {
    const dir = workdir(EXAMPLE.replace('externalId: acme-ledger-audit', 'externalId: wrong-id'));
    const r = await runCli(['plan'], { cwd: dir, endpoint: emu.url, account: A });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`s3repl cannot reach account ${B} with the credentials accounts: gives for it`);
    expect(r.stderr).toContain('is not authorized to perform: sts:AssumeRole');
  });

  it('plan fails when a profile belongs to another account', async () => {
    const dir = workdir(EXAMPLE.replace(/roleArn: .*\n\s*externalId: .*\n/, 'profile: audit\n'));
    writeFileSync(path.join(dir, 'credentials'), `[audit]\naws_access_key_id = ${A}\naws_secret_access_key = x\n`);
    const r = await runCli(['plan'], { cwd: dir, endpoint: emu.url, account: A, env: { AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') } });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain(`the credentials accounts."${B}" gives are for account ${A}`);
  });
});
