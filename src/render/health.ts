/**
 * Renderers for `status` and `jobs`, in text, Markdown and JSON, with the same
 * Markdown escaping (values.ts) and JSON key ordering (json.ts orderKeys) as
 * plans and drift reports. Pure: colour comes in as a chalk instance.
 */
import type { ChalkInstance } from 'chalk';
import type { JobSummary } from '../health/jobs.js';
import type { RuleStatus, StatusReport, Verdict } from '../health/status.js';
import { orderKeys } from './json.js';
import { codeSpan, escapeMarkdown } from './values.js';

/** `jobs --format json` is formatVersion 1 (docs/health.md). */
export const JOBS_FORMAT_VERSION = 1 as const;

const JOB_KEYS = ['jobId', 'region', 'status', 'purpose', 'kind', 'source', 'ruleId', 'created', 'terminated', 'total', 'succeeded', 'failed'] as const;

/** Contract key order of `status --format json` (docs/status-format.md). */
const STATUS_KEY_ORDER: Record<string, readonly string[]> = {
  '': ['formatVersion', 'generatedAt', 'config', 'account', 'window', 'strict', 'healthy', 'summary', 'rules', 'accessPoints'],
  window: ['start', 'end', 'seconds'],
  summary: ['healthy', 'lagging', 'failing', 'no-metrics', 'disabled'],
  'rules[]': ['source', 'destination', 'ruleId', 'region', 'destinationRegion', 'enabled', 'rtc', 'metricsEnabled', 'verdict', 'reasons', 'metrics', 'thresholds', 'alarms', 'lastJob'],
  'rules[].metrics': ['latencySecondsMax', 'pendingBytesMax', 'pendingOperationsMax', 'pendingOperationsMin', 'failedOperations'],
  'rules[].thresholds': ['latencySeconds', 'latencyFrom', 'pendingBytes', 'pendingOperations'],
  'rules[].alarms[]': ['name', 'region', 'threshold', 'metric', 'state', 'reason'],
  'rules[].lastJob': JOB_KEYS,
  'accessPoints[]': ['name', 'alias', 'status', 'regions', 'replication'],
  'accessPoints[].regions[]': ['region', 'bucket', 'trafficDialPercentage'],
  'accessPoints[].replication[]': ['source', 'destination', 'ruleId', 'enabled', 'metrics', 'pendingBytes', 'latencySeconds'],
};

/** `status --format json`: 2-space indented, a final newline, keys in contract order. */
export function renderStatusJson(report: StatusReport): string {
  return `${JSON.stringify(orderKeys(report, STATUS_KEY_ORDER, new Set()), null, 2)}\n`;
}

/** `jobs --format json`: the same fields for every job, however it was read (a detailed read has more). */
export function renderJobsJson(jobs: readonly JobSummary[]): string {
  const summaries = jobs.map((j) => Object.fromEntries(JOB_KEYS.map((k) => [k, j[k]])));
  const doc = { formatVersion: JOBS_FORMAT_VERSION, jobs: summaries };
  return `${JSON.stringify(orderKeys(doc, { '': ['formatVersion', 'jobs'], 'jobs[]': JOB_KEYS }, new Set()), null, 2)}\n`;
}
import type { AccessPointStatus, Backlog } from '../health/access-points.js';

const LABEL: Record<Verdict, string> = {
  healthy: 'healthy',
  lagging: 'lagging',
  failing: 'failing',
  'no-metrics': 'no metrics',
  disabled: 'disabled',
};

