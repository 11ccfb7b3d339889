/**
 * Several accounts at once: STS AssumeRole into another account (trust
 * policy and ExternalId checked), bucket policies (with S3's validation),
 * Object Ownership, and replication into another account's bucket, which
 * FAILS with S3's failure reason until the destination's bucket policy
 * grants the role what it needs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import type { Emulator } from './server.js';
import { emulator, failure, iam, replicationPolicy, replicationRole, s3 } from './s3-testkit.js';

const A = '111111111111';
const B = '222222222222';

let emu: Emulator;

beforeEach(async () => {
  emu = await emulator();
});
afterEach(async () => emu.stop());

const sts = (accessKeyId: string, secretAccessKey = 'x', sessionToken?: string) =>
  new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: { accessKeyId, secretAccessKey, sessionToken }, maxAttempts: 1 });

const trustAccount = (account: string, condition?: object) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }],
  });

async function adminRoleInB(trust: string, name = 'deployer'): Promise<string> {
  const r = await iam(emu, B).send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  return r.Role!.Arn!;
}

describe('STS AssumeRole', () => {
  it('gives credentials that act in the role account as the assumed-role session', async () => {
    const roleArn = await adminRoleInB(trustAccount(A));
    const out = await sts(A).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl' }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.Expiration!.getTime()).toBeGreaterThan(Date.now());
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${B}:assumed-role/deployer/s3repl`);
    const me = await sts(c.AccessKeyId!, c.SecretAccessKey!, c.SessionToken!).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(B);
    expect(me.Arn).toBe(`arn:aws:sts::${B}:assumed-role/deployer/s3repl`);
    const asB = new S3Client({
      region: 'us-east-1',
      endpoint: emu.url,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    });
    await asB.send(new CreateBucketCommand({ Bucket: 'made-by-session' }));
    const inB = await s3(emu, 'us-east-1', B).send(new ListBucketsCommand({}));
    expect(inB.Buckets?.map((b) => b.Name)).toContain('made-by-session');
    const inA = await s3(emu, 'us-east-1', A).send(new ListBucketsCommand({}));
    expect(inA.Buckets?.map((b) => b.Name) ?? []).not.toContain('made-by-session');
  });

  it('refuses a caller the trust policy does not name, and a role that does not exist, with the same AccessDenied', async () => {
    const roleArn = await adminRoleInB(trustAccount('333333333333'));
    const denied = await failure(sts(A).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl' })));
    expect(denied).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${A}:user/emulator is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    });
    const missing = `arn:aws:iam::${B}:role/nobody`;
    expect(await failure(sts(A).send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 's3repl' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('requires the ExternalId the trust policy asks for', async () => {
    const roleArn = await adminRoleInB(trustAccount(A, { StringEquals: { 'sts:ExternalId': 'ext-123' } }));
    const client = sts(A);
    expect(await failure(client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl', ExternalId: 'ext-999' })))).toMatchObject({ name: 'AccessDenied' });
    const ok = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl', ExternalId: 'ext-123' }));
    expect(ok.AssumedRoleUser?.Arn).toContain(`:${B}:assumed-role/deployer/s3repl`);
  });

  it('validates the session name and duration as STS does', async () => {
    const roleArn = await adminRoleInB(trustAccount(A));
    const bad = await failure(sts(A).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'has space' })));
    expect(bad).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(bad.message).toContain("at 'roleSessionName' failed to satisfy constraint");
    const long = await failure(sts(A).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's3repl', DurationSeconds: 7200 })));
    expect(long).toMatchObject({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  });
});

describe('bucket policies', () => {
  const policy = (bucket: string, principal: unknown, resource = `arn:aws:s3:::${bucket}/*`) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'One', Effect: 'Allow', Principal: principal, Action: 's3:ReplicateObject', Resource: resource }] });

  it('puts, gets and deletes a policy; a bucket without one is NoSuchBucketPolicy', async () => {
    const client = s3(emu, 'us-east-1', B);
    await client.send(new CreateBucketCommand({ Bucket: 'pol' }));
    expect(await failure(client.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
    const text = policy('pol', { AWS: A });
    await client.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: text }));
    expect((await client.send(new GetBucketPolicyCommand({ Bucket: 'pol' }))).Policy).toBe(text);
    await client.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));
    expect(await failure(client.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toMatchObject({ name: 'NoSuchBucketPolicy' });
  });

  it('rejects what S3 rejects: bad JSON, a resource outside the bucket, a principal that does not exist, a public policy under Block Public Access', async () => {
    const client = s3(emu, 'us-east-1', B);
    await client.send(new CreateBucketCommand({ Bucket: 'pol' }));
    const put = (Policy: string) => failure(client.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy })));
    expect(await put('not json')).toMatchObject({ name: 'MalformedPolicy', status: 400, message: "Policies must be valid JSON and the first byte must be '{'" });
    expect(await put(policy('pol', { AWS: A }, 'arn:aws:s3:::other/*'))).toMatchObject({ name: 'MalformedPolicy', message: 'Policy has invalid resource' });
    expect(await put(policy('pol', { AWS: `arn:aws:iam::${A}:role/not-there` }))).toMatchObject({ name: 'MalformedPolicy', message: 'Invalid principal in policy' });
    expect(await put(policy('pol', '*'))).toMatchObject({ name: 'AccessDenied', status: 403 });
    // An existing role is a valid principal.
    const role = await replicationRole(emu, 'repl', 'src', ['pol']);
    await client.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: policy('pol', { AWS: role }) }));
    // Without Block Public Access the public policy is accepted.
    await client.send(new PutPublicAccessBlockCommand({ Bucket: 'pol', PublicAccessBlockConfiguration: { BlockPublicPolicy: false } }));
    await client.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: policy('pol', '*') }));
  });

  it('is the owner account business: another account gets AccessDenied', async () => {
    await s3(emu, 'us-east-1', B).send(new CreateBucketCommand({ Bucket: 'pol' }));
    expect(await failure(s3(emu, 'us-east-1', A).send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });
});

describe('Object Ownership', () => {
  it('starts BucketOwnerEnforced, takes another setting, and 404s once deleted', async () => {
    const client = s3(emu);
    await client.send(new CreateBucketCommand({ Bucket: 'own' }));
    const got = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'own' }));
    expect(got.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    await client.send(new PutBucketOwnershipControlsCommand({ Bucket: 'own', OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }));
    expect((await client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'own' }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('ObjectWriter');
    await client.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'own' }));
    expect(await failure(client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'own' })))).toMatchObject({
      name: 'OwnershipControlsNotFoundError',
      status: 404,
    });
  });

  it('takes the setting from CreateBucket', async () => {
    const client = s3(emu);
    await client.send(new CreateBucketCommand({ Bucket: 'own2', ObjectOwnership: 'BucketOwnerPreferred' }));
    expect((await client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'own2' }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe(
      'BucketOwnerPreferred',
    );
  });
});

describe('replication into another account', () => {
  const grant = (role: string, actions: string[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Objects', Effect: 'Allow', Principal: { AWS: role }, Action: actions, Resource: 'arn:aws:s3:::dst-b/*' },
        { Sid: 'Bucket', Effect: 'Allow', Principal: { AWS: role }, Action: ['s3:List*', 's3:GetBucketVersioning', 's3:PutBucketVersioning'], Resource: 'arn:aws:s3:::dst-b' },
      ],
    });

  async function setup(ownerOverride: boolean): Promise<{ role: string; a: S3Client; b: S3Client }> {
    const a = s3(emu, 'us-east-1', A);
    const b = s3(emu, 'us-east-1', B);
    await a.send(new CreateBucketCommand({ Bucket: 'src-a' }));
    await a.send(new PutBucketVersioningCommand({ Bucket: 'src-a', VersioningConfiguration: { Status: 'Enabled' } }));
    await b.send(new CreateBucketCommand({ Bucket: 'dst-b' }));
    await b.send(new PutBucketVersioningCommand({ Bucket: 'dst-b', VersioningConfiguration: { Status: 'Enabled' } }));
    const doc = JSON.parse(replicationPolicy('src-a', ['dst-b'])) as { Statement: Array<{ Action: string[] }> };
    doc.Statement[2]!.Action.push('s3:ObjectOwnerOverrideToBucketOwner');
    const role = await replicationRole(emu, 'repl-a', 'src-a', ['dst-b'], JSON.stringify(doc));
    await a.send(
      new PutBucketReplicationCommand({
        Bucket: 'src-a',
        ReplicationConfiguration: {
          Role: role,
          Rules: [
            {
              ID: 'to-b',
              Priority: 1,
              Status: 'Enabled',
              Filter: { Prefix: '' },
              DeleteMarkerReplication: { Status: 'Disabled' },
              Destination: { Bucket: 'arn:aws:s3:::dst-b', Account: B, ...(ownerOverride ? { AccessControlTranslation: { Owner: 'Destination' } } : {}) },
            },
          ],
        },
      }),
    );
    return { role, a, b };
  }

  const reasonOf = (key: string) => emu.services.s3.state.buckets['src-a']!.objects[key]![0]!.failureReason;

  it('FAILS with DstPutObjectNotPermitted until the destination bucket policy grants the role', async () => {
    const { role, a, b } = await setup(false);
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'one', Body: '1' }));
    await emu.settled();
    expect((await a.send(new HeadObjectCommand({ Bucket: 'src-a', Key: 'one' }))).ReplicationStatus).toBe('FAILED');
    expect(reasonOf('one')).toBe('DstPutObjectNotPermitted');
    expect(await failure(b.send(new HeadObjectCommand({ Bucket: 'dst-b', Key: 'one' })))).toMatchObject({ status: 404 });

    await b.send(new PutBucketPolicyCommand({ Bucket: 'dst-b', Policy: grant(role, ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags']) }));
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'two', Body: '2' }));
    await emu.settled();
    expect((await a.send(new HeadObjectCommand({ Bucket: 'src-a', Key: 'two' }))).ReplicationStatus).toBe('COMPLETED');
    expect((await b.send(new HeadObjectCommand({ Bucket: 'dst-b', Key: 'two' }))).ReplicationStatus).toBe('REPLICA');

    // Removing the grant by hand makes replication fail again.
    await b.send(new DeleteBucketPolicyCommand({ Bucket: 'dst-b' }));
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'three', Body: '3' }));
    await emu.settled();
    expect((await a.send(new HeadObjectCommand({ Bucket: 'src-a', Key: 'three' }))).ReplicationStatus).toBe('FAILED');
  });

  it('with owner override, also needs s3:ObjectOwnerOverrideToBucketOwner in the bucket policy', async () => {
    const { role, a, b } = await setup(true);
    await b.send(new PutBucketPolicyCommand({ Bucket: 'dst-b', Policy: grant(role, ['s3:ReplicateObject', 's3:ReplicateDelete']) }));
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'one', Body: '1' }));
    await emu.settled();
    expect(reasonOf('one')).toBe('DstPutObjectNotPermitted');
    await b.send(
      new PutBucketPolicyCommand({ Bucket: 'dst-b', Policy: grant(role, ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ObjectOwnerOverrideToBucketOwner']) }),
    );
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'two', Body: '2' }));
    await emu.settled();
    expect((await a.send(new HeadObjectCommand({ Bucket: 'src-a', Key: 'two' }))).ReplicationStatus).toBe('COMPLETED');
    expect(reasonOf('two')).toBeUndefined();
  });

  it('an account-wide grant (the source account as principal) is enough', async () => {
    const { a, b } = await setup(false);
    await b.send(
      new PutBucketPolicyCommand({
        Bucket: 'dst-b',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 's3:Replicate*', Resource: 'arn:aws:s3:::dst-b/*' }] }),
      }),
    );
    await a.send(new PutObjectCommand({ Bucket: 'src-a', Key: 'k', Body: 'v' }));
    await emu.settled();
    expect((await a.send(new HeadObjectCommand({ Bucket: 'src-a', Key: 'k' }))).ReplicationStatus).toBe('COMPLETED');
  });
});
