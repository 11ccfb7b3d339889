/**
 * The failure pipeline's parts: reading S3's event messages, explaining every
 * documented failure reason, grouping, and (against the emulator's S3 and S3
 * Batch Operations) the failure store and a retry of exactly the recorded
 * versions from a CSV manifest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseMessage, type ReplicationEvent } from '../../src/failures/events.js';
import { FAILURE_REASONS, explainReason } from '../../src/failures/reasons.js';
import { failuresReport, groupEvents } from '../../src/failures/report.js';
import { renderFailuresMarkdown, renderFailuresText } from '../../src/render/failures.js';
import { Chalk } from 'chalk';
import { eventKey, listEvents, recordEvent, storeOf } from '../../src/failures/store.js';
import { manifestLine, pendingFailures, retryFromEvents } from '../../src/failures/retry.js';
import { AwsClients } from '../../src/aws/clients.js';
import { loadConfigText } from '../../src/config/load.js';
import { retryTargets, waitForJobs } from '../../src/health/jobs.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir, ROOT } from '../helpers/cli.js';

/** The example message of the S3 User Guide ("Receiving replication failure events"), trimmed. */
const AWS_EXAMPLE = JSON.stringify({
  Records: [
    {
      eventVersion: '2.2',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2024-09-05T21:04:32.527Z',
      eventName: 'Replication:OperationFailedReplication',
      s3: {
        bucket: { name: 'amzn-s3-demo-bucket1', arn: 'arn:aws:s3:::amzn-s3-demo-bucket1' },
        object: { key: 'photos/my+cat%2B1.png', size: 520080, versionId: 'abcdeH0Xp66ep__QDjR76LK7Gc9X4wKO', sequencer: '0066DA1CBF104C0D51' },
      },
      replicationEventData: {
        replicationRuleId: 'notification-test-replication-rule',
        destinationBucket: 'arn:aws:s3:::amzn-s3-demo-bucket2',
        s3Operation: 'OBJECT_PUT',
        requestTime: '2024-09-05T21:03:59.168Z',
        failureReason: 'AssumeRoleNotPermitted',
      },
    },
  ],
});

describe('event messages', () => {
  it("reads AWS's example: rule, destination, reason, and the URL-encoded key decoded", () => {
    const p = parseMessage(AWS_EXAMPLE);
    expect(p.kind).toBe('events');
    const [e] = (p as Extract<typeof p, { kind: 'events' }>).events;
    expect(e).toMatchObject({
      type: 'OperationFailedReplication',
      source: 'amzn-s3-demo-bucket1',
      key: 'photos/my cat+1.png',
      versionId: 'abcdeH0Xp66ep__QDjR76LK7Gc9X4wKO',
      ruleId: 'notification-test-replication-rule',
      destination: 'amzn-s3-demo-bucket2',
      failureReason: 'AssumeRoleNotPermitted',
    });
    // The same event delivered twice has the same identity.
    expect((parseMessage(AWS_EXAMPLE) as { events: Array<{ id: string }> }).events[0]!.id).toBe(e!.id);
  });

  it('unwraps an SNS envelope, recognises the test event, and leaves anything else alone', () => {
    expect(parseMessage(JSON.stringify({ Type: 'Notification', Message: AWS_EXAMPLE })).kind).toBe('events');
    expect(parseMessage(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }))).toEqual({ kind: 'test', bucket: 'b' });
    expect(parseMessage('{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}').kind).toBe('other');
    expect(parseMessage('not json').kind).toBe('other');
  });
});

describe('failure reasons', () => {
  it("explains every reason in the ledger's list, and says so for one S3 does not document", () => {
    const ledger = readFileSync(path.join(ROOT, 'docs/aws-behaviour.md'), 'utf8');
    const section = ledger.slice(ledger.indexOf('### Replication failure reasons'), ledger.indexOf('### A replica KMS key in another account'));
    const listed = [...section.matchAll(/`((?:Dst|Src|Assume|Initiate)[A-Za-z]+)`/g)].map((m) => m[1]!);
    expect(listed.length).toBeGreaterThanOrEqual(35);
    for (const r of listed) expect(FAILURE_REASONS[r], r).toBeDefined();
    expect(explainReason('SomethingNew').meaning).toMatch(/not in the list/);
  });
});

