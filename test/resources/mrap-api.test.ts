/**
 * The failover-control endpoints are tried in turn; the backoff of the waits;
 * an operation the state records (a killed apply's) is resumed, not sent again,
 * unless it FAILED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateMultiRegionAccessPointCommand } from '@aws-sdk/client-s3-control';
import type { AwsClients } from '../../src/aws/clients.js';
import { atFailoverEndpoint, backoff, clientToken, createAccessPoint, FAILOVER_REGIONS, type Recorded } from '../../src/resources/mrap/api.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { s3, s3control } from '../emulator/s3-testkit.js';

/** An AwsClients whose S3 Control client in each Region answers with `answer(region)`. */
function fakeAws(answer: (region: string) => unknown): { aws: AwsClients; asked: string[] } {
  const asked: string[] = [];
  const aws = {
    s3control: (region: string) => ({
      send: async () => {
        asked.push(region);
        const a = answer(region);
        if (a instanceof Error) throw a;
        return a;
      },
    }),
  } as unknown as AwsClients;
  return { aws, asked };
}

const awsError = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

describe('atFailoverEndpoint', () => {
  it('moves on from an endpoint that does not answer (network error, 5xx, throttling) to the next, in the documented order', async () => {
    const { aws, asked } = fakeAws((r) =>
      r === 'us-east-1' ? awsError('ECONNREFUSED') : r === 'us-west-2' ? awsError('InternalError', 503) : r === 'ap-southeast-2' ? awsError('Throttling', 400) : { ok: r },
    );
    const logged: string[] = [];
    const out = await atFailoverEndpoint(aws, (c) => c.send({} as never) as Promise<unknown>, (m) => logged.push(m));
    expect(out).toEqual({ ok: 'ap-northeast-1' });
    expect(asked).toEqual(['us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1']);
    expect(logged).toHaveLength(3);
  });

  it('an error about the request itself is thrown at once', async () => {
    const { aws, asked } = fakeAws(() => awsError('InvalidRequest', 400));
    await expect(atFailoverEndpoint(aws, (c) => c.send({} as never) as Promise<unknown>)).rejects.toThrow('InvalidRequest');
    expect(asked).toEqual(['us-east-1']);
  });

  it('when none answers, the last error is thrown after trying all five', async () => {
    const { aws, asked } = fakeAws(() => awsError('ServiceUnavailable', 503));
    await expect(atFailoverEndpoint(aws, (c) => c.send({} as never) as Promise<unknown>)).rejects.toThrow('ServiceUnavailable');
    expect(asked).toEqual([...FAILOVER_REGIONS]);
  });
});

describe('waiting and tokens', () => {
  it('checks soon, then less and less often, at most every 15 s', () => {
    expect([0, 1, 2, 3, 10, 20].map(backoff)).toEqual([200, 400, 800, 1600, 15_000, 15_000]);
  });
  it('the same request always has the same ClientToken (1 to 64 characters), another request another one', () => {
    const a = clientToken('create', '111111111111', 'media', 'a,b');
    expect(a).toBe(clientToken('create', '111111111111', 'media', 'a,b'));
    expect(a).not.toBe(clientToken('create', '111111111111', 'media', 'a,c'));
    expect(a.length).toBeLessThanOrEqual(64);
  });
});

describe('an operation the state records', () => {
  const ACCOUNT = '111111111111';
  const MEMBERS: Array<[string, string]> = [
    ['rec-use1', 'us-east-1'],
    ['rec-euw1', 'eu-west-1'],
  ];
  const PAB = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  const spec = { name: 'rec', buckets: MEMBERS.map(([bucket]) => ({ bucket })), publicAccessBlock: PAB };
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  /** An emulator with the member buckets, whose operations end on their own; AwsClients reaching its S3 Control. */
  async function setup(): Promise<{ emu: Emulator; aws: AwsClients }> {
    emu = await startEmulator({ replicationDelayMs: 5, mrapStepDelayMs: 5 });
    for (const [bucket, region] of MEMBERS) {
      await s3(emu, region, ACCOUNT).send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }) }));
    }
    const e = emu;
    return { emu: e, aws: { s3control: (region: string) => s3control(e, region, ACCOUNT) } as unknown as AwsClients };
  }
  /** Starts a creation as an earlier apply would have, and returns its request token. */
  async function started(e: Emulator, buckets: string[]): Promise<string> {
    const r = await s3control(e, 'us-west-2', ACCOUNT).send(
      new CreateMultiRegionAccessPointCommand({ AccountId: ACCOUNT, ClientToken: 'earlier-apply', Details: { Name: 'rec', PublicAccessBlock: PAB, Regions: buckets.map((Bucket) => ({ Bucket })) } }),
    );
    return r.RequestTokenARN!;
  }
  const creates = (e: Emulator) => e.calls()['s3control:CreateMultiRegionAccessPoint'] ?? 0;

  it('a recorded creation is polled to its end; no second CreateMultiRegionAccessPoint is sent and nothing new recorded', async () => {
    const { emu: e, aws } = await setup();
    const request = await started(e, MEMBERS.map(([b]) => b));
    const logged: string[] = [];
    const recorded: Array<Recorded | null> = [];
    const ap = await createAccessPoint(aws, ACCOUNT, spec, {
      log: (m) => logged.push(m),
      sleep: async () => undefined,
      recorded: { type: 'create', request, startedAt: '2026-11-30T00:00:00.000Z' },
      record: async (op) => void recorded.push(op),
    });
    expect(ap.Status).toBe('READY');
    expect(creates(e)).toBe(1);
    expect(recorded).toEqual([]);
    expect(logged.join('\n')).toContain(`resuming the operation an earlier apply started on 2026-11-30T00:00:00.000Z (request ${request})`);
  });

  it("a recorded creation that FAILED is reported with AWS's error, and a new request is sent and recorded", async () => {
    const { emu: e, aws } = await setup();
    const failed = await started(e, ['rec-use1', 'no-such-bucket']);
    const logged: string[] = [];
    const recorded: Array<Recorded | null> = [];
    const ap = await createAccessPoint(aws, ACCOUNT, spec, {
      log: (m) => logged.push(m),
      sleep: async () => undefined,
      recorded: { type: 'create', request: failed, startedAt: '2026-11-30T00:00:00.000Z' },
      record: async (op) => void recorded.push(op),
    });
    expect(logged.join('\n')).toContain(`the operation an earlier apply started failed: NoSuchBucket: The specified bucket does not exist: no-such-bucket (request ${failed}); sending a new request`);
    expect(creates(e)).toBe(2);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ type: 'create' });
    expect(recorded[0]!.request).not.toBe(failed);
    expect(ap.Status).toBe('READY');
    expect(ap.Regions!.map((r) => r.Bucket).sort()).toEqual(MEMBERS.map(([b]) => b).sort());
  });

  it('a recorded deletion or nothing recorded: the creation is sent, and recorded before the wait', async () => {
    const { emu: e, aws } = await setup();
    const recorded: Array<Recorded | null> = [];
    const ap = await createAccessPoint(aws, ACCOUNT, spec, {
      log: () => undefined,
      sleep: async () => undefined,
      recorded: { type: 'delete', request: 'arn:aws:s3:us-west-2:111111111111:async-request/mrap/delete/old', startedAt: '2026-11-30T00:00:00.000Z' },
      record: async (op) => void recorded.push(op),
    });
    expect(ap.Status).toBe('READY');
    expect(creates(e)).toBe(1);
    expect(recorded).toEqual([expect.objectContaining({ type: 'create', request: expect.stringMatching(/async-request\/mrap\/create\//) })]);
  });
});
