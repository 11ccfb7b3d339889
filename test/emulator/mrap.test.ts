/**
 * Multi-Region Access Points through the real S3ControlClient: asynchronous
 * create/delete/put-policy polled with DescribeMultiRegionAccessPointOperation,
 * the us-west-2 control plane, and the failover-control routes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateMultiRegionAccessPointCommand,
  DeleteMultiRegionAccessPointCommand,
  DescribeMultiRegionAccessPointOperationCommand,
  GetMultiRegionAccessPointCommand,
  GetMultiRegionAccessPointPolicyCommand,
  GetMultiRegionAccessPointRoutesCommand,
  ListMultiRegionAccessPointsCommand,
  PutMultiRegionAccessPointPolicyCommand,
  SubmitMultiRegionAccessPointRoutesCommand,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT, failure, s3, s3control } from './s3-testkit.js';

const MEMBERS: Array<[string, string]> = [
  ['mesh-use1', 'us-east-1'],
  ['mesh-euw1', 'eu-west-1'],
  ['mesh-apse2', 'ap-southeast-2'],
];

let emu: Emulator;
let control: S3ControlClient;

/** A long step delay: every in-between state stays until `emu.drain()`. */
async function start(persistFile?: string): Promise<Emulator> {
  return startEmulator({ replicationDelayMs: 5, jobStepDelayMs: 600_000, ...(persistFile ? { persistFile, persistDebounceMs: 1 } : {}) });
}

async function buckets(e: Emulator, list = MEMBERS): Promise<void> {
  for (const [name, region] of list) {
    await s3(e, region).send(new CreateBucketCommand({ Bucket: name, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }) }));
  }
}

function create(name: string, members = MEMBERS.map(([b]) => b), token = `token-${name}`) {
  return control.send(
    new CreateMultiRegionAccessPointCommand({
      AccountId: ACCOUNT,
      ClientToken: token,
      Details: { Name: name, Regions: members.map((Bucket) => ({ Bucket })) },
    }),
  );
}

const describeOp = (arn: string) => control.send(new DescribeMultiRegionAccessPointOperationCommand({ AccountId: ACCOUNT, RequestTokenARN: arn }));
const get = (name: string) => control.send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: name }));

beforeEach(async () => {
  emu = await start();
  control = s3control(emu, 'us-west-2');
  await buckets(emu);
});
afterEach(async () => emu.stop());

