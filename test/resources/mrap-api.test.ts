/** The failover-control endpoints are tried in turn; the backoff of the waits. */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { atFailoverEndpoint, backoff, clientToken, FAILOVER_REGIONS } from '../../src/resources/mrap/api.js';

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
