/**
 * KMS keys and key policies, SSE-KMS objects, and replication of SSE-KMS
 * objects into another account: the replica key's policy must allow the role.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  HeadObjectCommand,
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
