/**
 * The plan as a GitHub pull-request comment: a title with the summary (and a
 * warning badge when IAM permissions broaden), a summary table, the IAM
 * statement table, notices, changes made outside s3repl, a table of changed
 * resources, and per resource a collapsed ```diff block.
 *
 * GitHub rejects comments over 65,535 characters. The comment is built as
 * sections of whole units (a details block, a table row, a drift item) and,
 * when too long, units are dropped from the end (details first, then table
 * rows) and a note says what was left out, so no fence or table row is ever
 * cut in half.
 */
import { hasChanges, type Action, type DriftItem, type Notice, type Plan, type ResourceChange } from '../engine/types.js';
import { byAccount } from './accounts.js';
import { costMarkdownParts } from './cost.js';
import { iamMarkdownParts } from './iam.js';
import { renderSummaryLine } from './text.js';
import { ACTION_PHRASE, changeLines, codeSpan, escapeHtml, escapeMarkdown, fenceFor, parseJsonDocument, resourceChangeLines, plural, type DiffLine } from './values.js';

export interface MarkdownOptions {
  /** Longest comment to produce (default 65,000: under GitHub's 65,535 with room for a header the caller adds). */
  maxLength?: number;
  /** Columns diff lines aim to fit (default 100). */
  width?: number;
}

export const DEFAULT_MAX_LENGTH = 65_000;

const ACTION_LABEL: Record<Action, string> = {
  create: '➕ create',
  update: '🔄 update',
  replace: '♻️ replace',
  adopt: '🤝 adopt',
  delete: '➖ delete',
  forget: '✋ forget',
  'no-op': 'no change',
};

/**
 * A part of the comment. `items` are the units truncation may drop (from the
 * end); a section whose items have all been dropped disappears entirely.
 * `total` counts every unit; only a prefix of them may have been built (`items`):
 * units that could not fit in any case are never rendered (see buildUnits).
 */
interface Section {
  /** How the note names its items, e.g. `resource details`. */
  label?: string;
  head: string;
  /** Between head and the first item. */
  headSep: string;
  items: string[];
  /** Units in all, built or not. */
  total: number;
  joiner: string;
  tail: string;
  /** Items kept (truncation lowers it). */
  kept: number;
}

function section(head: string, opts: Partial<Omit<Section, 'head' | 'kept'>> = {}): Section {
  const items = opts.items ?? [];
  return {
    label: opts.label,
    head,
    headSep: opts.headSep ?? '\n',
    items,
    total: opts.total ?? items.length,
    joiner: opts.joiner ?? '\n',
    tail: opts.tail ?? '',
    kept: items.length,
  };
}

/**
 * The first units of `total` from `next`, stopping once they alone (with their
 * joiners) are longer than `maxLength`: no comment can keep more of them, so the
 * rest (thousands, in a large plan) are never rendered.
 */
function buildUnits(total: number, next: () => string, joiner: string, maxLength: number): string[] {
  const items: string[] = [];
  let length = 0;
  while (items.length < total && length <= maxLength) {
    const item = next();
    length += item.length + (items.length > 0 ? joiner.length : 0);
    items.push(item);
  }
  return items;
}

function isShown(s: Section): boolean {
  return s.total === 0 || s.kept > 0;
}

function sectionText(s: Section): string {
  if (s.total === 0) return s.head + s.tail;
  return s.head + s.headSep + s.items.slice(0, s.kept).join(s.joiner) + s.tail;
}

