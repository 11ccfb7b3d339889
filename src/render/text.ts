/**
 * The plan for a terminal, laid out like Terraform's: changes made outside
 * s3repl first, then one block per resource action, then the IAM statement
 * table, then the one-line summary. Colour comes only from the chalk instance
 * passed in: at level 0 the output holds no ANSI codes at all.
 */
import type { ChalkInstance } from 'chalk';
import { hasChanges, type Action, type DriftItem, type Notice, type Plan, type ResourceChange } from '../engine/types.js';
import { byAccount } from './accounts.js';
import { renderCostText } from './cost.js';
import { renderIamText } from './iam.js';
import { ACTION_PHRASE, changeLines, resourceChangeLines, wrapWords, type DiffLine, type Sign } from './values.js';

export interface TextOptions {
  color: ChalkInstance;
  /** Also list resources that need no change. */
  showNoop?: boolean;
  /** Columns to fit into (default 100); the CLI passes the terminal's width. */
  width?: number;
}

export const DEFAULT_WIDTH = 120;

/** Where a resource's attribute lines start, and how much each nesting level indents. */
const BODY_INDENT = 6;
const INDENT_PER_DEPTH = 4;

/** `Plan: 2 to add, 1 to change, 0 to destroy.` (`, 1 to forget` when any), or the no-changes sentence. */
export function renderSummaryLine(plan: Plan): string {
  if (!hasChanges(plan)) return 'No changes. Live infrastructure matches the configuration.';
  const s = plan.summary;
  const forget = s.forget > 0 ? `, ${s.forget} to forget` : '';
  const adopt = s.adopt > 0 ? `, ${s.adopt} to adopt` : '';
  return `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy${forget}${adopt}.`;
}

export function renderPlanText(plan: Plan, opts: TextOptions): string {
  const c = opts.color;
  const width = opts.width ?? DEFAULT_WIDTH;
  const sections: string[] = [];

  if (plan.drift.length > 0) {
    sections.push(renderDriftText(plan.drift, c, { width }));
    sections.push(c.dim('─'.repeat(Math.min(width, 80))));
  }

  const actionable = plan.changes.filter((rc) => rc.action !== 'no-op');
  const shownAddresses = new Set(actionable.map((rc) => rc.address));
  const noticesByAddress = new Map<string, Notice[]>();
  for (const n of plan.notices) {
    if (n.address !== undefined && shownAddresses.has(n.address)) {
      noticesByAddress.set(n.address, [...(noticesByAddress.get(n.address) ?? []), n]);
    }
  }

  if (actionable.length > 0) {
    const groups = byAccount(plan, actionable);
    const blocks = groups.flatMap((g) => [
      // Grouped only when the plan spans accounts (accounts: in replication.yaml).
      ...(groups.length > 1 ? [c.bold(`  Account ${g.account}${g.account === plan.account ? ' (default credentials)' : ''}:`)] : []),
      ...g.changes.map((rc) => renderResourceText(rc, c, width, noticesByAddress.get(rc.address) ?? [])),
    ]);
    sections.push([c.bold('s3repl will perform the following actions:'), ...blocks].join('\n\n'));
  }

  if (opts.showNoop) {
    const noop = plan.changes.filter((rc) => rc.action === 'no-op');
    if (noop.length > 0) {
      sections.push([c.bold(`Unchanged resources (${noop.length}):`), ...noop.map((rc) => c.dim(`    ${rc.address}`))].join('\n'));
    }
  }

  const iam = renderIamText(plan.iam, c, width);
  if (iam !== '') sections.push(iam);

  const loose = plan.notices.filter((n) => n.address === undefined || !shownAddresses.has(n.address));
  if (loose.length > 0) {
    sections.push([c.bold('Notices:'), ...loose.map((n) => noticeLines(n, c, 2, width).join('\n'))].join('\n'));
  }

  if (plan.cost) sections.push(renderCostText(plan.cost, c));

  const summary = renderSummaryLine(plan);
  sections.push(hasChanges(plan) ? c.bold(summary) : c.green(summary));
  return `${sections.join('\n\n')}\n`;
}

/** One resource's block: the comment line, its reasons, the symbol and address, then its attributes. */
export function renderResourceText(rc: ResourceChange, c: ChalkInstance, width = DEFAULT_WIDTH, notices: readonly Notice[] = []): string {
  const out: string[] = [];
  out.push(c.bold(`  # ${rc.address} ${ACTION_PHRASE[rc.action]}`));
  for (const reason of rc.reasons) out.push(...commentLines(`(${reason})`, width).map((l) => c.dim(l)));

  const body = resourceBody(rc, width);
  const head = `${symbolFor(rc.action, c)} ${rc.address}`;
  if (body.length === 0) {
    out.push(head);
  } else {
    out.push(`${head} {`);
    out.push(...body.map((l) => formatLine(l, c)));
    out.push('    }');
  }
  for (const n of notices) out.push(...noticeLines(n, c, 4, width));
  return out.join('\n');
}