describe('CreateMultiRegionAccessPoint', () => {
  it('answers a request token at once; the access point is CREATING until the operation SUCCEEDS, then READY', async () => {
    const { RequestTokenARN } = await create('global');
    expect(RequestTokenARN).toMatch(/^arn:aws:s3:us-west-2:111111111111:async-request\/mrap\/create\//);
    const pending = await describeOp(RequestTokenARN!);
    expect(pending.AsyncOperation).toMatchObject({ Operation: 'CreateMultiRegionAccessPoint', RequestStatus: 'INPROGRESS', RequestTokenARN });
    expect(pending.AsyncOperation?.RequestParameters?.CreateMultiRegionAccessPointRequest?.Name).toBe('global');
    expect((await get('global')).AccessPoint?.Status).toBe('CREATING');

    emu.drain();
    expect((await describeOp(RequestTokenARN!)).AsyncOperation?.RequestStatus).toBe('SUCCEEDED');
    const { AccessPoint } = await get('global');
    expect(AccessPoint?.Status).toBe('READY');
    expect(AccessPoint?.Alias).toMatch(/^[a-z][a-z0-9]*\.mrap$/);
    expect(AccessPoint?.Regions?.map((r) => [r.Bucket, r.Region, r.BucketAccountId])).toEqual(MEMBERS.map(([b, r]) => [b, r, ACCOUNT]));
    expect(AccessPoint?.PublicAccessBlock).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const list = await control.send(new ListMultiRegionAccessPointsCommand({ AccountId: ACCOUNT }));
    expect(list.AccessPoints?.map((a) => a.Name)).toEqual(['global']);
  });

  it('the same ClientToken gives the same operation; reused with other details it is refused', async () => {
    const first = await create('global');
    const again = await create('global');
    expect(again.RequestTokenARN).toBe(first.RequestTokenARN);
    const err = await failure(create('global', ['mesh-use1']));
    expect(err.name).toBe('IdempotencyException');
  });

  it('is served by the us-west-2 control plane only', async () => {
    const east = s3control(emu, 'us-east-1');
    const err = await failure(east.send(new GetMultiRegionAccessPointCommand({ AccountId: ACCOUNT, Name: 'global' })));
    expect(err.status).toBe(301);
    expect(err.name).toBe('PermanentRedirect');
    expect(err.message).toContain('us-west-2');
  });

  it('refuses an invalid name at once', async () => {
    for (const name of ['ab', '-global', 'global-', 'Global', 'glo_bal', 'glo.bal', 'x'.repeat(51)]) {
      const err = await failure(create(name));
      expect(err.name, name).toBe('InvalidRequest');
    }
  });

  it('accepts, then FAILS, a request naming a missing bucket or two buckets in one Region', async () => {
    await buckets(emu, [['other-use1', 'us-east-1']]);
    const twoInOneRegion = await create('twice', ['mesh-use1', 'other-use1']);
    const missing = await create('missing', ['mesh-use1', 'no-such-bucket']);
    emu.drain();
    const a = await describeOp(twoInOneRegion.RequestTokenARN!);
    expect(a.AsyncOperation?.RequestStatus).toBe('FAILED');
    expect(a.AsyncOperation?.ResponseDetails?.ErrorDetails?.Message).toContain('one bucket per Region');
    const b = await describeOp(missing.RequestTokenARN!);
    expect(b.AsyncOperation?.RequestStatus).toBe('FAILED');
    expect(b.AsyncOperation?.ResponseDetails?.ErrorDetails?.Code).toBe('NoSuchBucket');
    expect((await failure(get('twice'))).name).toBe('NoSuchMultiRegionAccessPoint');
  });

  it('a name already in use FAILS the second create', async () => {
    await create('global');
    const second = await create('global', ['mesh-use1'], 'another-token');
    emu.drain();
    expect((await describeOp(second.RequestTokenARN!)).AsyncOperation?.RequestStatus).toBe('FAILED');
    expect((await get('global')).AccessPoint?.Regions).toHaveLength(3);
  });

  it('an operation in flight when the emulator stops finishes after a restart with --persist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3repl-mrap-'));
    try {
      const file = join(dir, 'emu.json');
      const first = await start(file);
      control = s3control(first, 'us-west-2');
      await buckets(first);
      const { RequestTokenARN } = await create('global');
      await first.stop();
      const second = await start(file);
      control = s3control(second, 'us-west-2');
      expect((await describeOp(RequestTokenARN!)).AsyncOperation?.RequestStatus).toBe('INPROGRESS');
      second.drain();
      expect((await describeOp(RequestTokenARN!)).AsyncOperation?.RequestStatus).toBe('SUCCEEDED');
      expect((await get('global')).AccessPoint?.Status).toBe('READY');
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DeleteMultiRegionAccessPoint and DescribeMultiRegionAccessPointOperation', () => {
  it('deletes asynchronously: DELETING, then gone', async () => {
    await create('global');
    emu.drain();
    const del = await control.send(new DeleteMultiRegionAccessPointCommand({ AccountId: ACCOUNT, ClientToken: 'del-1', Details: { Name: 'global' } }));
    expect((await get('global')).AccessPoint?.Status).toBe('DELETING');
    emu.drain();
    expect((await describeOp(del.RequestTokenARN!)).AsyncOperation).toMatchObject({ Operation: 'DeleteMultiRegionAccessPoint', RequestStatus: 'SUCCEEDED' });
    expect((await failure(get('global'))).name).toBe('NoSuchMultiRegionAccessPoint');
  });

  it('a missing access point or request token is a NoSuch… error', async () => {
    const err = await failure(control.send(new DeleteMultiRegionAccessPointCommand({ AccountId: ACCOUNT, ClientToken: 'x', Details: { Name: 'nothing' } })));
    expect(err.name).toBe('NoSuchMultiRegionAccessPoint');
    const op = await failure(describeOp(`arn:aws:s3:us-west-2:${ACCOUNT}:async-request/mrap/create/unknown`));
    expect(op.name).toBe('NoSuchAsyncRequest');
  });
});

describe('Multi-Region Access Point policy', () => {
  it('a put policy is Proposed at once and Established when its operation succeeds', async () => {
    await create('global');
    emu.drain();
    const empty = await control.send(new GetMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, Name: 'global' }));
    expect(empty.Policy?.Established).toBeUndefined();
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 's3:GetObject', Resource: '*' }] });
    const put = await control.send(new PutMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, ClientToken: 'p-1', Details: { Name: 'global', Policy: policy } }));
    const proposed = await control.send(new GetMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, Name: 'global' }));
    expect(proposed.Policy?.Proposed?.Policy).toBe(policy);
    expect(proposed.Policy?.Established).toBeUndefined();
    emu.drain();
    expect((await describeOp(put.RequestTokenARN!)).AsyncOperation?.RequestStatus).toBe('SUCCEEDED');
    const established = await control.send(new GetMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, Name: 'global' }));
    expect(established.Policy?.Established?.Policy).toBe(policy);
    const bad = await failure(control.send(new PutMultiRegionAccessPointPolicyCommand({ AccountId: ACCOUNT, ClientToken: 'p-2', Details: { Name: 'global', Policy: 'not json' } })));
    expect(bad.name).toBe('MalformedPolicy');
  });
});