export function renderPlanMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
  const width = opts.width ?? 100;
  const actionable = plan.changes.filter((rc) => rc.action !== 'no-op');

  const sections: Section[] = [section(titleBlock(plan)), section(summaryTable(plan))];

  const cost = plan.cost ? costMarkdownParts(plan.cost) : undefined;
  const costRows = cost ? section(cost.head, { items: cost.rows, tail: cost.tail, label: 'rows of the cost table' }) : undefined;
  const costDetails = cost ? section('', { headSep: '', items: [cost.details], label: 'cost details' }) : undefined;
  if (costRows) sections.push(costRows);
  if (costDetails) sections.push(costDetails);

  const iam = plan.iam.statements.length > 0 ? iamMarkdownParts(plan.iam) : undefined;
  const iamSection = iam ? section(`${iam.intro}\n\n${iam.header}`, { items: iam.rows, label: 'IAM table rows' }) : undefined;
  if (iamSection) sections.push(iamSection);

  const notices = plan.notices.length > 0 ? section('### Notices', { headSep: '\n\n', items: plan.notices.map(noticeItem), label: 'notices' }) : undefined;
  if (notices) sections.push(notices);

  const drift = plan.drift.length > 0 ? driftSection(plan.drift, width) : undefined;
  if (drift) sections.push(drift);

  // A plan that spans accounts (accounts: in replication.yaml) lists its changes by account, in an Account column.
  const groups = byAccount(plan, actionable);
  const multi = groups.length > 1;
  const ordered = groups.flatMap((g) => g.changes.map((rc) => ({ rc, account: multi ? g.account : undefined })));
  let row = 0;
  const rows =
    actionable.length > 0
      ? section(
          multi
            ? `### Changed resources\n\n| | Account | Address | Kind | Changed attributes |\n|---|---|---|---|---|`
            : `### Changed resources\n\n| | Address | Kind | Changed attributes |\n|---|---|---|---|`,
          {
            items: buildUnits(ordered.length, () => {
              const o = ordered[row++]!;
              return resourceRow(o.rc, o.account);
            }, '\n', maxLength),
            total: ordered.length,
            label: 'rows of the changed resources table',
          },
        )
      : undefined;
  if (rows) sections.push(rows);

  const withDetails = actionable.filter(hasDetails);
  let detail = 0;
  const details =
    withDetails.length > 0
      ? section('', {
          headSep: '',
          items: buildUnits(withDetails.length, () => detailsBlock(withDetails[detail++]!, width)!, '\n\n', maxLength),
          total: withDetails.length,
          joiner: '\n\n',
          label: 'resource details',
        })
      : undefined;
  if (details) sections.push(details);

  // Truncation: details from the end first (resources, then the cost items), then
  // the resources table and the cost table's rows, and only then (very large
  // drift or IAM changes) those sections and the notices.
  const dropOrder = [details, costDetails, rows, costRows, drift, iamSection, notices].filter((s): s is Section => s !== undefined);
  truncate(sections, dropOrder, maxLength);

  const parts = sections.filter(isShown).map(sectionText).filter((t) => t !== '');
  if (dropOrder.some((s) => s.kept < s.total)) parts.push(truncationNote(dropOrder));
  return `${parts.join('\n\n')}\n`;
}

/**
 * Drops units (from the end of each section of `dropOrder`, in that order) until
 * the comment, with its truncation note, fits in `maxLength`. One pass: the length
 * is computed once and then kept as a running total, so each dropped unit costs
 * the same however many there are (a 10,000-resource plan drops thousands).
 */
function truncate(sections: readonly Section[], dropOrder: readonly Section[], maxLength: number): void {
  let total = length(sections);
  // Sections shown with something in them: each adds a blank line (2 characters) after the first.
  let shown = sections.filter((s) => isShown(s) && sectionLength(s) > 0).length;
  const over = () => {
    const cut = dropOrder.some((s) => s.kept < s.total);
    return total + (cut ? 2 + truncationNoteLength(dropOrder) : 0) > maxLength;
  };
  for (const s of dropOrder) {
    while (s.kept > 0 && over()) {
      const item = (s.items[s.kept - 1] ?? '').length;
      if (s.kept > 1) {
        total -= item + s.joiner.length;
      } else {
        // Its last unit: the section disappears, with its blank line.
        total -= sectionLength(s) + (shown > 1 ? 2 : 0);
        shown--;
      }
      s.kept--;
    }
  }
}

/** Length of one section as sectionText would build it (0 when hidden). */
function sectionLength(s: Section): number {
  if (!isShown(s)) return 0;
  let len = s.head.length + s.tail.length;
  if (s.total > 0) {
    len += s.headSep.length + s.joiner.length * (s.kept - 1);
    for (let i = 0; i < s.kept; i++) len += (s.items[i] ?? '').length;
  }
  return len;
}

