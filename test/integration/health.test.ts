/**
 * Existing objects and replication health, end to end against the emulator
 * with the built CLI: Batch Replication backfill from apply, `jobs`,
 * `retry-failed`, and `status` from CloudWatch metrics and alarms.
 *
 * Time: the emulator's clock is set back while things are set up (twenty
 * minutes) and while objects fail to replicate (ten minutes), so their
 * OperationsFailedReplication datapoints are ten minutes old; a
 * `status --since 5m` window then starts after them. Nothing sleeps:
 * the tests wait on `emu.settled()` and on `--wait`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { CreateBucketCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const emulators: Emulator[] = [];
/** Emulator time = real time + offset (ms). */
let offset = 0;
async function emulator(): Promise<Emulator> {
  offset = 0;
  const e = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 10, clock: { now: () => Date.now() + offset } });
  emulators.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validateStatus = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/status.schema.json', import.meta.url), 'utf8')) as object);

function expectValidStatus(doc: unknown): void {
  const ok = validateStatus(doc);
  expect(validateStatus.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

async function makeBuckets(emu: Emulator, names: string[]): Promise<void> {
  const { s3 } = clients(emu.url);
  for (const Bucket of names) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
}

async function put(emu: Emulator, bucket: string, keys: string[]): Promise<void> {
  const { s3 } = clients(emu.url);
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }));
}

async function keys(emu: Emulator, bucket: string): Promise<string[]> {
  const r = await clients(emu.url).s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return (r.Versions ?? []).map((v) => v.Key!).sort();
}

interface StatusDoc {
  healthy: boolean;
  summary: Record<string, number>;
  rules: Array<{
    source: string;
    ruleId: string;
    verdict: string;
    reasons: string[];
    metrics: { failedOperations: number | null; latencySecondsMax: number | null } | null;
    alarms: Array<{ name: string; threshold: string; state: string }>;
    lastJob: { jobId: string; kind: string; status: string } | null;
  }>;
}

const rule = (doc: StatusDoc, source: string, ruleId: string) => doc.rules.find((r) => r.source === source && r.ruleId === ruleId)!;

