/**
 * KMS keys and key policies, SSE-KMS objects, and replication of SSE-KMS
 * objects into another account: the replica key's policy must allow the role.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { Emulator } from './server.js';
import { emulator, failure, replicationRole, s3 } from './s3-testkit.js';

const A = '111111111111';
const B = '222222222222';
let emu: Emulator;

beforeEach(async () => {
  emu = await emulator();
});
afterEach(async () => emu.stop());

const kms = (account: string, region = 'us-east-1') =>
  new KMSClient({ region, endpoint: emu.url, credentials: { accessKeyId: account, secretAccessKey: 'x' }, maxAttempts: 1 });

const keyPolicy = (account: string, extra: object[] = []) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }, ...extra],
  });

describe('KMS keys', () => {
  it('creates a key with the default policy, describes it and reads the policy', async () => {
    const created = await kms(A).send(new CreateKeyCommand({ Description: 'replicas' }));
    const meta = created.KeyMetadata!;
    expect(meta.Arn).toBe(`arn:aws:kms:us-east-1:${A}:key/${meta.KeyId}`);
    expect(meta.KeyState).toBe('Enabled');
    expect((await kms(A).send(new DescribeKeyCommand({ KeyId: meta.Arn }))).KeyMetadata?.Description).toBe('replicas');
    const policy = JSON.parse((await kms(A).send(new GetKeyPolicyCommand({ KeyId: meta.KeyId }))).Policy!);
    expect(policy.Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${A}:root` });
    expect(await failure(kms(A).send(new DescribeKeyCommand({ KeyId: 'no-such-key' })))).toMatchObject({ name: 'NotFoundException' });
  });

  it('refuses a policy that locks the caller out, or names a principal that does not exist', async () => {
    const { KeyMetadata } = await kms(A).send(new CreateKeyCommand({}));
    const lockout = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:*', Resource: '*' }] });
    expect(await failure(kms(A).send(new PutKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId, Policy: lockout })))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'The new key policy will not allow you to update the key policy in the future.',
    });
    const ghost = keyPolicy(A, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/ghost` }, Action: 'kms:Encrypt', Resource: '*' }]);
    expect(await failure(kms(A).send(new PutKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId, Policy: ghost })))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy contains a statement with one or more invalid principals.',
    });
  });

  it("another account cannot read a key policy that does not name it", async () => {
    const { KeyMetadata } = await kms(A).send(new CreateKeyCommand({}));
    expect(await failure(kms(B).send(new GetKeyPolicyCommand({ KeyId: KeyMetadata!.Arn })))).toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('SSE-KMS objects and their replication into another account', () => {
  async function setup(): Promise<{ role: string; srcKey: string; dstKey: string }> {
    const a = s3(emu, 'us-east-1', A);
    const b = s3(emu, 'us-east-1', B);
    const srcKey = (await kms(A).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const dstKey = (await kms(B).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    for (const [client, name] of [[a, 'src-a'], [b, 'dst-b']] as const) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'], Resource: 'arn:aws:s3:::src-a/*' },
        { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: 'arn:aws:s3:::dst-b/*' },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: srcKey },
        { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: dstKey },
      ],
    });
    const role = await replicationRole(emu, 'kms-role', 'src-a', ['dst-b'], policy);
    await b.send(
      new PutBucketPolicyCommand({
        Bucket: 'dst-b',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: role }, Action: ['s3:ReplicateObject', 's3:ReplicateDelete'], Resource: 'arn:aws:s3:::dst-b/*' }] }),
      }),
    );
    await a.send(
      new PutBucketReplicationCommand({
        Bucket: 'src-a',
        ReplicationConfiguration: {
          Role: role,
          Rules: [
            {
              ID: 'kms',
              Priority: 1,
              Status: 'Enabled',
              Filter: { Prefix: 'enc/' },
              DeleteMarkerReplication: { Status: 'Disabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              Destination: { Bucket: 'arn:aws:s3:::dst-b', Account: B, EncryptionConfiguration: { ReplicaKmsKeyID: dstKey } },
            },
            {
              ID: 'plain',
              Priority: 2,
              Status: 'Enabled',
              Filter: { Prefix: 'plain/' },
              DeleteMarkerReplication: { Status: 'Disabled' },
              Destination: { Bucket: 'arn:aws:s3:::dst-b', Account: B },
            },
          ],
        },
      }),
    );
    return { role, srcKey, dstKey };
  }

  const put = (key: string, kmsKey?: string) =>
    s3(emu, 'us-east-1', A).send(
      new PutObjectCommand({ Bucket: 'src-a', Key: key, Body: 'secret', ...(kmsKey ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKey } : {}) }),
    );
  const head = (bucket: string, key: string, account: string) => s3(emu, 'us-east-1', account).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

  it('writes and reads an SSE-KMS object; refuses a key that does not exist', async () => {
    const { srcKey } = await setup();
    const out = await put('enc/a', srcKey);
    expect(out.ServerSideEncryption).toBe('aws:kms');
    expect((await head('src-a', 'enc/a', A)).SSEKMSKeyId).toBe(srcKey);
    expect(await failure(put('enc/b', `arn:aws:kms:us-east-1:${A}:key/00000000-0000-0000-0000-000000000000`))).toMatchObject({ status: 400 });
  });

  it("FAILS with DstPutObjectNotPermitted until the replica key's policy allows the role; the replica is encrypted with the replica key", async () => {
    const { role, srcKey, dstKey } = await setup();
    await put('enc/one', srcKey);
    await emu.settled();
    expect((await head('src-a', 'enc/one', A)).ReplicationStatus).toBe('FAILED');
    expect(emu.services.s3.state.buckets['src-a']!.objects['enc/one']![0]!.failureReason).toBe('DstPutObjectNotPermitted');

    await kms(B).send(
      new PutKeyPolicyCommand({
        KeyId: dstKey,
        Policy: keyPolicy(B, [{ Sid: 'Replication', Effect: 'Allow', Principal: { AWS: role }, Action: ['kms:Encrypt', 'kms:GenerateDataKey*'], Resource: '*' }]),
      }),
    );
    await put('enc/two', srcKey);
    await emu.settled();
    expect((await head('src-a', 'enc/two', A)).ReplicationStatus).toBe('COMPLETED');
    const replica = await head('dst-b', 'enc/two', B);
    expect(replica.ServerSideEncryption).toBe('aws:kms');
    expect(replica.SSEKMSKeyId).toBe(dstKey);
  });

  it('does not replicate an SSE-KMS object under a rule that does not opt in', async () => {
    const { srcKey } = await setup();
    await put('plain/x', srcKey);
    await put('plain/y');
    await emu.settled();
    expect((await head('src-a', 'plain/x', A)).ReplicationStatus).toBeUndefined();
    expect((await head('src-a', 'plain/y', A)).ReplicationStatus).toBe('COMPLETED');
  });
});

describe('S3 Bucket Keys: KMS sees the bucket ARN as encryption context (docs/aws-behaviour.md, "KMS: S3 Bucket Key encryption context")', () => {
  const a = () => s3(emu, 'us-east-1', A);

  it('GetBucketEncryption states BucketKeyEnabled, false unless it was put true', async () => {
    await a().send(new CreateBucketCommand({ Bucket: 'enc-bk' }));
    const rule = async () => (await a().send(new GetBucketEncryptionCommand({ Bucket: 'enc-bk' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    expect(await rule()).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false });
    const key = (await kms(A).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const put = (BucketKeyEnabled?: boolean) =>
      a().send(
        new PutBucketEncryptionCommand({
          Bucket: 'enc-bk',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, ...(BucketKeyEnabled === undefined ? {} : { BucketKeyEnabled }) }] },
        }),
      );
    await put(true);
    expect(await rule()).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true });
    await put();
    expect((await rule()).BucketKeyEnabled).toBe(false);
  });

  /** Source and destination in one account; the role's KMS grants carry the encryption-context condition given. */
  async function setup(context: { source: string[]; destination: string[]; replicaDecrypt?: boolean }, viaService = 's3.us-east-1.amazonaws.com') {
    const srcKey = (await kms(A).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const dstKey = (await kms(A).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    for (const name of ['src-bk', 'dst-bk']) {
      await a().send(new CreateBucketCommand({ Bucket: name }));
      await a().send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    const condition = (arns: string[]) => ({ StringLike: { 'kms:ViaService': viaService, 'kms:EncryptionContext:aws:s3:arn': arns } });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'], Resource: 'arn:aws:s3:::src-bk/*' },
        { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: 'arn:aws:s3:::dst-bk/*' },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: srcKey, Condition: condition(context.source) },
        { Effect: 'Allow', Action: context.replicaDecrypt ? ['kms:Decrypt', 'kms:Encrypt'] : 'kms:Encrypt', Resource: dstKey, Condition: condition(context.destination) },
      ],
    });
    const role = await replicationRole(emu, 'bk-role', 'src-bk', ['dst-bk'], policy);
    await a().send(
      new PutBucketReplicationCommand({
        Bucket: 'src-bk',
        ReplicationConfiguration: {
          Role: role,
          Rules: [
            {
              ID: 'kms',
              Priority: 1,
              Status: 'Enabled',
              Filter: { Prefix: '' },
              DeleteMarkerReplication: { Status: 'Disabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              Destination: { Bucket: 'arn:aws:s3:::dst-bk', EncryptionConfiguration: { ReplicaKmsKeyID: dstKey } },
            },
          ],
        },
      }),
    );
    const bucketKey = (bucket: string, key: string) =>
      a().send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }] },
        }),
      );
    const write = async (key: string) => {
      await a().send(new PutObjectCommand({ Bucket: 'src-bk', Key: key, Body: 'secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: srcKey }));
      await emu.settled();
      const v = emu.services.s3.state.buckets['src-bk']!.objects[key]![0]!;
      return { status: v.replicationStatus, reason: v.failureReason };
    };
    return { srcKey, dstKey, bucketKey, write };
  }

  const objectArns = { source: ['arn:aws:s3:::src-bk/*'], destination: ['arn:aws:s3:::dst-bk/*'] };
  const both = { source: ['arn:aws:s3:::src-bk', 'arn:aws:s3:::src-bk/*'], destination: ['arn:aws:s3:::dst-bk', 'arn:aws:s3:::dst-bk/*'], replicaDecrypt: true };

  it('object-ARN conditions replicate while no Bucket Key is in use', async () => {
    const { write } = await setup(objectArns);
    expect(await write('a')).toEqual({ status: 'COMPLETED', reason: undefined });
  });

  it("a Bucket Key on the source: a policy with object-ARN conditions cannot decrypt (FAILED); objects written before keep the object ARN", async () => {
    const { write, bucketKey, srcKey } = await setup(objectArns);
    expect(await write('before')).toMatchObject({ status: 'COMPLETED' });
    await bucketKey('src-bk', srcKey);
    expect(await write('after')).toEqual({ status: 'FAILED', reason: 'SrcGetObjectNotPermitted' });
    expect((await a().send(new HeadObjectCommand({ Bucket: 'src-bk', Key: 'after' }))).BucketKeyEnabled).toBe(true);
  });

  it('a Bucket Key on the destination: a policy with object-ARN conditions cannot encrypt the replica (FAILED)', async () => {
    const { write, bucketKey, dstKey } = await setup(objectArns);
    await bucketKey('dst-bk', dstKey);
    expect(await write('x')).toEqual({ status: 'FAILED', reason: 'DstPutObjectNotPermitted' });
  });

  it('bucket-ARN conditions (as s3repl writes them with bucketKey: true) replicate with Bucket Keys on both sides; the replica uses one too', async () => {
    const { write, bucketKey, srcKey, dstKey } = await setup(both);
    await bucketKey('src-bk', srcKey);
    await bucketKey('dst-bk', dstKey);
    expect(await write('y')).toEqual({ status: 'COMPLETED', reason: undefined });
    const replica = await a().send(new HeadObjectCommand({ Bucket: 'dst-bk', Key: 'y' }));
    expect(replica).toMatchObject({ SSEKMSKeyId: dstKey, BucketKeyEnabled: true });
  });

  it('a Bucket Key on the source only: the replica keeps it, so its context is the destination bucket ARN', async () => {
    const { write, bucketKey, srcKey } = await setup({ ...objectArns, source: both.source });
    await bucketKey('src-bk', srcKey);
    expect(await write('p')).toEqual({ status: 'FAILED', reason: 'DstPutObjectNotPermitted' });
  });

  it('with a Bucket Key for the replica, the role must also be allowed kms:Decrypt on the replica key', async () => {
    const { write, bucketKey, srcKey, dstKey } = await setup({ ...both, replicaDecrypt: false });
    await bucketKey('src-bk', srcKey);
    await bucketKey('dst-bk', dstKey);
    expect(await write('q')).toEqual({ status: 'FAILED', reason: 'DstPutObjectNotPermitted' });
  });

  it('kms:ViaService is checked too: a grant through S3 in another region does not apply', async () => {
    const { write } = await setup(objectArns, 's3.eu-west-1.amazonaws.com');
    expect(await write('z')).toEqual({ status: 'FAILED', reason: 'SrcGetObjectNotPermitted' });
  });
});