function resourceBody(rc: ResourceChange, width: number): DiffLine[] {
  return resourceChangeLines(rc, { width: width - BODY_INDENT, indentPerDepth: INDENT_PER_DEPTH }, 'arrow');
}

/** The action symbol, right-aligned in three columns (`  +`, `-/+`). */
function symbolFor(action: Action, c: ChalkInstance): string {
  switch (action) {
    case 'create':
      return `  ${c.green('+')}`;
    case 'update':
      return `  ${c.yellow('~')}`;
    case 'replace':
      return `${c.red('-')}/${c.green('+')}`;
    case 'delete':
      return `  ${c.red('-')}`;
    case 'adopt':
      return `  ${c.cyan('*')}`;
    case 'forget':
      return `  ${c.dim('!')}`;
    case 'no-op':
      return '   ';
  }
}

function paintSign(sign: Sign, c: ChalkInstance): string {
  switch (sign) {
    case '+':
      return c.green('+');
    case '-':
      return c.red('-');
    case '~':
      return c.yellow('~');
    case ' ':
      return ' ';
  }
}

function formatLine(l: DiffLine, c: ChalkInstance): string {
  const indent = ' '.repeat(BODY_INDENT + l.depth * INDENT_PER_DEPTH);
  if (l.bare) return `${indent}  ${l.text}`;
  const text = l.text.startsWith('… ') ? c.dim(l.text) : l.text;
  return `${indent}${paintSign(l.sign, c)} ${text}`;
}

function commentLines(text: string, width: number): string[] {
  return wrapWords(text, width - 4).map((l) => `  # ${l}`);
}

function noticeLines(n: Notice, c: ChalkInstance, indent: number, width: number): string[] {
  const pad = ' '.repeat(indent);
  const mark = n.level === 'warning' ? c.yellow('⚠ warning:') : c.cyan('ℹ note:');
  const prefixLength = n.level === 'warning' ? 11 : 8;
  const subject = n.address !== undefined && indent <= 2 ? `${n.address}: ` : '';
  const wrapped = wrapWords(subject + n.message, Math.max(20, width - indent - prefixLength));
  const out = wrapped.map((l, i) => (i === 0 ? `${pad}${mark} ${l}` : `${pad}${' '.repeat(prefixLength)}${l}`));
  if (n.detail !== undefined) {
    // Detail (a bucket policy to paste, a command) is shown verbatim: never re-wrapped.
    for (const l of n.detail.replace(/\n$/, '').split('\n')) out.push(`${pad}${' '.repeat(prefixLength)}${l}`);
  }
  return out;
}

const DRIFT_PHRASE: Record<DriftItem['status'], string> = {
  changed: 'was changed outside s3repl',
  vanished: 'was deleted outside s3repl',
};

/**
 * "Changes outside s3repl": what differs between the last apply and what is
 * live now, each attribute as `path: expected → actual`. Shared with `s3repl drift`.
 */
export function renderDriftText(drift: readonly DriftItem[], c: ChalkInstance, opts: { width?: number } = {}): string {
  if (drift.length === 0) return '';
  const width = opts.width ?? DEFAULT_WIDTH;
  const tree = { width: width - BODY_INDENT, indentPerDepth: INDENT_PER_DEPTH, style: 'arrow' as const };
  const out: string[] = [
    c.bold('Changes outside s3repl'),
    '',
    ...wrapWords(
      `s3repl found ${drift.length === 1 ? 'a change' : `${drift.length} changes`} made outside s3repl since the last apply (expected → actual):`,
      width,
    ),
  ];
  for (const item of drift) {
    out.push('', c.bold(`  # ${item.address} ${DRIFT_PHRASE[item.status]}`));
    const head = item.status === 'vanished' ? `  ${c.red('-')} ${item.address}` : `  ${c.yellow('~')} ${item.address}`;
    const body = item.status === 'vanished' ? [] : item.changes.flatMap((ch) => changeLines(ch, 0, tree));
    if (body.length === 0) {
      out.push(head);
    } else {
      out.push(`${head} {`, ...body.map((l) => formatLine(l, c)), '    }');
    }
  }
  return out.join('\n');
}