/** Length of the joined sections (as renderPlanMarkdown joins them, with its final newline). */
function length(sections: readonly Section[]): number {
  let n = 0;
  let count = 0;
  for (const s of sections) {
    const len = sectionLength(s);
    if (len === 0) continue;
    n += len;
    count++;
  }
  return n + 2 * Math.max(0, count - 1) + 1;
}

const NOTE_LINES = [
  '> [!NOTE]',
  '> ✂️ This plan is too long for one comment, so some of it was left out: ',
  '> Run `s3repl plan --format text` to see the full plan (or `--format json` for every field).',
];

function truncationNote(sections: readonly Section[]): string {
  const cut = sections
    .filter((s) => s.kept < s.total)
    .map((s) => `${(s.total - s.kept).toLocaleString('en-US')} of ${s.total.toLocaleString('en-US')} ${s.label ?? 'items'}`);
  return [NOTE_LINES[0], `${NOTE_LINES[1]}${cut.join(', ')}.`, NOTE_LINES[2]].join('\n');
}

/** truncationNote(sections).length, by arithmetic (truncation asks for it once per dropped unit). */
function truncationNoteLength(sections: readonly Section[]): number {
  let n = NOTE_LINES[0]!.length + NOTE_LINES[1]!.length + NOTE_LINES[2]!.length + 2 + 1;
  let parts = 0;
  for (const s of sections) {
    if (s.kept >= s.total) continue;
    n += groupedLength(s.total - s.kept) + 4 + groupedLength(s.total) + 1 + (s.label ?? 'items').length;
    parts++;
  }
  return n + 2 * Math.max(0, parts - 1);
}

/** Length of a non-negative integer written with thousands separators (1,234,567). */
function groupedLength(n: number): number {
  const digits = String(n).length;
  return digits + Math.floor((digits - 1) / 3);
}

function titleBlock(plan: Plan): string {
  const summary = hasChanges(plan) ? renderSummaryLine(plan).replace(/^Plan: /, '').replace(/\.$/, '') : 'no changes';
  const badge = plan.iam.broadened ? ' ⚠️ IAM permissions broadened' : '';
  const mode = plan.mode === 'destroy' ? ' (destroy)' : '';
  const facts = [
    `account ${codeSpan(plan.account, false)}`,
    `config ${codeSpan(plan.config.path, false)} (${codeSpan(plan.config.sha256.slice(0, 12), false)})`,
    `state serial ${plan.state.serial}`,
    `s3repl ${escapeMarkdown(plan.s3replVersion)}`,
  ];
  return [`## s3repl plan${mode}: ${summary}${badge}`, '', `<sub>${facts.join(' · ')}</sub>`].join('\n');
}

function summaryTable(plan: Plan): string {
  const s = plan.summary;
  return [
    '| Action | Resources |',
    '|:--|--:|',
    `| ➕ to add | ${s.add} |`,
    `| 🔄 to change | ${s.change} |`,
    `| ➖ to destroy | ${s.destroy} |`,
    `| ✋ to forget | ${s.forget} |`,
    ...(s.adopt ? [`| 🤝 to adopt | ${s.adopt} |`] : []),
    `| ✔️ unchanged | ${s.noop} |`,
  ].join('\n');
}

const MAX_LISTED_PATHS = 5;

const ACTION_NOTE: Record<Action, string> = {
  create: '_new_',
  update: '',
  replace: '',
  delete: '_destroyed_',
  forget: '_left in AWS_',
  adopt: '_found in AWS_',
  'no-op': '',
};

function resourceRow(rc: ResourceChange, account?: string): string {
  let attrs = ACTION_NOTE[rc.action];
  if (rc.action === 'update' || rc.action === 'replace' || (rc.action === 'adopt' && rc.changes.length > 0)) {
    const paths = rc.changes.map((ch) => codeSpan(ch.path));
    attrs = paths.slice(0, MAX_LISTED_PATHS).join(', ');
    if (paths.length > MAX_LISTED_PATHS) attrs += ` and ${paths.length - MAX_LISTED_PATHS} more`;
  }
  const accountCell = account !== undefined ? ` ${account} |` : '';
  return `| ${ACTION_LABEL[rc.action]} |${accountCell} ${codeSpan(rc.address)} | ${escapeMarkdown(rc.kind)} | ${attrs} |`;
}

