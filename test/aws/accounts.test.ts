/**
 * Per-account clients (replication.yaml's `accounts:`): a role assumed with
 * the default credentials, or a named profile; the AssumeRole call goes to
 * --endpoint-url / AWS_ENDPOINT_URL_STS like every other call.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AwsClients } from '../../src/aws/clients.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';

const A = '111111111111';
const B = '222222222222';
let emu: Emulator;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 's3repl-accounts-'));
});
afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emu.reset();
  process.env.AWS_ACCESS_KEY_ID = A;
  process.env.AWS_SECRET_ACCESS_KEY = 'emulator-secret';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});
afterEach(() => {
  process.env = { ...savedEnv };
});

async function deployerRoleInB(condition?: object): Promise<string> {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }] };
  const r = await clients(emu.url, 'us-east-1', B).iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  return r.Role!.Arn!;
}

describe('AwsClients.forAccount', () => {
  it('assumes the role once and acts in its account, counting calls with the parent', async () => {
    const roleArn = await deployerRoleInB();
    const aws = new AwsClients({ endpointUrl: emu.url, region: 'us-east-1', maxAttempts: 1 });
    const b = aws.forAccount(B, { roleArn });
    expect(await aws.accountId()).toBe(A);
    expect(await b.accountId()).toBe(B);
    await b.s3('us-east-1').send(new CreateBucketCommand({ Bucket: 'in-b' }));
    await b.s3('us-west-2').send(new ListBucketsCommand({}));
    const listed = await clients(emu.url, 'us-east-1', B).s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((x) => x.Name)).toEqual(['in-b']);
    expect(emu.calls()['sts:AssumeRole']).toBe(1);
    expect(aws.calls.get('s3:CreateBucket')).toBe(1);
    expect(aws.forAccount(B, { roleArn })).toBe(b);
    aws.destroy();
  });

  it('sends the ExternalId, and fails with STS AccessDenied without the one the trust policy wants', async () => {
    const roleArn = await deployerRoleInB({ StringEquals: { 'sts:ExternalId': 'acme-audit' } });
    const aws = new AwsClients({ endpointUrl: emu.url, region: 'us-east-1', maxAttempts: 1 });
    expect(await aws.forAccount(B, { roleArn, externalId: 'acme-audit', sessionName: 'ci-run' }).accountId()).toBe(B);
    const wrong = new AwsClients({ endpointUrl: emu.url, region: 'us-east-1', maxAttempts: 1 });
    await expect(wrong.forAccount(B, { roleArn, externalId: 'nope' }).accountId()).rejects.toMatchObject({ name: 'AccessDenied' });
    aws.destroy();
    wrong.destroy();
  });

  it('sends AssumeRole to AWS_ENDPOINT_URL_STS', async () => {
    const roleArn = await deployerRoleInB();
    const aws = new AwsClients({ region: 'us-east-1', maxAttempts: 1, env: { AWS_ENDPOINT_URL_STS: emu.url, AWS_ENDPOINT_URL_S3: emu.url } });
    await aws.forAccount(B, { roleArn }).s3('us-east-1').send(new CreateBucketCommand({ Bucket: 'via-sts-endpoint' }));
    expect(emu.calls()['sts:AssumeRole']).toBe(1);
    const listed = await clients(emu.url, 'us-east-1', B).s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((x) => x.Name)).toEqual(['via-sts-endpoint']);
    aws.destroy();
  });

  it('uses a named profile for the account', async () => {
    const credentials = join(dir, 'credentials');
    writeFileSync(credentials, `[audit]\naws_access_key_id = ${B}\naws_secret_access_key = audit-secret\n`);
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_CONFIG_FILE = join(dir, 'config-none');
    const aws = new AwsClients({ endpointUrl: emu.url, region: 'us-east-1', maxAttempts: 1 });
    expect(await aws.forAccount(B, { profile: 'audit' }).accountId()).toBe(B);
    expect(emu.calls()['sts:AssumeRole']).toBeUndefined();
    aws.destroy();
  });
});
