/**
 * The IAM statement table, shared by the text and Markdown renderers: like the
 * AWS CDK's IAM change table, every added or removed policy statement is one
 * row, so a reviewer sees any widening of permissions at a glance.
 */
import type { ChalkInstance } from 'chalk';
import type { IamStatementChange, Plan } from '../engine/types.js';
import { codeSpan, escapeMarkdown, longestSegment, padEnd, plural, wrapSegments, wrapWords } from './values.js';

export type PlanIam = Plan['iam'];

export const IAM_COLUMNS = ['±', 'role', 'policy', 'effect', 'actions', 'resources', 'principals', 'conditions'] as const;

/** One statement, as the lines of each cell. */
export interface IamRow {
  change: 'added' | 'removed';
  /** The role address, then its name when that says something more. */
  role: string[];
  policy: string;
  effect: string;
  actions: string[];
  resources: string[];
  principals: string[];
  conditions: string[];
}

/**
 * Condition blocks as one line per key, read as an expression:
 * `{ StringEquals: { "aws:SourceAccount": "111122223333" } }` becomes
 * `aws:SourceAccount StringEquals 111122223333`.
 */
export function formatConditions(conditions: Record<string, unknown> | undefined): string[] {
  if (!conditions) return [];
  const out: string[] = [];
  for (const [operator, body] of Object.entries(conditions)) {
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) out.push(`${key} ${operator} ${conditionValue(value)}`);
    } else {
      out.push(`${operator} ${conditionValue(body)}`);
    }
  }
  return out;
}

function conditionValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(conditionValue).join(', ');
  return JSON.stringify(v) ?? String(v);
}

const POLICY_ORDER = { trust: 0, permissions: 1 } as const;

/** Rows grouped by role, trust before permissions; otherwise in the plan's order. */
export function iamRows(statements: readonly IamStatementChange[]): IamRow[] {
  const sorted = statements
    .map((s, i) => ({ s, i }))
    .sort((x, y) => x.s.address.localeCompare(y.s.address) || POLICY_ORDER[x.s.policy] - POLICY_ORDER[y.s.policy] || x.i - y.i)
    .map(({ s }) => s);
  return sorted.map((s) => ({
    change: s.change,
    role: s.roleName && s.roleName !== s.address ? [s.address, s.roleName] : [s.address],
    policy: s.policy,
    effect: s.effect,
    actions: [...s.actions],
    resources: [...s.resources],
    principals: [...s.principals],
    conditions: formatConditions(s.conditions),
  }));
}

/** The headline for a broadening, the same words in every format. */
export const IAM_BROADENED = 'IAM permissions will be broadened';

function countsLine(statements: readonly IamStatementChange[]): string {
  const added = statements.filter((s) => s.change === 'added').length;
  const removed = statements.length - added;
  return `${plural(added, 'statement')} added, ${removed} removed`;
}

// ---------------------------------------------------------------------------
// Text

/** Columns that may wrap: actions, resources, principals, conditions. Never the role address. */
const FLEXIBLE = [4, 5, 6, 7] as const;
/** A flexible column is not made narrower than its longest word (up to this), unless nothing else fits. */
const MAX_SEGMENT_WIDTH = 36;
const MIN_FLEX_WIDTH = 10;

/**
 * The IAM section for a terminal: a heading, the broadening warning, and a
 * boxed table fitted to `width` by wrapping the actions, resources, principals
 * and conditions columns.
 */
export function renderIamText(iam: PlanIam, c: ChalkInstance, width = 120): string {
  if (iam.statements.length === 0) return '';
  const lines: string[] = [`IAM statement changes (${countsLine(iam.statements)}):`];
  if (iam.broadened) {
    const [first, ...rest] = wrapWords(`⚠ ${IAM_BROADENED}. Review the added statements (+) below before applying.`, width);
    const head = `⚠ ${IAM_BROADENED}.`;
    lines.push('', c.bold.red(head) + (first ?? '').slice(head.length), ...rest);
  }
  lines.push('', iamTableText(iamRows(iam.statements), c, width));
  return lines.join('\n');
}