describe('existingObjects: replicate', () => {
  it('apply backfills objects written before the rule with one job, shown by jobs; a second apply starts none', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['photos', 'photos-copy']);
    await put(emu, 'photos', ['2019/a.jpg', '2019/b.jpg', '2020/c.jpg']);
    const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  photos: {}
  photos-copy: {}
  batch-reports: { create: true }
roles:
  photos: { name: s3repl-photos }
jobs: { reportBucket: batch-reports, reportPrefix: backfill }
replications:
  - source: photos
    role: photos
    rules:
      - id: all-photos
        destination: { bucket: photos-copy }
        existingObjects: replicate
`);
    const first = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(first.stderr).toContain('Apply complete!');
    expect(first.code).toBe(0);
    // Progress names the job and how to follow it.
    const m = /job\.photos: started Batch Replication job ([0-9a-f-]{36}) \(us-east-1\); follow it with: s3repl jobs --wait/.exec(first.stderr);
    expect(m, first.stderr).not.toBeNull();
    const jobId = m![1]!;

    const waited = await runCli(['jobs', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(waited.stderr + waited.stdout).toContain(jobId);
    expect(waited.code).toBe(0);
    await emu.settled();
    expect(await keys(emu, 'photos-copy')).toEqual(['2019/a.jpg', '2019/b.jpg', '2020/c.jpg']);
    // apply created the report bucket, and the job wrote its completion report there.
    expect(await keys(emu, 'batch-reports')).toContain(`backfill/job-${jobId}/manifest.json`);

    const listed = await runCli(['jobs', '--format', 'json'], { cwd, endpoint: emu.url });
    expect(listed.code).toBe(0);
    const jobs = (JSON.parse(listed.stdout) as { formatVersion: number; jobs: Array<Record<string, unknown>> }).jobs;
    expect(jobs).toEqual([
      expect.objectContaining({ jobId, status: 'Complete', kind: 'backfill', source: 'photos', ruleId: null, purpose: 'backfill photos (all-photos) → photos-copy', total: 3, succeeded: 3, failed: 0 }),
    ]);
    const table = await runCli(['jobs'], { cwd, endpoint: emu.url });
    expect(table.stdout).toMatch(new RegExp(`${jobId}\\s+us-east-1\\s+Complete\\s+3/0/3\\s+\\S+\\s+backfill photos \\(all-photos\\) → photos-copy`));

    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
    expect(plan.stdout).toContain('No changes');
    expect(plan.code).toBe(0);
    const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('started Batch Replication job');
    expect(emu.calls()['s3control:CreateJob']).toBe(1);
  });
});

describe('status and retry-failed', () => {
  const CONFIG = `
version: 1
defaults: { region: us-east-1 }
buckets:
  orders: {}
  orders-dr: {}
  logs: {}
  logs-archive: {}
  batch-reports: { create: true }
roles:
  repl: { name: s3repl-health }
jobs: { reportBucket: batch-reports, reportPrefix: retries }
replications:
  - source: orders
    role: repl
    rules:
      - id: orders-to-dr
        destination: { bucket: orders-dr }
        metrics: true
        existingObjects: replicate
  - source: logs
    role: repl
    rules:
      - id: logs-archive
        destination: { bucket: logs-archive }
        metrics: true
`;

  it('failed objects show as failing; retry-failed --wait replicates them; status turns healthy for a window after the failures', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['orders', 'orders-dr', 'logs', 'logs-archive']);
    const cwd = workdir(CONFIG);
    // Set up twenty minutes ago (the role has long propagated by the time objects fail)...
    offset = -20 * 60_000;
    const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
    expect(applied.code).toBe(0);
    await emu.settled();

    // ...ten minutes ago, the destination of orders-to-dr was unreachable.
    offset = -10 * 60_000;
    emu.setBucketAvailable('orders-dr', false);
    await put(emu, 'orders', ['o/1.json', 'o/2.json']);
    await put(emu, 'logs', ['l/1.log']);
    await emu.settled();
    // Retrying while it is still unreachable fails too, and says so (these failures are counted as well).
    const stillDown = await runCli(['retry-failed', '--rule', 'orders-to-dr', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(stillDown.stdout).toContain('0 succeeded, 2 failed');
    expect(stillDown.code).toBe(2);
    offset = 0;
    expect(await keys(emu, 'orders-dr')).toEqual([]);

    const failing = await runCli(['status', '--since', '1h'], { cwd, endpoint: emu.url });
    expect(failing.code).toBe(2);
    expect(failing.stdout).toMatch(/✗ failing\s+orders\/orders-to-dr \(us-east-1\) → orders-dr \(us-east-1\)/);
    expect(failing.stdout).toContain('4 operations failed to replicate in the window'); // 2 writes, 2 batch tasks
    expect(failing.stdout).toMatch(/✓ healthy\s+logs\/logs-archive/);
    const doc = JSON.parse((await runCli(['status', '--since', '1h', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as StatusDoc;
    expectValidStatus(doc);
    expect(doc.healthy).toBe(false);
    expect(rule(doc, 'orders', 'orders-to-dr')).toMatchObject({ verdict: 'failing', metrics: { failedOperations: 4 } });
    expect(rule(doc, 'logs', 'logs-archive').verdict).toBe('healthy');
    expect(doc.summary).toEqual({ healthy: 1, lagging: 0, failing: 1, 'no-metrics': 0, disabled: 0 });

    emu.setBucketAvailable('orders-dr', true);
    const retried = await runCli(['retry-failed', '--rule', 'orders-to-dr', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    // Not a terminal: progress is plain lines on stderr; results are on stdout.
    expect(retried.stderr).toMatch(/job [0-9a-f-]{36} \(us-east-1\) Complete: 2 succeeded, 0 failed of 2/);
    const started = /Started Batch Replication job ([0-9a-f-]{36}) \(us-east-1\) to retry failed replication from orders\./.exec(retried.stdout);
    expect(started, retried.stdout + retried.stderr).not.toBeNull();
    expect(retried.stdout).toContain('2 succeeded, 0 failed');
    expect(retried.stdout).toContain(`report: s3://batch-reports/retries/job-${started![1]}/`);
    expect(retried.stdout).not.toContain('failure:');
    expect(retried.code).toBe(0);
    await emu.settled();
    expect(await keys(emu, 'orders-dr')).toEqual(['o/1.json', 'o/2.json']);
    expect(await keys(emu, 'batch-reports')).toContain(`retries/job-${started![1]}/manifest.json`);

    // The last hour still holds the failures...
    expect((await runCli(['status', '--since', '1h'], { cwd, endpoint: emu.url })).code).toBe(2);
    // ...a window that starts after them is healthy; logs had no activity in it: no metrics, unhealthy only with --strict.
    const recent = await runCli(['status', '--since', '5m', '--format', 'json'], { cwd, endpoint: emu.url });
    const after = JSON.parse(recent.stdout) as StatusDoc;
    expectValidStatus(after);
    expect(rule(after, 'orders', 'orders-to-dr')).toMatchObject({ verdict: 'healthy', metrics: { failedOperations: null } });
    // The retried objects replicated within moments (real elapsed time, so not exactly 0), far inside RTC's 900 s.
    expect(rule(after, 'orders', 'orders-to-dr').metrics?.latencySecondsMax).toBeLessThan(60);
    expect(rule(after, 'orders', 'orders-to-dr').lastJob).toMatchObject({ jobId: started![1], kind: 'retry-failed', status: 'Complete' });
    expect(rule(after, 'logs', 'logs-archive').verdict).toBe('no-metrics');
    expect(recent.code).toBe(0);
    expect((await runCli(['status', '--since', '5m', '--strict'], { cwd, endpoint: emu.url })).code).toBe(2);

    const listed = JSON.parse((await runCli(['jobs', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as { jobs: Array<{ kind: string; source: string; status: string }> };
    expect(listed.jobs.map((j) => `${j.kind} ${j.source} ${j.status}`)).toEqual(['retry-failed orders Complete', 'retry-failed orders Complete', 'backfill orders Complete']);
  }, 180_000); // a dozen CLI runs: a generous limit for loaded machines, not a timing assertion

  it('retry-failed says "nothing failed" and starts no job when the metrics show no failure; --force starts one per source bucket; an unknown rule is a user error', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['orders', 'orders-dr', 'logs', 'logs-archive']);
    // Both rules backfill, so the managed role may run Batch Replication on both buckets.
    const cwd = workdir(`${CONFIG}        existingObjects: replicate\n`);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    const before = emu.calls()['s3control:CreateJob'] ?? 0;
    // Both rules publish metrics and nothing failed: no job (a job costs money even when it has nothing to do).
    const quiet = await runCli(['retry-failed', '--since', '2h'], { cwd, endpoint: emu.url });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('Nothing failed to replicate from orders since');
    expect(quiet.stdout).toContain('Nothing failed to replicate from logs since');
    expect(quiet.stdout).not.toContain('Started Batch Replication job');
    expect(emu.calls()['s3control:CreateJob']).toBe(before);
    expect(emu.calls()['cloudwatch:GetMetricData']).toBeGreaterThanOrEqual(2);

    const r = await runCli(['retry-failed', '--force'], { cwd, endpoint: emu.url });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('starting the job anyway (--force)');
    expect(r.stdout.match(/Started Batch Replication job/g)).toHaveLength(2);
    expect(r.stdout).toContain('from orders.');
    expect(r.stdout).toContain('from logs.');
    expect(r.stderr).toContain('s3repl jobs --wait');
    expect(emu.calls()['s3control:CreateJob']).toBe(before + 2);

    const bad = await runCli(['retry-failed', '--rule', 'nope'], { cwd, endpoint: emu.url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no rule nope in the configuration');
    expect(bad.stderr).toContain('orders/orders-to-dr');
    expect(emu.calls()['s3control:CreateJob']).toBe(before + 2);
  });

  it('retry-failed --rule narrows the job to the rule\'s prefix when the bucket has other rules', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['media', 'media-dr']);
    const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  media: {}
  media-dr: {}
  batch-reports: { create: true }
roles:
  repl: { name: s3repl-media }
jobs: { reportBucket: batch-reports }
replications:
  - source: media
    role: repl
    rules:
      - { id: images, priority: 1, filter: { prefix: img/ }, destination: { bucket: media-dr }, existingObjects: replicate }
      - { id: videos, priority: 2, filter: { prefix: vid/ }, destination: { bucket: media-dr }, existingObjects: replicate }
`);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await emu.settled();
    emu.setBucketAvailable('media-dr', false);
    await put(emu, 'media', ['img/1.png', 'vid/1.mp4']);
    await emu.settled();
    emu.setBucketAvailable('media-dr', true);

    const images = await runCli(['retry-failed', '--rule', 'images', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(images.stderr).toContain('the job looks only at keys under "img/" (the prefix of images)');
    expect(images.stdout + images.stderr).toContain('1 succeeded, 0 failed');
    expect(images.code).toBe(0);
    await emu.settled();
    expect(await keys(emu, 'media-dr')).toEqual(['img/1.png']);

    const all = await runCli(['retry-failed', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(all.stdout).toContain('1 succeeded, 0 failed');
    expect(all.code).toBe(0);
    await emu.settled();
    expect(await keys(emu, 'media-dr')).toEqual(['img/1.png', 'vid/1.mp4']);
    const jobs = JSON.parse((await runCli(['jobs', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as { jobs: Array<{ purpose: string }> };
    expect(jobs.jobs.map((j) => j.purpose).slice(0, 2)).toEqual(['retry-failed media', 'retry-failed media prefix img/']);
  }, 120_000);

  it('retries with the managed role even when no rule backfills: the role always may run Batch Replication', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['orders', 'orders-dr', 'logs', 'logs-archive']);
    const cwd = workdir(CONFIG);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    emu.setBucketAvailable('logs-archive', false);
    await put(emu, 'logs', ['app.log']);
    await emu.settled();
    emu.setBucketAvailable('logs-archive', true);
    const r = await runCli(['retry-failed', '--rule', 'logs-archive', '--wait', '--interval', '100ms'], { cwd, endpoint: emu.url });
    expect(r.stdout + r.stderr).toContain('1 succeeded, 0 failed');
    expect(r.code).toBe(0);
    await emu.settled();
    expect(await keys(emu, 'logs-archive')).toEqual(['app.log']);
  });
});

describe('status and alarms', () => {
  it('an alarm in ALARM shows in status: a failure alarm makes the rule failing, a latency alarm lagging', async () => {
    const emu = await emulator();
    await makeBuckets(emu, ['events', 'events-replica', 'media', 'media-replica']);
    const cwd = workdir(`
version: 1
defaults: { region: us-east-1 }
buckets:
  events: {}
  events-replica: {}
  media: {}
  media-replica: {}
roles:
  repl: { name: s3repl-alarms }
alarms: { namePrefix: shop }
replications:
  - source: events
    role: repl
    rules:
      - id: events-rtc
        destination: { bucket: events-replica }
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
  - source: media
    role: repl
    rules:
      - id: media
        destination: { bucket: media-replica }
        metrics: true
        alarms: { latencySeconds: 300 }
`);
    expect((await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url })).code).toBe(0);
    await put(emu, 'events', ['e/1']);
    await put(emu, 'media', ['m/1']);
    await emu.settled();

    const calm = await runCli(['status', '--format', 'json'], { cwd, endpoint: emu.url });
    expect(calm.code).toBe(0);
    const calmDoc = JSON.parse(calm.stdout) as StatusDoc;
    expect(rule(calmDoc, 'events', 'events-rtc').alarms.map((a) => `${a.name} ${a.state}`)).toEqual([
      'shop-events-events-rtc-latency OK',
      'shop-events-events-rtc-failed-operations OK',
    ]);

    const { cloudwatch } = clients(emu.url);
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'shop-events-events-rtc-failed-operations', StateValue: 'ALARM', StateReason: 'test' }));
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'shop-media-media-latency', StateValue: 'ALARM', StateReason: 'test' }));

    const text = await runCli(['status'], { cwd, endpoint: emu.url });
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/✗ failing\s+events\/events-rtc/);
    expect(text.stdout).toContain('alarm shop-events-events-rtc-failed-operations is in ALARM');
    expect(text.stdout).toContain('alarm shop-events-events-rtc-failed-operations (us-east-1): ALARM');
    expect(text.stdout).toMatch(/! lagging\s+media\/media/);
    expect(text.stdout).toContain('alarm shop-media-media-latency is in ALARM');

    const doc = JSON.parse((await runCli(['status', '--format', 'json'], { cwd, endpoint: emu.url })).stdout) as StatusDoc;
    expectValidStatus(doc);
    expect(rule(doc, 'events', 'events-rtc')).toMatchObject({ verdict: 'failing', metrics: { failedOperations: null } });
    expect(rule(doc, 'media', 'media').verdict).toBe('lagging');

    const md = await runCli(['status', '--format', 'markdown'], { cwd, endpoint: emu.url });
    expect(md.code).toBe(2);
    expect(md.stdout).toContain('| `events/events-rtc` | events-replica | ✗ failing |');
    expect(md.stdout).toContain('shop-events-events-rtc-failed-operations: ALARM');
  });
});
