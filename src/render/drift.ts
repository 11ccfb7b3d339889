/**
 * The drift report (`s3repl drift`) for a terminal or a cron mail (text), an
 * issue or chat message (Markdown), and alerting (JSON, formatVersion 1, see
 * docs/drift-format.md). Each has: a header (config, state serial and lineage,
 * account, time), what changed outside s3repl (the renderers plan shares:
 * renderDriftText / renderDriftMarkdown), IAM statements changed by hand,
 * what apply would still do ("Pending changes": address, action, changed
 * attributes, why), and a closing verdict line.
 */
import type { ChalkInstance } from 'chalk';
import type { PendingCause, PendingChange, DriftReport } from '../engine/drift.js';
import type { Action } from '../engine/types.js';
import { iamRows, iamTableText, iamMarkdownParts } from './iam.js';
import { orderKeys } from './json.js';
import { renderDriftMarkdown } from './markdown.js';
import { DEFAULT_WIDTH, renderDriftText } from './text.js';
import { codeSpan, escapeMarkdown, plural, wrapWords } from './values.js';

export const IAM_BROADENED_OUTSIDE = 'IAM permissions were broadened outside s3repl';

const ACTION_SYMBOL: Record<PendingChange['action'], string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  adopt: '*',
  delete: '-',
  forget: '!',
};

const CAUSE_NOTE: Record<PendingCause, string> = {
  config: 'the configuration changed since the last apply',
  drift: 'undoes the change made outside s3repl',
  both: 'the configuration changed, and the resource was also changed outside s3repl',
};

/** Attribute paths a pending change touches, as listed (none for a whole-resource create, delete or forget). */
const MAX_PATHS = 6;
function changedPaths(p: PendingChange): string[] {
  if (p.action !== 'update' && p.action !== 'replace' && p.action !== 'adopt') return [];
  return p.changes.map((ch) => ch.path);
}

function causeNote(p: PendingChange, report: DriftReport): string {
  if (report.state.lineage === null) return 'not applied yet';
  if (p.cause === 'drift' && p.action === 'create') return 'recreates what was deleted outside s3repl';
  return CAUSE_NOTE[p.cause];
}

/** The closing verdict, the same words in text and Markdown (`code` formats a command). */
export function driftVerdict(report: DriftReport, code: (s: string) => string = (x) => `\`${x}\``): string {
  const s = report.summary;
  if (report.state.lineage === null) {
    return s.pending === 0
      ? 'Nothing is managed by s3repl yet (no state), and AWS already matches the configuration.'
      : `Nothing is managed by s3repl yet (no state): ${plural(s.pending, 'pending change')}. Run ${code('s3repl plan')} to review them and ${code('s3repl apply')} to apply the configuration.`;
  }
  if (!report.hasDrift) return 'No drift: live AWS matches the last apply and the configuration.';
  const parts: string[] = [];
  if (s.drifted) parts.push(`${plural(s.drifted, 'resource')} changed outside s3repl`);
  if (s.vanished) parts.push(`${plural(s.vanished, 'resource')} deleted outside s3repl`);
  if (s.pending) parts.push(plural(s.pending, 'pending change'));
  const next =
    s.pending > 0
      ? `Review with ${code('s3repl plan')}; ${code('s3repl apply')} makes AWS match the configuration again.`
      : `The configuration already matches AWS: ${code('s3repl apply')} records the changes as the last apply.`;
  return `Drift found: ${parts.join(', ')}. ${next}`;
}

function stateFact(report: DriftReport): string {
  if (report.state.lineage === null) return 'none: nothing is managed by s3repl yet';
  return `serial ${report.state.serial}, lineage ${report.state.lineage} (${plural(report.summary.managed, 'resource')} managed)`;
}

// ---------------------------------------------------------------------------
// Text

