/**
 * status and jobs output in src/render: JSON with the contract's key order
 * whatever order the report was built in (as plan and drift JSON), and Markdown
 * escaped as plans and drift reports are.
 */
import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src/health/jobs.js';
import type { RuleStatus, StatusReport } from '../../src/health/status.js';
import { renderJobsJson, renderStatusJson, renderStatusMarkdown } from '../../src/render/health.js';

const job: JobSummary = {
  jobId: 'j-1',
  region: 'us-east-1',
  status: 'Complete',
  purpose: 'backfill src/r1 → dst',
  kind: 'backfill',
  source: 'src',
  ruleId: 'r1',
  created: '2026-01-01T00:00:00Z',
  terminated: '2026-01-01T00:05:00Z',
  total: 3,
  succeeded: 3,
  failed: 0,
};

const rule: RuleStatus = {
  source: 'src',
  destination: 'dst',
  ruleId: 'r1',
  region: 'us-east-1',
  destinationRegion: 'us-west-2',
  enabled: true,
  rtc: false,
  metricsEnabled: true,
  verdict: 'lagging',
  reasons: ['alarm s3repl_src_r1 is in ALARM', 'pending *now* | later'],
  metrics: { latencySecondsMax: 30, pendingBytesMax: 10, pendingOperationsMax: 2, pendingOperationsMin: 0, failedOperations: 0 },
  thresholds: { latencySeconds: 900, latencyFrom: 'alarm', pendingBytes: null, pendingOperations: null },
  alarms: [{ name: 's3repl_src_r1|latency', region: 'us-west-2', threshold: 'latencySeconds', metric: 'ReplicationLatency', state: 'ALARM', reason: null }],
  lastJob: job,
};

const report: StatusReport = {
  formatVersion: 1,
  generatedAt: '2026-01-01T01:00:00.000Z',
  config: 'replication.yaml',
  account: '111111111111',
  window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', seconds: 3600 },
  strict: false,
  healthy: false,
  summary: { healthy: 0, lagging: 1, failing: 0, 'no-metrics': 0, disabled: 0 },
  rules: [rule],
};

/** The same object with every level's keys in reverse order. */
function reversed<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversed) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) as T;
  return v;
}

describe('status and jobs JSON', () => {
  it('status: contract key order (as the report has always been written), 2-space indent, a final newline, whatever the build order', () => {
    const json = renderStatusJson(report);
    expect(json).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(renderStatusJson(reversed(report))).toBe(json);
  });

  it('jobs: only the summary fields of each job, in contract order', () => {
    const detailed = { ...reversed(job), failureReasons: ['x'] } as JobSummary;
    const json = renderJobsJson([detailed]);
    expect(json).toBe(`${JSON.stringify({ formatVersion: 1, jobs: [job] }, null, 2)}\n`);
  });
});

describe('status Markdown', () => {
  it('escapes names and reasons as plan Markdown does: no stray table cells or emphasis', () => {
    const md = renderStatusMarkdown(report);
    const row = md.split('\n').find((l) => l.startsWith('| `src/r1`'))!;
    expect(row).toContain('s3repl\\_src\\_r1\\|latency: ALARM');
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(10);
    expect(md).toContain('- `src/r1`: alarm s3repl\\_src\\_r1 is in ALARM; pending \\*now\\* \\| later');
  });
});
