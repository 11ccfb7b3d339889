/**
 * The client layer: --parallelism bounds every AWS call (each client sends
 * through the limit, so no call can escape it), resolved SDK handlers are reused
 * one call at a time (concurrent calls never share one), and reads that page go
 * through the SDK's paginators to the last page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadBucketCommand, CreateBucketCommand, GetBucketTaggingCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClients } from '../../src/aws/clients.js';
import { describeMetricAlarms } from '../../src/resources/alarm/index.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';

let emu: Emulator;
const saved = { ...process.env };
beforeEach(async () => {
  // Calls that take a while, so that concurrent ones overlap.
  emu = await startEmulator({ latencyMs: 20 });
});
afterEach(async () => {
  await emu.stop();
  for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  Object.assign(process.env, saved);
});

const env = { AWS_ACCESS_KEY_ID: '111111111111', AWS_SECRET_ACCESS_KEY: 'emulator', AWS_REGION: 'us-east-1' };

/** Counts requests in flight below the limit (at the finalizeRequest step, where the request leaves). */
function inFlight(aws: AwsClients) {
  const seen = { now: 0, max: 0 };
  type Next = (args: unknown) => Promise<unknown>;
  type Stack = { add(mw: (next: Next) => Next, options: { step: 'finalizeRequest'; name: string }): void };
  for (const client of [aws.s3('us-east-1'), aws.s3('us-west-2'), aws.iam()]) {
    (client.middlewareStack as unknown as Stack).add(
      (next) => async (args) => {
        seen.max = Math.max(seen.max, ++seen.now);
        try {
          return await next(args);
        } finally {
          seen.now--;
        }
      },
      { step: 'finalizeRequest', name: 'testInFlight' },
    );
  }
  return seen;
}

describe('AwsClients', () => {
  it('never has more calls in flight than --parallelism, across every client and service', async () => {
    Object.assign(process.env, env);
    const aws = new AwsClients({ endpointUrl: emu.url, parallelism: 3, maxAttempts: 1 });
    const seen = inFlight(aws);
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) =>
        aws.s3(i % 2 ? 'us-east-1' : 'us-west-2').send(new HeadBucketCommand({ Bucket: `nope-${i}` })).catch(() => undefined),
      ),
      ...Array.from({ length: 6 }, (_, i) => aws.iam().send(new GetRoleCommand({ RoleName: `nope-${i}` })).catch(() => undefined)),
    ]);
    // Never more than the limit; and calls do run side by side up to it (not one at a time).
    expect(seen.max).toBeLessThanOrEqual(3);
    expect(seen.max).toBeGreaterThan(1);
    expect(aws.totalCalls()).toBe(18);
    aws.destroy();
  });

  it('a parallelism of 1 runs calls one at a time, and a call made while another waits does not deadlock', async () => {
    Object.assign(process.env, env);
    const aws = new AwsClients({ endpointUrl: emu.url, parallelism: 1, maxAttempts: 1 });
    const seen = inFlight(aws);
    await clients(emu.url).s3.send(new CreateBucketCommand({ Bucket: 'one-at-a-time' }));
    const results = await Promise.all(Array.from({ length: 5 }, () => aws.s3('us-east-1').send(new HeadBucketCommand({ Bucket: 'one-at-a-time' }))));
    expect(results).toHaveLength(5);
    expect(seen.max).toBe(1);
    expect(await aws.accountId()).toBe('111111111111');
    aws.destroy();
  });

  it('concurrent calls of one command, each to its own bucket, get their own answers on reused handlers', async () => {
    Object.assign(process.env, env);
    emu.setFaults({ latencyMs: 5 });
    const setup = clients(emu.url).s3;
    const names = Array.from({ length: 24 }, (_, i) => `handler-${i}`);
    for (const Bucket of names) {
      await setup.send(new CreateBucketCommand({ Bucket }));
      await setup.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'name', Value: Bucket }] } }));
    }
    const resolve = GetBucketTaggingCommand.prototype.resolveMiddleware;
    let resolved = 0;
    GetBucketTaggingCommand.prototype.resolveMiddleware = function (this: GetBucketTaggingCommand, ...args: Parameters<typeof resolve>) {
      resolved++;
      return resolve.apply(this, args);
    };
    try {
      const aws = new AwsClients({ endpointUrl: emu.url, parallelism: 6, maxAttempts: 1 });
      const asked = [...names, ...names, ...names];
      const answers = await Promise.all(asked.map((Bucket) => aws.s3('us-east-1').send(new GetBucketTaggingCommand({ Bucket }))));
      // Every answer is its own bucket's, though calls of the same command ran side by side.
      expect(answers.map((a) => a.TagSet?.[0]?.Value)).toEqual(asked);
      // 72 calls, at most 6 at once: at most 6 handlers were built, not one per call.
      expect(resolved).toBeGreaterThan(0);
      expect(resolved).toBeLessThanOrEqual(6);
      aws.destroy();
    } finally {
      GetBucketTaggingCommand.prototype.resolveMiddleware = resolve;
    }
  });

  it('reads every page: 230 alarms through DescribeAlarms pages of 100', async () => {
    Object.assign(process.env, env);
    emu.setFaults({ latencyMs: 0 });
    const cw = clients(emu.url).cloudwatch;
    for (let i = 0; i < 230; i++) {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: `paged-${String(i).padStart(3, '0')}`,
          Namespace: 'AWS/S3',
          MetricName: 'ReplicationLatency',
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    const aws = new AwsClients({ endpointUrl: emu.url });
    const all = await describeMetricAlarms(aws, 'us-east-1');
    expect(all.map((a) => a.AlarmName)).toHaveLength(230);
    expect(new Set(all.map((a) => a.AlarmName)).size).toBe(230);
    expect(aws.calls.get('cloudwatch:DescribeAlarms')).toBe(3);
    aws.destroy();
  });
});