export function renderDriftReportText(report: DriftReport, opts: { color: ChalkInstance; width?: number }): string {
  const c = opts.color;
  const width = opts.width ?? DEFAULT_WIDTH;
  const sections: string[] = [];

  sections.push(
    [
      c.bold('s3repl drift report'),
      `  config   ${report.config.path} (sha256 ${report.config.sha256.slice(0, 12)})`,
      `  state    ${stateFact(report)}`,
      `  account  ${report.account}`,
      `  checked  ${report.generatedAt}`,
    ].join('\n'),
  );

  if (report.state.lineage !== null) {
    sections.push(
      report.drift.length > 0
        ? renderDriftText(report.drift, c, { width })
        : `${c.bold('Changes outside s3repl')}\n\nNone: live AWS matches the last apply.`,
    );
  }

  if (report.iam.statements.length > 0) {
    const added = report.iam.statements.filter((st) => st.change === 'added').length;
    const lines = [c.bold(`IAM statements changed outside s3repl (${plural(added, 'statement')} added, ${report.iam.statements.length - added} removed):`)];
    if (report.iam.broadened) lines.push('', c.bold.red(`⚠ ${IAM_BROADENED_OUTSIDE}.`) + ' The added statements (+) grant more than s3repl applied.');
    lines.push('', iamTableText(iamRows(report.iam.statements), c, width));
    sections.push(lines.join('\n'));
  }

  const pendingHead = c.bold('Pending changes');
  if (report.pending.length === 0) {
    sections.push(`${pendingHead}\n\nNone: live AWS matches the configuration.`);
  } else {
    const out = [pendingHead, '', ...wrapWords(`\`s3repl apply\` would make ${plural(report.pending.length, 'change')}:`, width)];
    const addrWidth = Math.min(60, Math.max(...report.pending.map((p) => p.address.length)));
    for (const p of report.pending) {
      out.push(`  ${symbol(p.action, c).padStart(3)} ${p.address.padEnd(addrWidth)}  ${p.action}`);
      const paths = changedPaths(p);
      if (paths.length > 0) {
        const shown = paths.slice(0, MAX_PATHS).join(', ') + (paths.length > MAX_PATHS ? ` and ${paths.length - MAX_PATHS} more` : '');
        out.push(...wrapWords(`changes: ${shown}`, width - 8).map((l) => `        ${l}`));
      }
      // The plan's own reason for a recreate ("it was deleted outside s3repl") is what the cause note says.
      for (const why of [causeNote(p, report), ...p.reasons.filter((r) => !/outside s3repl/.test(r))]) {
        out.push(...wrapWords(`(${why})`, width - 8).map((l) => c.dim(`        ${l}`)));
      }
    }
    sections.push(out.join('\n'));
  }

  const verdict = driftVerdict(report);
  sections.push(report.hasDrift ? c.bold.yellow(verdict) : c.green(verdict));
  return `${sections.join('\n\n')}\n`;
}

function symbol(action: PendingChange['action'], c: ChalkInstance): string {
  const s = ACTION_SYMBOL[action];
  if (action === 'create') return c.green(s);
  if (action === 'delete') return c.red(s);
  if (action === 'update') return c.yellow(s);
  if (action === 'replace') return `${c.red('-')}/${c.green('+')}`;
  return c.dim(s);
}

// ---------------------------------------------------------------------------
// Markdown

const ACTION_LABEL: Record<Exclude<Action, 'no-op'>, string> = {
  create: '➕ create',
  update: '🔄 update',
  replace: '♻️ replace',
  adopt: '🤝 adopt',
  delete: '➖ delete',
  forget: '✋ forget',
};

