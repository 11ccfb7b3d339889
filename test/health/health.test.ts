/**
 * Units of the health commands: the verdict (judge), the --since window, job
 * descriptions, retry targets, progress bars, and the report bucket apply
 * creates for Batch Replication.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Chalk } from 'chalk';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { desiredResources } from '../../src/engine/desired.js';
import { judge, thresholdsOf, type RuleAlarm, type RuleMetrics } from '../../src/health/status.js';
import { parseDescription, waitForJobs, type JobDetail } from '../../src/health/jobs.js';
import { humanBytes, humanSeconds, renderJobsText } from '../../src/render/health.js';
import { parseSince } from '../../src/health/status.js';
import { retryTargets } from '../../src/health/jobs.js';
import { bar, jobProgress } from '../../src/cli/job-progress.js';
import type { Output } from '../../src/cli/output.js';
import { UserError } from '../../src/errors.js';

const ACCOUNT = '111111111111';

function config(yaml: string): Config {
  const r = loadConfigText(yaml, 'test.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.config!;
}

const metrics = (m: Partial<RuleMetrics>): RuleMetrics => ({
  latencySecondsMax: 1,
  pendingBytesMax: 0,
  pendingOperationsMax: 0,
  pendingOperationsMin: 0,
  failedOperations: null,
  ...m,
});
const noThresholds = { latencySeconds: null, latencyFrom: null, pendingBytes: null, pendingOperations: null } as const;
const alarm = (threshold: string, state: RuleAlarm['state']): RuleAlarm => ({ name: `a-${threshold}`, region: 'us-east-1', threshold, metric: 'M', state, reason: null });
const base = { enabled: true, metricsEnabled: true, thresholds: noThresholds, alarms: [] as RuleAlarm[] };

describe('judge', () => {
  it('healthy when nothing failed, nothing lags and there are datapoints', () => {
    expect(judge({ ...base, metrics: metrics({}) })).toEqual({ verdict: 'healthy', reasons: [] });
  });

  it('failing on failed operations, or on a failedOperations alarm in ALARM; failing wins over lagging', () => {
    expect(judge({ ...base, metrics: metrics({ failedOperations: 3 }) })).toEqual({
      verdict: 'failing',
      reasons: ['3 operations failed to replicate in the window'],
    });
    const r = judge({ ...base, metrics: metrics({}), alarms: [alarm('failedOperations', 'ALARM'), alarm('latencySeconds', 'ALARM')] });
    expect(r.verdict).toBe('failing');
    expect(r.reasons).toEqual(['alarm a-failedOperations is in ALARM', 'alarm a-latencySeconds is in ALARM']);
  });

  it('lagging: RTC latency over 900 s, whatever the alarm threshold says', () => {
    const rtc = { latencySeconds: 900, latencyFrom: 'rtc', pendingBytes: null, pendingOperations: null } as const;
    expect(judge({ ...base, thresholds: rtc, metrics: metrics({ latencySecondsMax: 900 }) }).verdict).toBe('healthy');
    expect(judge({ ...base, thresholds: rtc, metrics: metrics({ latencySecondsMax: 901 }) })).toEqual({
      verdict: 'lagging',
      reasons: ["replication latency reached 901 s, over RTC's 15-minute threshold (900 s)"],
    });
  });

  it('lagging: over the alarm thresholds when set; otherwise only when operations were pending for the whole window', () => {
    const t = { latencySeconds: 60, latencyFrom: 'alarm', pendingBytes: 1000, pendingOperations: null } as const;
    expect(judge({ ...base, thresholds: t, metrics: metrics({ latencySecondsMax: 61 }) }).reasons).toEqual([
      'replication latency reached 61 s, over the latencySeconds threshold (60 s)',
    ]);
    expect(judge({ ...base, thresholds: t, metrics: metrics({ pendingBytesMax: 1001 }) }).verdict).toBe('lagging');
    // With a pending threshold, a backlog that never emptied but stays under it is fine.
    expect(judge({ ...base, thresholds: t, metrics: metrics({ pendingOperationsMin: 5, pendingBytesMax: 10 }) }).verdict).toBe('healthy');
    // Without one: pending all along is lagging, pending for a while is not.
    expect(judge({ ...base, metrics: metrics({ pendingOperationsMin: 5, pendingOperationsMax: 9 }) })).toEqual({
      verdict: 'lagging',
      reasons: ['operations were pending for the whole window (never fewer than 5)'],
    });
    expect(judge({ ...base, metrics: metrics({ pendingOperationsMin: 0, pendingOperationsMax: 9000 }) }).verdict).toBe('healthy');
    expect(judge({ ...base, metrics: metrics({}), alarms: [alarm('pendingOperations', 'ALARM')] }).verdict).toBe('lagging');
  });

  it('no metrics when they are off or there is no datapoint; disabled rules are disabled', () => {
    expect(judge({ ...base, metricsEnabled: false, metrics: null }).verdict).toBe('no-metrics');
    const empty = { latencySecondsMax: null, pendingBytesMax: null, pendingOperationsMax: null, pendingOperationsMin: null, failedOperations: null };
    expect(judge({ ...base, metrics: empty })).toEqual({
      verdict: 'no-metrics',
      reasons: ['no replication metrics in the window (nothing was written, or S3 has not published them yet)'],
    });
    expect(judge({ ...base, metrics: empty, alarms: [alarm('failedOperations', 'ALARM')] }).verdict).toBe('failing');
    expect(judge({ ...base, enabled: false, metrics: null }).verdict).toBe('disabled');
    // INSUFFICIENT_DATA and MISSING alarms say nothing about health.
    expect(judge({ ...base, metrics: metrics({}), alarms: [alarm('failedOperations', 'INSUFFICIENT_DATA'), alarm('latencySeconds', 'MISSING')] }).verdict).toBe('healthy');
  });

  it('takes thresholds from RTC first, then the rule alarms', () => {
    const c = config(`
version: 1
defaults: { region: us-east-1 }
buckets: { aaa: {}, bbb: {} }
roles: { r: { name: r } }
replications:
  - source: aaa
    role: r
    rules:
      - { id: rtc, priority: 1, filter: { prefix: x/ }, destination: { bucket: bbb }, rtc: true, alarms: { latencySeconds: 60, pendingBytes: 5 } }
      - { id: plain, priority: 2, filter: { prefix: y/ }, destination: { bucket: bbb }, metrics: true, alarms: { latencySeconds: 60 } }
      - { id: bare, priority: 3, filter: { prefix: z/ }, destination: { bucket: bbb } }
`);
    const [rtc, plain, bare] = c.replications[0]!.rules;
    expect(thresholdsOf(rtc!)).toEqual({ latencySeconds: 900, latencyFrom: 'rtc', pendingBytes: 5, pendingOperations: null });
    expect(thresholdsOf(plain!)).toEqual({ latencySeconds: 60, latencyFrom: 'alarm', pendingBytes: null, pendingOperations: null });
    expect(thresholdsOf(bare!)).toEqual(noThresholds);
  });
});

describe('parseSince', () => {
  const now = new Date('2024-05-01T12:34:56.789Z');
  it('takes durations back from now and ISO times, rounded down to the minute', () => {
    expect(parseSince('1h', now).toISOString()).toBe('2024-05-01T11:34:00.000Z');
    expect(parseSince('90s', now).toISOString()).toBe('2024-05-01T12:33:00.000Z');
    expect(parseSince('2d', now).toISOString()).toBe('2024-04-29T12:34:00.000Z');
    expect(parseSince('1w', now).toISOString()).toBe('2024-04-24T12:34:00.000Z');
    expect(parseSince('2024-05-01T10:00:30Z', now).toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });
  it('refuses anything else as a user error', () => {
    for (const bad of ['', 'soon', '1 fortnight', '-1h', '2024-05-02T00:00:00Z']) {
      expect(() => parseSince(bad, now), bad).toThrow(UserError);
    }
  });
});

describe('job descriptions', () => {
  it('reads what a job is for and its source from s3repl:TOKEN PURPOSE', () => {
    expect(parseDescription('s3repl:s3repl-abc backfill photos/all → photos-copy')).toEqual({
      purpose: 'backfill photos/all → photos-copy',
      kind: 'backfill',
      source: 'photos',
      ruleId: 'all',
    });
    expect(parseDescription('s3repl:s3repl-retry-1 retry-failed orders')).toEqual({ purpose: 'retry-failed orders', kind: 'retry-failed', source: 'orders', ruleId: null });
    expect(parseDescription('s3repl:tok')).toEqual({ purpose: '', kind: 'other', source: null, ruleId: null });
  });
});

describe('retryTargets', () => {
  const c = config(`
version: 1
defaults: { region: us-east-1 }
buckets:
  aaa: {}
  bbb: { region: eu-west-1 }
  ccc: { account: "222222222222" }
  ddd: {}
roles:
  managed: { name: s3repl-m }
  own: { arn: "arn:aws:iam::111111111111:role/mine" }
replications:
  - source: aaa
    role: managed
    rules:
      - { id: one, priority: 1, filter: { prefix: x/ }, destination: { bucket: ddd }, existingObjects: replicate }
      - { id: two, priority: 2, filter: { prefix: y/ }, destination: { bucket: ddd } }
  - source: bbb
    role: own
    rules:
      - { id: one, destination: { bucket: ddd } }
  - source: ccc
    role: own
    rules:
      - { id: far, destination: { bucket: ddd } }
`);

  it('is one job per source bucket, with the role and every rule of the bucket', () => {
    const { targets, skipped } = retryTargets(c, ACCOUNT, []);
    expect(targets).toEqual([
      { source: 'aaa', region: 'us-east-1', roleArn: 'arn:aws:iam::111111111111:role/s3repl-m', rules: ['one', 'two'], chosen: ['one', 'two'], prefix: null },
      { source: 'bbb', region: 'eu-west-1', roleArn: 'arn:aws:iam::111111111111:role/mine', rules: ['one'], chosen: ['one'], prefix: null },
    ]);
    expect(skipped).toEqual(['ccc is in account 222222222222: start its job with that account\'s credentials']);
  });

  it('picks buckets by rule id (every bucket with that id) or SOURCE/RULE, narrowed to the chosen rules\' prefix when they share one', () => {
    // aaa has two rules: the job for `one` looks only under x/; bbb's only rule has no prefix.
    expect(retryTargets(c, ACCOUNT, ['one']).targets.map((t) => `${t.source}:${t.prefix}`)).toEqual(['aaa:x/', 'bbb:null']);
    // Both rules of aaa: the whole bucket; rules with different prefixes cannot be narrowed to one.
    expect(retryTargets(c, ACCOUNT, ['aaa/one', 'two']).targets.map((t) => `${t.source}:${t.prefix}`)).toEqual(['aaa:null']);
    expect(retryTargets(c, ACCOUNT, ['bbb/one']).targets.map((t) => `${t.source}:${t.chosen.join(',')}`)).toEqual(['bbb:one']);
    expect(retryTargets(c, ACCOUNT, ['two']).targets).toEqual([expect.objectContaining({ source: 'aaa', chosen: ['two'], rules: ['one', 'two'], prefix: 'y/' })]);
    expect(() => retryTargets(c, ACCOUNT, ['aaa/one', 'nope'])).toThrow(/no rule nope in the configuration/);
  });

  it('targets a managed role even when no rule backfills (every managed role may run Batch Replication)', () => {
    const noBatch = config(`
version: 1
defaults: { region: us-east-1 }
buckets: { aaa: {}, ddd: {} }
roles: { managed: { name: s3repl-m } }
replications:
  - { source: aaa, role: managed, rules: [{ id: one, destination: { bucket: ddd } }] }
`);
    expect(retryTargets(noBatch, ACCOUNT, []).targets.map((t) => t.roleArn)).toEqual([`arn:aws:iam::${ACCOUNT}:role/s3repl-m`]);
  });
});

describe('rendering', () => {
  it('sizes, durations and progress bars', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(10 * 1024 ** 3)).toBe('10.0 GiB');
    expect(humanSeconds(0)).toBe('0s');
    expect(humanSeconds(0.25)).toBe('0.25s');
    expect(humanSeconds(900)).toBe('15m');
    expect(humanSeconds(3660)).toBe('1h1m');
    expect(bar({ succeeded: 0, failed: 0, total: null }, 4)).toBe('[····]');
    expect(bar({ succeeded: 2, failed: 1, total: 4 }, 4)).toBe('[##x·]');
    expect(bar({ succeeded: 4, failed: 0, total: 4 }, 4)).toBe('[####]');
  });

  it('lists jobs as a table, and says when there are none', () => {
    const c = new Chalk({ level: 0 });
    expect(renderJobsText([], c)).toContain('No Batch Replication jobs');
    const text = renderJobsText(
      [
        {
          jobId: 'j-1', region: 'us-east-1', status: 'Active', purpose: 'retry-failed a', kind: 'retry-failed', source: 'a', ruleId: null,
          created: '2024-05-01T10:00:00.000Z', terminated: null, total: 10, succeeded: 4, failed: 1,
        },
      ],
      c,
    );
    expect(text.split('\n')).toEqual([
      'JOB ID  REGION     STATUS  OK/FAILED/TOTAL  CREATED               PURPOSE',
      'j-1     us-east-1  Active  4/1/10           2024-05-01T10:00:00Z  retry-failed a',
    ]);
  });
});

describe('job progress', () => {
  const job = (status: string, succeeded: number, total: number | null): JobDetail => ({
    jobId: 'abcdef12-0000', region: 'us-east-1', status, purpose: 'retry-failed a', kind: 'retry-failed', source: 'a', ruleId: null,
    created: null, terminated: null, total, succeeded, failed: 0, report: null, failureReasons: [],
  });
  const output = (lines: string[]): Output => ({ color: false, c: new Chalk({ level: 0 }), out: () => undefined, err: (t) => void lines.push(t), interactive: false, debug: false });

  it('on a terminal, redraws one bar per job in place', () => {
    const writes: string[] = [];
    const stream = { isTTY: true, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const p = jobProgress(output([]), { tty: true, stream });
    p.update([job('Active', 1, 4)]);
    p.update([job('Complete', 4, 4)]);
    expect(writes).toEqual([
      '\x1b[2Kabcdef12 [######··················]  25% 1 succeeded, 0 failed of 4 Active\n',
      '\x1b[1A\x1b[2Kabcdef12 [########################] 100% 4 succeeded, 0 failed of 4 Complete\n',
    ]);
  });

  it('elsewhere, prints a line when a job changes, and one a minute while it does not', () => {
    const lines: string[] = [];
    let t = 0;
    const p = jobProgress(output(lines), { tty: false, now: () => t, everyMs: 60_000 });
    p.update([job('Active', 1, 4)]);
    t = 30_000;
    p.update([job('Active', 1, 4)]);
    t = 61_000;
    p.update([job('Active', 1, 4)]);
    p.update([job('Complete', 4, 4)]);
    expect(lines).toEqual([
      'job abcdef12-0000 (us-east-1) Active: 1 succeeded, 0 failed of 4',
      'job abcdef12-0000 (us-east-1) Active: 1 succeeded, 0 failed of 4',
      'job abcdef12-0000 (us-east-1) Complete: 4 succeeded, 0 failed of 4',
    ]);
  });
});

describe('compile: the report bucket', () => {
  const yaml = (create: boolean) => `
version: 1
defaults: { region: us-east-1 }
buckets: { aaa: {}, ddd: {}, reports: { create: ${create} } }
roles: { r: { name: r } }
jobs: { reportBucket: reports }
replications:
  - { source: aaa, role: r, rules: [{ id: one, destination: { bucket: ddd }, existingObjects: replicate }] }
`;
  it('is created (versioned, like every bucket s3repl creates) when it says create: true, and left alone otherwise', () => {
    const addrs = (create: boolean) => desiredResources(config(yaml(create)), { accountId: ACCOUNT, lineage: 'L' }).resources.map((r) => r.address);
    expect(addrs(true)).toEqual(expect.arrayContaining(['bucket.reports', 'versioning.reports']));
    expect(addrs(false).filter((a) => a.endsWith('.reports'))).toEqual([]);
  });
});

describe('docs/status-format.md', () => {
  it('has an example that validates against schema/status.schema.json', () => {
    const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv) => Ajv;
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/status.schema.json', import.meta.url), 'utf8')) as object);
    const doc = readFileSync(new URL('../../docs/status-format.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
    validate(JSON.parse(example));
    expect(validate.errors ?? []).toEqual([]);
    // And a document that breaks the schema is caught.
    validate({ ...JSON.parse(example), formatVersion: 2 });
    expect(validate.errors?.length).toBeGreaterThan(0);
  });
});

describe('waitForJobs', () => {
  /** An AwsClients stand-in whose DescribeJob answers from a script, one answer per call and job. */
  function fakeAws(script: Record<string, string[]>) {
    const calls: string[] = [];
    const aws = {
      limit: <T>(f: () => Promise<T>) => f(),
      s3control: () => ({
        send: async (cmd: { input: { JobId: string } }) => {
          const id = cmd.input.JobId;
          calls.push(id);
          const statuses = script[id]!;
          const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
          return {
            Job: {
              JobId: id,
              Status: status,
              Description: 's3repl:t retry-failed src',
              ProgressSummary: { TotalNumberOfTasks: 2, NumberOfTasksSucceeded: status === 'Complete' ? 2 : 0, NumberOfTasksFailed: 0 },
              Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'p/' },
            },
          };
        },
      }),
    };
    return { aws: aws as unknown as Parameters<typeof waitForJobs>[0], calls };
  }

  it('polls until every job is terminal or Suspended, and reads the report location', async () => {
    const { aws, calls } = fakeAws({ a: ['Preparing', 'Active', 'Complete'], b: ['Suspended'] });
    const seen: string[][] = [];
    const sleeps: number[] = [];
    const final = await waitForJobs(aws, ACCOUNT, [{ region: 'us-east-1', jobId: 'a' }, { region: 'us-east-1', jobId: 'b' }], {
      intervalMs: 7,
      sleep: async (ms) => void sleeps.push(ms),
      onUpdate: (jobs) => seen.push(jobs.map((j) => `${j.jobId}:${j.status}`)),
    });
    expect(seen).toEqual([['a:Preparing', 'b:Suspended'], ['a:Active', 'b:Suspended'], ['a:Complete', 'b:Suspended']]);
    expect(calls).toEqual(['a', 'b', 'a', 'a']);
    expect(sleeps).toEqual([7, 7]);
    expect(final.map((j) => [j.status, j.succeeded, j.total, j.report])).toEqual([
      ['Complete', 2, 2, 's3://reports/p/job-a/'],
      ['Suspended', 0, 2, 's3://reports/p/job-b/'],
    ]);
  });
});
