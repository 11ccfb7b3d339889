/** `s3repl failures` in text, Markdown and JSON (docs/failure-events.md, "JSON"). */
import type { ChalkInstance } from 'chalk';
import type { FailureGroup, FailuresReport } from '../failures/report.js';

const what = (g: FailureGroup) => (g.type === 'OperationFailedReplication' ? (g.failureReason ?? 'no reason given') : g.type);
const sample = (g: FailureGroup) => g.samples.map((s) => `${s.key}${s.versionId ? ` (${s.versionId})` : ''}`).join(', ') + (g.objects > g.samples.length ? ', …' : '');

function received(r: FailuresReport): string {
  const x = r.received;
  if (!x) return 'No queue to receive from (events: names no SQS queue); showing what the store holds.';
  const parts = [`received ${x.messages} message${x.messages === 1 ? '' : 's'}`, `recorded ${x.recorded} new event${x.recorded === 1 ? '' : 's'}`];
  if (x.duplicates) parts.push(`${x.duplicates} already recorded`);
  if (x.tests) parts.push(`${x.tests} S3 test message${x.tests === 1 ? '' : 's'} removed`);
  if (x.left) parts.push(`${x.left} other message${x.left === 1 ? '' : 's'} left in the queue`);
  return `${parts.join(', ')}.`;
}

export function renderFailuresText(r: FailuresReport, c: ChalkInstance): string {
  const lines: string[] = [c.dim(received(r)), c.dim(`Store: ${r.store}${r.since ? `; events since ${r.since}` : ''}`), ''];
  if (r.groups.length === 0) {
    lines.push(c.green('No replication failure events recorded.'));
    return lines.join('\n');
  }
  let last = '';
  for (const g of r.groups) {
    const head = `${g.source} / rule ${g.ruleId}`;
    if (head !== last) {
      lines.push(c.bold(head));
      last = head;
    }
    const pending = g.type === 'OperationFailedReplication' ? `, ${g.pending} not retried yet` : '';
    lines.push(`  → ${g.destination}: ${c.red(what(g))} — ${g.events} event${g.events === 1 ? '' : 's'}, ${g.objects} object version${g.objects === 1 ? '' : 's'}${pending} (${g.first} … ${g.last})`);
    lines.push(`    ${g.meaning}`);
    lines.push(`    ${c.cyan('fix:')} ${g.fix}`);
    lines.push(c.dim(`    e.g. ${sample(g)}`));
  }
  lines.push('');
  lines.push(`${r.total.events} event${r.total.events === 1 ? '' : 's'}, ${r.total.objects} object version${r.total.objects === 1 ? '' : 's'}, ${r.total.pending} failed and not retried yet.`);
  if (r.total.pending) lines.push(c.dim('Retry exactly those once the cause is fixed: s3repl retry-failed --from-events'));
  return lines.join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function renderFailuresMarkdown(r: FailuresReport): string {
  const lines = ['### Replication failures', '', `_${received(r)} Store: \`${r.store}\`${r.since ? `; since ${r.since}` : ''}._`, ''];
  if (r.groups.length === 0) return [...lines, 'No replication failure events recorded.'].join('\n');
  lines.push('| Source | Rule | Destination | Reason | Events | Objects | Not retried | Meaning | Fix |', '|---|---|---|---|---:|---:|---:|---|---|');
  for (const g of r.groups) {
    lines.push(`| ${md(g.source)} | ${md(g.ruleId)} | ${md(g.destination)} | \`${md(what(g))}\` | ${g.events} | ${g.objects} | ${g.pending} | ${md(g.meaning)} | ${md(g.fix)} |`);
  }
  lines.push('', `${r.total.events} events, ${r.total.objects} object versions, ${r.total.pending} failed and not retried yet.`);
  return lines.join('\n');
}

export function renderFailuresJson(r: FailuresReport): string {
  return JSON.stringify(r, null, 2);
}