/** The report as an issue or chat message (GitHub-flavoured Markdown). */
export function renderDriftReportMarkdown(report: DriftReport, opts: { width?: number } = {}): string {
  const s = report.summary;
  const title =
    report.state.lineage === null
      ? `## s3repl drift: nothing managed yet${s.pending ? `, ${plural(s.pending, 'pending change')}` : ''}`
      : report.hasDrift
        ? '## s3repl drift: ⚠️ drift found'
        : '## s3repl drift: ✅ no drift';
  const facts = [
    `account ${codeSpan(report.account, false)}`,
    `config ${codeSpan(report.config.path, false)} (${codeSpan(report.config.sha256.slice(0, 12), false)})`,
    report.state.lineage === null ? 'no state' : `state serial ${report.state.serial}, lineage ${codeSpan(report.state.lineage, false)}`,
    `checked ${escapeMarkdown(report.generatedAt)}`,
    `s3repl ${escapeMarkdown(report.s3replVersion)}`,
  ];
  const parts: string[] = [
    [title, '', `<sub>${facts.join(' · ')}</sub>`].join('\n'),
    [
      '| | Resources |',
      '|:--|--:|',
      `| ✏️ changed outside s3repl | ${s.drifted} |`,
      `| 🗑️ deleted outside s3repl | ${s.vanished} |`,
      `| ⏳ pending changes | ${s.pending} |`,
    ].join('\n'),
  ];

  const drift = renderDriftMarkdown(report.drift, opts);
  if (drift !== '') parts.push(drift);

  if (report.iam.statements.length > 0) {
    const iam = iamMarkdownParts(report.iam);
    const intro = ['### IAM statements changed outside s3repl'];
    if (report.iam.broadened) intro.push('', '> [!WARNING]', `> **⚠️ ${IAM_BROADENED_OUTSIDE}.** The added statements (➕) grant more than s3repl applied.`);
    parts.push(`${intro.join('\n')}\n\n${iam.header}\n${iam.rows.join('\n')}`);
  }

  if (report.pending.length > 0) {
    const rows = report.pending.map((p) => {
      const paths = changedPaths(p).map((x) => codeSpan(x));
      const attrs = paths.slice(0, MAX_PATHS).join(', ') + (paths.length > MAX_PATHS ? ` and ${paths.length - MAX_PATHS} more` : '');
      // The change's own reasons follow, as in text (what to do about it, when the kind says).
      const why = [causeNote(p, report), ...p.reasons.filter((r) => !/outside s3repl/.test(r))].join('; ');
      return `| ${ACTION_LABEL[p.action]} | ${codeSpan(p.address)} | ${attrs} | ${escapeMarkdown(why)} |`;
    });
    parts.push(['### ⏳ Pending changes', '', '| Action | Address | Changed attributes | Why |', '|---|---|---|---|', ...rows].join('\n'));
  }

  // The verdict is fixed prose and numbers; only the commands need marking up.
  parts.push(`**${driftVerdict(report, (cmd) => codeSpan(cmd, false))}**`);
  return `${parts.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------
// JSON

/** Key order of each object of the contract, by its path (`[]` for array items); see docs/drift-format.md. */
const KEY_ORDER: Record<string, readonly string[]> = {
  '': ['formatVersion', 'kind', 's3replVersion', 'generatedAt', 'config', 'account', 'state', 'drift', 'pending', 'iam', 'summary', 'hasDrift'],
  config: ['path', 'sha256'],
  state: ['lineage', 'serial'],
  'drift[]': ['address', 'kind', 'status', 'changes'],
  'drift[].changes[]': ['path', 'kind', 'before', 'after'],
  'pending[]': ['address', 'kind', 'action', 'cause', 'reasons', 'changes'],
  'pending[].changes[]': ['path', 'kind', 'before', 'after'],
  iam: ['broadened', 'statements'],
  'iam.statements[]': ['change', 'address', 'roleName', 'policy', 'effect', 'actions', 'resources', 'principals', 'conditions'],
  summary: ['drifted', 'vanished', 'pending', 'managed'],
};

/** Free-form values (attribute values, IAM conditions): keys sorted at every level. */
const FREE_FORM = new Set([
  'drift[].changes[].before',
  'drift[].changes[].after',
  'pending[].changes[].before',
  'pending[].changes[].after',
  'iam.statements[].conditions',
]);

/** The report as 2-space-indented JSON with a final newline, keys in a stable order. */
export function renderDriftReportJson(report: DriftReport): string {
  return `${JSON.stringify(orderKeys(report, KEY_ORDER, FREE_FORM), null, 2)}\n`;
}
