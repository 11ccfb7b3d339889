/**
 * Shared setup for the S3 / S3 Control / replication tests: an emulator with
 * small delays and real SDK v3 clients pointed at it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type Emulator, type EmulatorOptions } from './server.js';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';

export async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ replicationDelayMs: 5, jobStepDelayMs: 5, ...opts });
}

const creds = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'secret' });

export function s3(emu: Emulator, region = 'us-east-1', accessKeyId = 'test', maxAttempts = 1): S3Client {
  return new S3Client({ region, endpoint: emu.url, forcePathStyle: true, credentials: creds(accessKeyId), maxAttempts });
}

/** S3 Control against a custom endpoint needs the endpoint as is (no `{AccountId}.` host prefix). */
export function s3control(emu: Emulator, region = 'us-east-1', accessKeyId = 'test'): S3ControlClient {
  return new S3ControlClient({
    region,
    endpoint: emu.url,
    endpointProvider: () => ({ url: new URL(emu.url) }),
    credentials: creds(accessKeyId),
    maxAttempts: 1,
  });
}

export function iam(emu: Emulator, accessKeyId = 'test'): IAMClient {
  return new IAMClient({ region: 'us-east-1', endpoint: emu.url, credentials: creds(accessKeyId), maxAttempts: 1 });
}

export function cloudwatch(emu: Emulator, region = 'us-east-1'): CloudWatchClient {
  return new CloudWatchClient({ region, endpoint: emu.url, credentials: creds('test'), maxAttempts: 1 });
}

export function sqs(emu: Emulator, region = 'us-east-1', accessKeyId = 'test'): SQSClient {
  return new SQSClient({ region, endpoint: emu.url, credentials: creds(accessKeyId), maxAttempts: 1 });
}

/** The queue policy AWS documents for S3 event notifications (SourceArn of the bucket, SourceAccount of its owner). */
export function s3QueuePolicy(queueArn: string, bucket: string, owner: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['SQS:SendMessage'],
        Resource: queueArn,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:*:*:${bucket}` }, StringEquals: { 'aws:SourceAccount': owner } },
      },
    ],
  });
}

export const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: ['s3.amazonaws.com', 'batchoperations.s3.amazonaws.com'] },
      Action: 'sts:AssumeRole',
    },
  ],
});

export function replicationPolicy(source: string, destinations: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [`arn:aws:s3:::${source}`] },
      {
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:InitiateReplication'],
        Resource: [`arn:aws:s3:::${source}/*`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        Resource: destinations.map((d) => `arn:aws:s3:::${d}/*`),
      },
    ],
  });
}

/** Creates a role with the least-privilege replication policy; returns its ARN. */
export async function replicationRole(emu: Emulator, name: string, source: string, destinations: string[], policy?: string): Promise<string> {
  const client = iam(emu);
  const role = await client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_POLICY }));
  await client.send(
    new PutRolePolicyCommand({ RoleName: name, PolicyName: 'replication', PolicyDocument: policy ?? replicationPolicy(source, destinations) }),
  );
  return role.Role!.Arn!;
}

/** The error an SDK call rejected with, for asserting name and status. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail, it succeeded');
}