export function iamTableText(rows: readonly IamRow[], c: ChalkInstance, width = 120): string {
  const cells: string[][][] = rows.map((r) => [
    [r.change === 'added' ? '+' : '-'],
    r.role,
    [r.policy],
    [r.effect],
    r.actions,
    r.resources,
    r.principals,
    r.conditions,
  ]);
  const column = (col: number) => cells.flatMap((row) => row[col] ?? []);
  const widths = IAM_COLUMNS.map((h, col) => Math.max(h.length, ...column(col).map((l) => l.length)));
  const wordWidths = IAM_COLUMNS.map((h, col) => Math.max(h.length, Math.min(MAX_SEGMENT_WIDTH, ...column(col).map(longestSegment))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1;
  const shrink = (floor: (col: number) => number, cols: readonly number[] = FLEXIBLE) => {
    while (total() > width) {
      let widest = -1;
      for (const col of cols) {
        if ((widths[col] ?? 0) > floor(col) && (widest < 0 || (widths[col] ?? 0) > (widths[widest] ?? 0))) widest = col;
      }
      if (widest < 0) return;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
  };
  // Wrap between words only; when the table cannot fit that way (eight columns
  // on an 80-column terminal), one block per statement instead of broken words.
  shrink((col) => wordWidths[col] ?? MIN_FLEX_WIDTH);
  if (total() > width) return iamListText(rows, c, width);

  const rule = (l: string, m: string, r: string) => c.dim(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const line = (parts: string[]) => c.dim('│') + parts.map((p, i) => ` ${padEnd(p, widths[i] ?? 0)} `).join(c.dim('│')) + c.dim('│');

  const out = [rule('┌', '┬', '┐'), line(IAM_COLUMNS.map((h) => c.bold(h)))];
  cells.forEach((row, r) => {
    out.push(rule('├', '┼', '┤'));
    const wrapped = row.map((cell, col) => cell.flatMap((l) => wrapSegments(l, widths[col] ?? l.length)));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    const paint = rows[r]?.change === 'added' ? c.green : c.red;
    for (let k = 0; k < height; k++) {
      out.push(line(wrapped.map((w, col) => (col === 0 ? paint(w[k] ?? '') : (w[k] ?? '')))));
    }
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

const LIST_FIELDS = ['actions', 'resources', 'principals', 'conditions'] as const;
const LIST_INDENT = 4;
const LIST_LABEL = Math.max(...LIST_FIELDS.map((f) => f.length)) + 2;

/**
 * The statements for a narrow terminal: a heading line per statement (change,
 * role, policy, effect), then one labelled line per action, resource,
 * principal and condition. Lines break only between the segments of a value
 * (after `/ : , .` or a space), never inside an action name.
 */
export function iamListText(rows: readonly IamRow[], c: ChalkInstance, width = 80): string {
  const valueWidth = Math.max(MIN_FLEX_WIDTH, width - LIST_INDENT - LIST_LABEL);
  const blocks = rows.map((r) => {
    const paint = r.change === 'added' ? c.green : c.red;
    const role = r.role.length > 1 ? `${r.role[0]} (${r.role.slice(1).join(', ')})` : (r.role[0] ?? '');
    const lines = [`${paint(r.change === 'added' ? '+' : '-')} ${c.bold(role)}  ${r.policy}  ${r.effect}`];
    for (const field of LIST_FIELDS) {
      r[field].forEach((value, i) => {
        wrapSegments(value, valueWidth).forEach((part, k) => {
          const label = i === 0 && k === 0 ? c.dim(padEnd(field, LIST_LABEL)) : ' '.repeat(LIST_LABEL);
          lines.push(`${' '.repeat(LIST_INDENT)}${label}${part}`);
        });
      });
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

// ---------------------------------------------------------------------------
// Markdown

export interface IamMarkdownParts {
  /** Heading and, when permissions broaden, the warning callout. */
  intro: string;
  /** Header and delimiter rows of the table. */
  header: string;
  /** One table row per statement. */
  rows: string[];
}

export function iamMarkdownParts(iam: PlanIam): IamMarkdownParts {
  const intro = [`### IAM statement changes (${countsLine(iam.statements)})`];
  if (iam.broadened) {
    intro.push('', '> [!WARNING]', `> **⚠️ ${IAM_BROADENED}.** Review the added statements (➕) below before approving.`);
  }
  const header = [
    `| ${IAM_COLUMNS.map((h) => (h === '±' ? h : h[0]?.toUpperCase() + h.slice(1))).join(' | ')} |`,
    `|${IAM_COLUMNS.map(() => '---').join('|')}|`,
  ].join('\n');
  const list = (items: string[]) => items.map((i) => codeSpan(i)).join('<br>');
  const rows = iamRows(iam.statements).map((r) =>
    [
      r.change === 'added' ? '➕' : '➖',
      list(r.role),
      escapeMarkdown(r.policy),
      escapeMarkdown(r.effect),
      list(r.actions),
      list(r.resources),
      list(r.principals),
      list(r.conditions),
    ]
      .map((cell) => ` ${cell} `)
      .join('|'),
  ).map((r) => `|${r}|`);
  return { intro: intro.join('\n'), header, rows };
}

/** The whole IAM section in Markdown ('' when no statement changes). */
export function renderIamMarkdown(iam: PlanIam): string {
  if (iam.statements.length === 0) return '';
  const p = iamMarkdownParts(iam);
  return `${p.intro}\n\n${p.header}\n${p.rows.join('\n')}`;
}