const ICON: Record<Verdict, string> = { healthy: '✓', lagging: '!', failing: '✗', 'no-metrics': '?', disabled: '-' };

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function humanSeconds(s: number): string {
  if (s < 1) return `${Number(s.toFixed(2))}s`;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${Math.round(s % 60)}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${s % 3600 >= 60 ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${s % 86400 >= 3600 ? `${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

/** `3 succeeded, 0 failed of 3` (total unknown until S3 has built the manifest). */
export function progressText(j: Pick<JobSummary, 'succeeded' | 'failed' | 'total'>): string {
  return `${j.succeeded} succeeded, ${j.failed} failed of ${j.total ?? '?'}`;
}

export function jobLine(j: JobSummary): string {
  return `${j.jobId} (${j.region}) ${j.status}: ${progressText(j)} — ${j.purpose}`;
}

function metricsLine(r: RuleStatus): string | null {
  const m = r.metrics;
  if (!m) return null;
  const parts: string[] = [];
  const lat = m.latencySecondsMax === null ? 'none' : humanSeconds(m.latencySecondsMax);
  parts.push(`latency max ${lat}${r.thresholds.latencySeconds !== null ? ` (threshold ${humanSeconds(r.thresholds.latencySeconds)}${r.thresholds.latencyFrom === 'rtc' ? ', RTC' : ''})` : ''}`);
  const ops = m.pendingOperationsMax === null ? 'none' : String(m.pendingOperationsMax);
  const bytes = m.pendingBytesMax === null ? 'none' : humanBytes(m.pendingBytesMax);
  parts.push(`pending max ${ops} ops / ${bytes}`);
  parts.push(`failed ${m.failedOperations ?? 0}`);
  return parts.join(' · ');
}

function when(iso: string | null): string {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '?';
}

export function renderStatusText(report: StatusReport, c: ChalkInstance): string {
  const color: Record<Verdict, (s: string) => string> = {
    healthy: c.green,
    lagging: c.yellow,
    failing: c.red,
    'no-metrics': c.dim,
    disabled: c.dim,
  };
  const lines: string[] = [];
  lines.push(
    `Replication health over ${humanSeconds(report.window.seconds)} (${when(report.window.start)} → ${when(report.window.end)}), account ${report.account}`,
    '',
  );
  if (report.rules.length === 0) lines.push('No replication rules in the configuration.');
  for (const r of report.rules) {
    const paint = color[r.verdict];
    lines.push(`${paint(`${ICON[r.verdict]} ${LABEL[r.verdict].padEnd(10)}`)} ${c.bold(`${r.source}/${r.ruleId}`)} ${c.dim(`(${r.region})`)} → ${r.destination} ${c.dim(`(${r.destinationRegion})`)}`);
    for (const why of r.reasons) lines.push(`    ${why}`);
    const ml = metricsLine(r);
    if (ml) lines.push(`    ${c.dim(ml)}`);
    for (const a of r.alarms) {
      const st = a.state === 'ALARM' ? c.red(a.state) : a.state === 'OK' ? c.green(a.state) : c.yellow(a.state);
      lines.push(`    alarm ${a.name} (${a.region}): ${st}`);
    }
    if (r.lastJob) lines.push(`    last job: ${jobLine(r.lastJob)} ${c.dim(`(created ${when(r.lastJob.created)})`)}`);
  }
  for (const ap of report.accessPoints ?? []) lines.push('', ...accessPointText(ap, c));
  const s = report.summary;
  lines.push(
    '',
    `${s.healthy} healthy, ${s.lagging} lagging, ${s.failing} failing, ${s['no-metrics']} without metrics${s.disabled ? `, ${s.disabled} disabled` : ''}` +
      (s['no-metrics'] && !report.strict ? ' (rules without metrics count as unhealthy only with --strict)' : '') +
      '.',
  );
  return lines.join('\n');
}

/** One access point: its Regions (active or passive) and the replication lag between its members. */
function accessPointText(ap: AccessPointStatus, c: ChalkInstance): string[] {
  const out = [`Multi-Region Access Point ${c.bold(ap.name)} ${ap.alias ? c.dim(`(${ap.alias}, ${ap.status ?? '?'})`) : c.yellow('(does not exist: run s3repl apply)')}`];
  for (const r of ap.regions) out.push(`    ${r.region.padEnd(16)} ${r.bucket.padEnd(40)} ${routeWord(r.trafficDialPercentage, c)}`);
  for (const b of ap.replication) out.push(`    ${b.source} → ${b.destination}: ${lagText(b)}`);
  return out;
}

function routeWord(p: number | null, c?: ChalkInstance): string {
  if (p === null) return c ? c.dim('unknown') : 'unknown';
  if (p === 100) return c ? c.green('active') : 'active';
  if (p === 0) return c ? c.dim('passive') : 'passive';
  return `${p}%`;
}

function lagText(b: Backlog): string {
  if (!b.enabled) return 'rule disabled';
  if (!b.metrics) return 'no replication metrics';
  const pending = b.pendingBytes === null ? 'no pending-bytes data' : `${humanBytes(b.pendingBytes)} pending`;
  const latency = b.latencySeconds === null ? 'no latency data' : `latency up to ${humanSeconds(b.latencySeconds)}`;
  return `${pending}, ${latency}`;
}

/** A value in a table cell, escaped as plan and drift Markdown escape theirs. */
const md = (s: string) => escapeMarkdown(s);

export function renderStatusMarkdown(report: StatusReport): string {
  const lines: string[] = [];
  const s = report.summary;
  lines.push(
    `### Replication health ${report.healthy ? '✅' : '⚠️'}`,
    '',
    `Window: ${when(report.window.start)} → ${when(report.window.end)} (${humanSeconds(report.window.seconds)}), account ${report.account}. ` +
      `${s.healthy} healthy, ${s.lagging} lagging, ${s.failing} failing, ${s['no-metrics']} without metrics${s.disabled ? `, ${s.disabled} disabled` : ''}.`,
    '',
    '| Rule | Destination | Verdict | Latency max | Pending max | Failed | Alarms | Last job |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of report.rules) {
    const m = r.metrics;
    const alarms = r.alarms.map((a) => `${md(a.name)}: ${a.state}`).join('<br>') || '—';
    const job = r.lastJob ? `${r.lastJob.status}: ${r.lastJob.succeeded}/${r.lastJob.failed}/${r.lastJob.total ?? '?'}` : '—';
    lines.push(
      `| ${codeSpan(`${r.source}/${r.ruleId}`)} | ${md(r.destination)} | ${ICON[r.verdict]} ${LABEL[r.verdict]} | ` +
        `${m?.latencySecondsMax != null ? humanSeconds(m.latencySecondsMax) : '—'} | ` +
        `${m?.pendingOperationsMax != null ? `${m.pendingOperationsMax} ops` : '—'}${m?.pendingBytesMax != null ? `, ${humanBytes(m.pendingBytesMax)}` : ''} | ` +
        `${m?.failedOperations ?? '—'} | ${alarms} | ${job} |`,
    );
  }
  const notes = report.rules.filter((r) => r.reasons.length && r.verdict !== 'healthy');
  if (notes.length) {
    lines.push('');
    for (const r of notes) lines.push(`- ${codeSpan(`${r.source}/${r.ruleId}`, false)}: ${r.reasons.map((x) => escapeMarkdown(x)).join('; ')}`);
  }
  for (const ap of report.accessPoints ?? []) {
    lines.push('', `#### Multi-Region Access Point \`${md(ap.name)}\` ${ap.alias ? `(${md(ap.alias)}, ${md(ap.status ?? '?')})` : '(does not exist)'}`, '', '| Region | Bucket | Routing |', '|---|---|---|');
    for (const r of ap.regions) lines.push(`| ${md(r.region)} | ${md(r.bucket)} | ${routeWord(r.trafficDialPercentage)} |`);
    if (ap.replication.length) {
      lines.push('', '| Replication | Lag |', '|---|---|');
      for (const b of ap.replication) lines.push(`| ${md(b.source)} → ${md(b.destination)} | ${md(lagText(b))} |`);
    }
  }
  return lines.join('\n');
}

export function renderJobsText(jobs: JobSummary[], c: ChalkInstance): string {
  if (jobs.length === 0) return 'No Batch Replication jobs started by s3repl (S3 lists jobs for 90 days after they finish).';
  const rows = jobs.map((j) => [j.jobId, j.region, j.status, `${j.succeeded}/${j.failed}/${j.total ?? '?'}`, when(j.created), j.purpose]);
  const head = ['JOB ID', 'REGION', 'STATUS', 'OK/FAILED/TOTAL', 'CREATED', 'PURPOSE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const paint = (status: string) => (status === 'Complete' ? c.green : status === 'Failed' || status === 'Cancelled' ? c.red : c.yellow);
  const fmt = (r: string[], status?: string) =>
    r.map((v, i) => (i === r.length - 1 ? v : i === 2 && status ? paint(status)(v.padEnd(widths[i]!)) : v.padEnd(widths[i]!))).join('  ');
  return [c.bold(fmt(head)), ...rows.map((r) => fmt(r, r[2]))].join('\n');
}