describe('grouping', () => {
  const ev = (o: Partial<ReplicationEvent>): ReplicationEvent => ({
    id: Math.random().toString(36),
    type: 'OperationFailedReplication',
    source: 'src',
    region: 'us-east-1',
    eventTime: '2026-01-01T00:00:00.000Z',
    key: 'k',
    versionId: 'v1',
    ruleId: 'r',
    destination: 'dst',
    operation: 'OBJECT_PUT',
    requestTime: null,
    failureReason: 'DstBucketNotFound',
    messageId: 'm',
    recordedAt: '2026-01-01T00:00:01.000Z',
    ...o,
  });
  it('groups by rule, destination and reason; counts versions once and those not retried', () => {
    const groups = groupEvents([
      ev({ key: 'a' }),
      ev({ key: 'a' }),
      ev({ key: 'b', retried: { jobId: 'j', region: 'us-east-1', manifest: 's3://x/y', at: 't' } }),
      ev({ key: 'c', failureReason: 'DstPutObjectNotPermitted' }),
      ev({ key: 'd', ruleId: 'other' }),
    ]);
    expect(groups.map((g) => [g.ruleId, g.failureReason, g.events, g.objects, g.pending])).toEqual([
      ['other', 'DstBucketNotFound', 1, 1, 1],
      ['r', 'DstBucketNotFound', 3, 2, 1],
      ['r', 'DstPutObjectNotPermitted', 1, 1, 1],
    ]);
    expect(groups[1]!.meaning).toMatch(/can't find the destination bucket/);
  });

  it('renders a report for people and for a pull request or chat', () => {
    const report = failuresReport('s3://r/s3repl/failure-events/', null, { messages: 3, recorded: 2, duplicates: 0, tests: 1, left: 0 }, [
      ev({ key: 'a|b' }),
      ev({ key: 'c', type: 'OperationMissedThreshold', failureReason: null }),
    ]);
    const text = renderFailuresText(report, new Chalk({ level: 0 }));
    expect(text).toContain('received 3 messages, recorded 2 new events, 1 S3 test message removed.');
    expect(text).toContain('src / rule r');
    expect(text).toMatch(/→ dst: DstBucketNotFound — 1 event, 1 object version, 1 not retried yet/);
    expect(text).toMatch(/→ dst: OperationMissedThreshold — 1 event/);
    expect(text).toContain('1 failed and not retried yet.');
    const md = renderFailuresMarkdown(report);
    expect(md).toContain('| src | r | dst | `DstBucketNotFound` | 1 | 1 | 1 |');
    // A pipe in a key never breaks the table (keys are not in it; meanings and fixes are escaped).
    expect(md.split('\n').filter((l) => l.startsWith('| src')).every((l) => l.split(/(?<!\\)\|/).length === 11)).toBe(true);
    const none = renderFailuresText(failuresReport('s3://r/x/', null, null, []), new Chalk({ level: 0 }));
    expect(none).toContain('No queue to receive from');
    expect(none).toContain('No replication failure events recorded.');
  });

  it('writes manifest lines with the key URL-encoded', () => {
    expect(manifestLine('src', 'a b/c,d+é.txt', 'v1')).toBe('src,a%20b%2Fc%2Cd%2B%C3%A9.txt,v1');
  });
});

describe('store and retry against the emulator', () => {
  let emu: Emulator;
  let cwd: string;
  const yaml = `version: 1
defaults: { region: us-east-1 }
buckets:
  fs-src: { create: true }
  fs-dst: { create: true, region: us-west-2 }
  fs-reports: { create: true }
roles: { r: { name: s3repl-fs } }
jobs: { reportBucket: fs-reports }
replications:
  - source: fs-src
    role: r
    rules:
      - id: all
        destination: { bucket: fs-dst }
        metrics: true
`;
  beforeAll(async () => {
    emu = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 10 });
    cwd = workdir(yaml);
    const r = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => emu?.stop());

  it('records an event once (first write wins), and retries exactly the recorded versions', async () => {
    const s3 = clients(emu.url).s3;
    const west = clients(emu.url, 'us-west-2').s3;
    emu.setBucketAvailable('fs-dst', false);
    const put = async (Key: string) => (await s3.send(new PutObjectCommand({ Bucket: 'fs-src', Key, Body: Key }))).VersionId!;
    const v1 = await put('orders/1 a.json');
    const v2 = await put('orders/2.json');
    const v3 = await put('orders/3.json');
    await emu.settled();
    for (const k of ['orders/1 a.json', 'orders/2.json', 'orders/3.json']) {
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'fs-src', Key: k }))).ReplicationStatus).toBe('FAILED');
    }
    emu.setBucketAvailable('fs-dst', true);

    const config = loadConfigText(yaml, path.join(cwd, 'replication.yaml')).config!;
    const store = storeOf(config);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: '111111111111', AWS_SECRET_ACCESS_KEY: 'x' });
    const aws = new AwsClients({ endpointUrl: emu.url, maxAttempts: 1 });
    // Only 1 and 2 were received as events (3 stands for a failure nobody recorded).
    const event = (key: string, versionId: string): ReplicationEvent => {
      const base = { type: 'OperationFailedReplication', source: 'fs-src', region: 'us-east-1', eventTime: new Date().toISOString(), key, versionId, ruleId: 'all', destination: 'fs-dst', operation: 'OBJECT_PUT', requestTime: null, failureReason: 'DstBucketNotFound' };
      return { id: `${key}-${versionId}`.replace(/[^A-Za-z0-9]/g, ''), ...base, messageId: 'm1', recordedAt: new Date().toISOString() };
    };
    const e1 = event('orders/1 a.json', v1);
    const e2 = event('orders/2.json', v2);
    expect(await recordEvent(aws, store, e1)).toBe(true);
    expect(await recordEvent(aws, store, e2)).toBe(true);
    expect(await recordEvent(aws, store, e1)).toBe(false);
    expect((await listEvents(aws, store, 'fs-src')).map((e) => e.key)).toEqual(['orders/1 a.json', 'orders/2.json']);

    const [target] = retryTargets(config, '111111111111', ['all']).targets;
    const pending = await pendingFailures(aws, store, target!, null);
    expect(pending).toHaveLength(2);
    const r = await retryFromEvents(aws, config, '111111111111', store, target!, pending);
    expect(r.versions).toBe(2);
    const manifest = await s3.send(new GetObjectCommand({ Bucket: 'fs-reports', Key: r.manifest.replace('s3://fs-reports/', '') }));
    expect(await manifest.Body!.transformToString()).toBe(`fs-src,orders%2F1%20a.json,${v1}\nfs-src,orders%2F2.json,${v2}\n`);
    const [job] = await waitForJobs(aws, '111111111111', [{ region: 'us-east-1', jobId: r.jobId }], { intervalMs: 20 });
    expect(job).toMatchObject({ status: 'Complete', total: 2, succeeded: 2, failed: 0 });
    // Exactly those: 1 and 2 are replicas now, 3 still FAILED and absent from the destination.
    expect((await west.send(new HeadObjectCommand({ Bucket: 'fs-dst', Key: 'orders/1 a.json', VersionId: v1 }))).ReplicationStatus).toBe('REPLICA');
    expect((await west.send(new HeadObjectCommand({ Bucket: 'fs-dst', Key: 'orders/2.json', VersionId: v2 }))).ReplicationStatus).toBe('REPLICA');
    await expect(west.send(new HeadObjectCommand({ Bucket: 'fs-dst', Key: 'orders/3.json', VersionId: v3 }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    // Marked retried, with the job; a duplicate delivery afterwards does not erase the mark.
    expect(await recordEvent(aws, store, e1)).toBe(false);
    const after = await listEvents(aws, store, 'fs-src', ['all']);
    expect(after.map((e) => e.retried?.jobId)).toEqual([r.jobId, r.jobId]);
    expect(await pendingFailures(aws, store, target!, null)).toEqual([]);
    expect(eventKey(e1)).toBe(`s3repl/failure-events/fs-src/all/${e1.id}.json`);
    aws.destroy();
  });

  it('refuses a store in a bucket that a rule would replicate', () => {
    const c = loadConfigText(yaml.replace('reportBucket: fs-reports', 'reportBucket: fs-src'), '/project/replication.yaml').config!;
    expect(() => storeOf(c)).toThrow(/would replicate the failure store/);
    const none = loadConfigText(yaml.replace('jobs: { reportBucket: fs-reports }\n', ''), '/project/replication.yaml').config!;
    expect(() => storeOf(none)).toThrow(/needs jobs.reportBucket/);
  });
});