/** Lines of a ```diff block: the sign in column 0, nesting as indentation after it. */
function diffText(lines: readonly DiffLine[]): string[] {
  return lines.map((l) => `${l.sign} ${'  '.repeat(l.depth)}${l.text}`.trimEnd());
}

function fenced(lines: readonly string[], lang: string): string {
  const fence = fenceFor(lines);
  return [`${fence}${lang}`, ...lines, fence].join('\n');
}

function resourceDiff(rc: ResourceChange, width: number): DiffLine[] {
  return resourceChangeLines(rc, { width, indentPerDepth: 2 }, 'pair');
}

/** A resource's collapsed diff; undefined when there is nothing to show. */
export function detailsBlock(rc: ResourceChange, width: number): string | undefined {
  const diff = diffText(resourceDiff(rc, width));
  if (diff.length === 0 && rc.reasons.length === 0) return undefined;
  const summary = `${ACTION_LABEL[rc.action].split(' ')[0]} <code>${escapeHtml(rc.address)}</code> ${escapeHtml(ACTION_PHRASE[rc.action])}`;
  const body: string[] = [`<details><summary>${summary}</summary>`, ''];
  for (const r of rc.reasons) body.push(`_${escapeMarkdown(r)}_`, '');
  if (diff.length > 0) body.push(fenced(diff, 'diff'), '');
  body.push('</details>');
  return body.join('\n');
}

/** Whether detailsBlock(rc) has a block, without building it (a test checks they agree). */
export function hasDetails(rc: ResourceChange): boolean {
  if (rc.reasons.length > 0) return true;
  switch (rc.action) {
    case 'create':
      return rc.after !== null && Object.values(rc.after).some((v) => v !== undefined);
    case 'delete':
      return rc.before !== null && rc.before !== undefined && Object.values(rc.before).some((v) => v !== undefined);
    case 'update':
    case 'replace':
    case 'adopt':
      return rc.changes.length > 0;
    case 'forget':
    case 'no-op':
      return false;
  }
}

function noticeItem(n: Notice): string {
  const mark = n.level === 'warning' ? '⚠️ **warning**' : 'ℹ️ **note**';
  const subject = n.address !== undefined ? ` ${codeSpan(n.address, false)}:` : '';
  const lines = [`- ${mark}${subject} ${escapeMarkdown(n.message)}`];
  if (n.detail !== undefined) {
    const detail = n.detail.replace(/\n$/, '').split('\n');
    const lang = parseJsonDocument(n.detail) !== undefined ? 'json' : 'text';
    lines.push('', ...fenced(detail, lang).split('\n').map((l) => (l === '' ? '' : `  ${l}`)), '');
  }
  return lines.join('\n');
}

const DRIFT_PHRASE: Record<DriftItem['status'], string> = {
  changed: 'was changed outside s3repl',
  vanished: 'was deleted outside s3repl',
};

function driftSection(drift: readonly DriftItem[], width: number): Section {
  const items = drift.map((item) => {
    const head = `# ${item.address} ${DRIFT_PHRASE[item.status]}`;
    const lines = item.status === 'vanished' ? [] : item.changes.flatMap((ch) => changeLines(ch, 0, { width, indentPerDepth: 2, style: 'pair' }));
    return [head, ...diffText(lines)].join('\n');
  });
  const fence = fenceFor(items.flatMap((i) => i.split('\n')));
  const intro = [
    '### ⚠️ Changes outside s3repl',
    '',
    `${plural(drift.length, 'resource')} changed outside s3repl since the last apply: \`-\` lines are what s3repl last applied, \`+\` lines what is live now.`,
  ].join('\n');
  return section(`${intro}\n\n${fence}diff`, { items, tail: `\n${fence}`, label: 'drifted resources' });
}

/** The "Changes outside s3repl" section in Markdown ('' when there is no drift). Shared with `s3repl drift`. */
export function renderDriftMarkdown(drift: readonly DriftItem[], opts: { width?: number } = {}): string {
  if (drift.length === 0) return '';
  return sectionText(driftSection(drift, opts.width ?? 100));
}