describe('failover routes', () => {
  let arn: string;
  let routes: S3ControlClient;
  beforeEach(async () => {
    await create('global');
    emu.drain();
    arn = `arn:aws:s3::${ACCOUNT}:accesspoint/${(await get('global')).AccessPoint!.Alias!}`;
    routes = s3control(emu, 'ap-northeast-1');
  });
  const read = async (client = routes) =>
    Object.fromEntries((await client.send(new GetMultiRegionAccessPointRoutesCommand({ AccountId: ACCOUNT, Mrap: arn }))).Routes!.map((r) => [r.Region!, r.TrafficDialPercentage]));
  const submit = (updates: Array<{ Bucket?: string; Region?: string; TrafficDialPercentage: number }>, client = routes) =>
    client.send(new SubmitMultiRegionAccessPointRoutesCommand({ AccountId: ACCOUNT, Mrap: arn, RouteUpdates: updates }));

  it('every Region starts active; an update reads back once it has taken effect; unlisted Regions keep their setting', async () => {
    expect(await read()).toEqual({ 'us-east-1': 100, 'eu-west-1': 100, 'ap-southeast-2': 100 });
    await submit([{ Bucket: 'mesh-use1', TrafficDialPercentage: 0 }, { Region: 'eu-west-1', TrafficDialPercentage: 0 }]);
    expect(await read()).toEqual({ 'us-east-1': 100, 'eu-west-1': 100, 'ap-southeast-2': 100 });
    emu.drain();
    expect(await read()).toEqual({ 'us-east-1': 0, 'eu-west-1': 0, 'ap-southeast-2': 100 });
    await submit([{ Bucket: 'mesh-use1', TrafficDialPercentage: 100 }]);
    emu.drain();
    expect(await read()).toEqual({ 'us-east-1': 100, 'eu-west-1': 0, 'ap-southeast-2': 100 });
  });

  it('refuses all Regions passive, a concurrent update, a bucket outside the access point and a bad ARN', async () => {
    const allPassive = await failure(submit(MEMBERS.map(([Bucket]) => ({ Bucket, TrafficDialPercentage: 0 }))));
    expect(allPassive.name).toBe('InvalidRequest');
    await submit([{ Bucket: 'mesh-apse2', TrafficDialPercentage: 0 }]);
    const conflict = await failure(submit([{ Bucket: 'mesh-euw1', TrafficDialPercentage: 0 }]));
    expect(conflict.status).toBe(409);
    emu.drain();
    expect((await failure(submit([{ Bucket: 'elsewhere', TrafficDialPercentage: 0 }]))).name).toBe('InvalidRequest');
    expect((await failure(submit([{ Bucket: 'mesh-use1', Region: 'eu-west-1', TrafficDialPercentage: 0 }]))).name).toBe('InvalidRequest');
    arn = 'global';
    expect((await failure(read())).status).toBe(400);
  });

  it('is served at the five failover-control Regions only', async () => {
    for (const region of ['us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'eu-west-1']) {
      expect(await read(s3control(emu, region))).toHaveProperty('us-east-1', 100);
    }
    const err = await failure(read(s3control(emu, 'eu-central-1')));
    expect(err.status).toBe(301);
  });
});
