/**
 * The S3 Bucket Key of buckets s3repl does not create, read and compared with
 * `bucketKey` (the generated KMS conditions follow it): against the emulator,
 * a bucket with a Bucket Key declared `bucketKey: false` is drift naming the
 * bucket and the fix, in every drift format and in the plan; apply refuses it
 * without touching the bucket and puts no role policy relying on it; with
 * `bucketKey: true` there is no drift and the policy allows the bucket ARN.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetBucketEncryptionCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

let emu: Emulator;
let cwd: string;
let srcKey: string;
let dstKey: string;

const FIX = 'set bucketKey: true for bucket ek-src in replication.yaml, or turn the S3 Bucket Key off on the bucket';

const yaml = (bucketKey: boolean) => `version: 1
defaults: { region: us-east-1 }
buckets:
  ek-src: { bucketKey: ${bucketKey} }
  ek-dst: { create: true }
roles: { r: { name: ek-role } }
replications:
  - source: ek-src
    role: r
    rules:
      - id: all
        destination: { bucket: ek-dst }
        encryption: { sseKms: true, replicaKmsKey: "${'${DST_KEY}'}", sourceKmsKeys: ["${'${SRC_KEY}'}"] }
`;
const config = (bucketKey: boolean) => yaml(bucketKey).replace('${SRC_KEY}', srcKey).replace('${DST_KEY}', dstKey);

beforeAll(async () => {
  emu = await startEmulator();
  const kms = new KMSClient({ region: 'us-east-1', endpoint: emu.url, credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } });
  srcKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  dstKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const s3 = clients(emu.url).s3;
  await s3.send(new CreateBucketCommand({ Bucket: 'ek-src' }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: 'ek-src',
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: srcKey }, BucketKeyEnabled: true }] },
    }),
  );
  cwd = workdir(config(false));
});
afterAll(async () => {
  await emu.stop();
});

const cli = (args: string[]) => runCli(args, { cwd, endpoint: emu.url });
// Long plan comments wrap onto lines that start with `#` again.
const flat = (s: string) => s.replace(/\n\s*#\s+(?=[^(\s])/g, ' ').replace(/\s+/g, ' ');

describe('an existing bucket with an S3 Bucket Key declared bucketKey: false', () => {
  it('is drift in text, JSON and Markdown, naming the bucket and the fix (exit 2)', async () => {
    const text = await cli(['drift', '--no-color']);
    expect(text.code, text.stderr).toBe(2);
    expect(flat(text.stdout)).toContain('bucket-encryption.ek-src');
    expect(flat(text.stdout)).toContain(FIX);

    const json = await cli(['drift', '--format', 'json']);
    expect(json.code, json.stderr).toBe(2);
    const report = JSON.parse(json.stdout) as { hasDrift: boolean; pending: Array<{ address: string; kind: string; reasons: string[]; changes: Array<{ path: string; before?: unknown; after?: unknown }> }> };
    expect(report.hasDrift).toBe(true);
    const item = report.pending.find((p) => p.address === 'bucket-encryption.ek-src');
    expect(item?.kind).toBe('bucket-encryption');
    expect(item?.changes).toEqual([{ path: 'bucketKey', kind: 'changed', before: true, after: false }]);
    expect(item?.reasons.join(' ')).toContain(FIX);

    const md = await cli(['drift', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(2);
    expect(flat(md.stdout)).toContain(FIX);
  });

  it('comes first in the plan, with what to do', async () => {
    const plan = await cli(['plan', '--no-color', '--no-cost']);
    expect(plan.code, plan.stderr).toBe(0);
    const out = flat(plan.stdout);
    expect(out).toContain(FIX);
    const first = plan.stdout.indexOf('# bucket-encryption.ek-src');
    expect(first).toBeGreaterThanOrEqual(0);
    for (const other of ['# role-policy.r', '# replication.ek-src', '# bucket.ek-dst']) {
      expect(plan.stdout.indexOf(other)).toBeGreaterThan(first);
    }
  });

  it('apply refuses it: the bucket keeps its Bucket Key and no role policy relying on bucketKey: false is put', async () => {
    const applied = await cli(['apply', '--auto-approve', '--no-color']);
    expect(applied.code).toBe(1);
    expect(flat(applied.stdout + applied.stderr)).toContain(FIX);
    // s3repl's own refusal, not an AWS error: no error-code prefix before the message.
    expect(applied.stdout + applied.stderr).not.toContain('UserError');
    const enc = await clients(emu.url).s3.send(new GetBucketEncryptionCommand({ Bucket: 'ek-src' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.BucketKeyEnabled).toBe(true);
    await expect(clients(emu.url).iam.send(new GetRolePolicyCommand({ RoleName: 'ek-role', PolicyName: 's3repl-replication' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('with bucketKey: true it applies, drift is clean, and the policy allows the bucket ARN as encryption context', async () => {
    writeFileSync(path.join(cwd, 'replication.yaml'), config(true));
    const applied = await cli(['apply', '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    const drift = await cli(['drift', '--no-color']);
    expect(drift.code, drift.stdout).toBe(0);
    const policy = await clients(emu.url).iam.send(new GetRolePolicyCommand({ RoleName: 'ek-role', PolicyName: 's3repl-replication' }));
    const doc = JSON.parse(decodeURIComponent(policy.PolicyDocument!)) as { Statement: Array<{ Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> }> };
    const decrypt = doc.Statement.find((s) => [s.Action].flat().includes('kms:Decrypt') && [s.Resource].flat().includes(srcKey));
    expect([decrypt?.Condition?.StringLike?.['kms:EncryptionContext:aws:s3:arn']].flat()).toContain('arn:aws:s3:::ek-src');
  });

  it('a Bucket Key turned off by hand after that is drift again, and apply still leaves the bucket alone', async () => {
    await clients(emu.url).s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'ek-src',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: srcKey }, BucketKeyEnabled: false }] },
      }),
    );
    const json = await cli(['drift', '--format', 'json']);
    expect(json.code, json.stderr).toBe(2);
    const report = JSON.parse(json.stdout) as { drift: Array<{ address: string; status: string }>; pending: Array<{ address: string; cause: string; reasons: string[] }> };
    expect(report.drift).toContainEqual(expect.objectContaining({ address: 'bucket-encryption.ek-src', status: 'changed' }));
    const item = report.pending.find((p) => p.address === 'bucket-encryption.ek-src');
    expect(item?.cause).toBe('drift');
    expect(item?.reasons.join(' ')).toContain('set bucketKey: false for bucket ek-src in replication.yaml, or turn the S3 Bucket Key on on the bucket');
    const applied = await cli(['apply', '--auto-approve']);
    expect(applied.code).toBe(1);
    const enc = await clients(emu.url).s3.send(new GetBucketEncryptionCommand({ Bucket: 'ek-src' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.BucketKeyEnabled).toBe(false);
  });
});
