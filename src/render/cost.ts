/**
 * The cost section of a plan, for text and Markdown: per replication rule the
 * estimated monthly cost before and after, what changes, the one-off cost of a
 * backfill, then the totals, what could not be priced, and the assumptions.
 * Reads `plan.cost` only; an unknown amount is shown as unknown, never as $0.
 */
import type { ChalkInstance } from 'chalk';
import type { Cost, CostItem, CostSide, CostTotal, RuleCost } from '../cost/model.js';
import { codeSpan, escapeHtml, escapeMarkdown } from './values.js';

/** `$1,234.56`; amounts under a cent but above zero as `<$0.01`. */
export function money(usd: number, signed = false): string {
  const sign = usd < 0 ? '-' : signed ? '+' : '';
  const a = Math.abs(usd);
  if (a > 0 && a < 0.005) return `${sign}<$0.01`;
  return `${sign}$${a.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A total: `$12.34`, or `$12.34 + ?` when some items could not be priced. */
export function totalText(t: CostTotal | null | undefined, signed = false): string {
  if (!t) return '—';
  return t.unknown.length > 0 ? `${money(t.usd, signed)} + ?` : money(t.usd, signed);
}

const COMPONENT_LABEL: Record<CostItem['component'], string> = {
  transfer: 'transfer',
  rtc: 'RTC',
  'put-requests': 'PUTs',
  storage: 'storage',
  metrics: 'metrics',
  alarms: 'alarms',
  'kms-requests': 'KMS',
  'batch-job': 'Batch job',
  'batch-objects': 'Batch objects',
  'batch-manifest': 'Batch manifest',
};

/**
 * What changes between before and after, by component, for a rule that exists
 * on both sides: `RTC +$15.36`, `storage +$3.10 + ?`. Components whose items are
 * the same on both sides are left out; a new or removed rule says so.
 */
export function changedComponents(r: RuleCost): string[] {
  if (!r.before && !r.after) return [];
  if (!r.before) return ['new rule'];
  if (!r.after) return ['rule removed'];
  const group = (s: CostSide) => {
    const m = new Map<string, CostItem[]>();
    for (const i of s.items) m.set(i.component, [...(m.get(i.component) ?? []), i]);
    return m;
  };
  const sig = (items: readonly CostItem[] | undefined) => JSON.stringify((items ?? []).map((i) => [i.description, i.quantity, i.unitPrice]));
  const b = group(r.before);
  const a = group(r.after);
  const out: string[] = [];
  for (const c of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(c);
    const y = a.get(c);
    if (sig(x) === sig(y)) continue;
    const known = (items: readonly CostItem[] | undefined) => (items ?? []).reduce((n, i) => n + (i.amount ?? 0), 0);
    const unknown = [...(x ?? []), ...(y ?? [])].some((i) => i.amount === null);
    const delta = known(y) - known(x);
    const label = COMPONENT_LABEL[c as CostItem['component']];
    out.push(`${label} ${unknown && Math.abs(delta) < 0.005 ? '?' : money(delta, true) + (unknown ? ' + ?' : '')}`);
  }
  return out;
}

/** A unit price with at least two decimals and no float noise: `$0.30`, `$0.015`, `$0.00099`. */
function unitPrice(usd: number): string {
  const digits = Math.max(2, Math.min(8, (String(usd).split('.')[1] ?? '').length));
  return `$${usd.toFixed(digits)}`;
}

function itemLine(i: CostItem): string {
  const qty = i.quantity === null ? '? (usage unknown)' : i.quantity.toLocaleString('en-US', { maximumFractionDigits: 4 });
  const price = i.unitPrice === null ? 'price unknown' : `${unitPrice(i.unitPrice)} per ${i.unit}`;
  const amount = i.amount === null ? 'unknown' : money(i.amount);
  return `${i.description}: ${qty} ${i.unit} × ${price} = ${amount}`;
}

const ruleName = (r: RuleCost) => `${r.source}/${r.ruleId} → ${r.destination}`;

/**
 * Which part of the source bucket's usage a rule's figures count: all of it
 * (no filter), the configured usageShare of a filtered rule, or, for a
 * filtered rule without one, the whole bucket as an upper bound.
 */
export function basisText(r: RuleCost): string {
  switch (r.usage.basis) {
    case 'share':
      return `${Math.round(r.usage.share * 10000) / 100}% of bucket (usageShare)`;
    case 'upper-bound':
      return 'whole bucket (upper bound)';
    default:
      return 'whole bucket';
  }
}

// ---------------------------------------------------------------------------
// Text

export function renderCostText(cost: Cost, c: ChalkInstance): string {
  const rows = cost.rules.map((r) => [ruleName(r), totalText(r.before?.total), totalText(r.after?.total), changeText(r), totalText(r.oneOff?.total), basisText(r)]);
  const head = ['Rule', 'Monthly before', 'Monthly after', 'Change', 'One-off', 'Usage counted'];
  const total = ['Total', totalText(cost.monthly.before), totalText(cost.monthly.after), totalText(cost.monthly.change, true), totalText(cost.oneOff), ''];
  const all = [head, ...rows, total];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const last = head.length - 1;
  const line = (r: string[]) => ('  ' + r.map((v, i) => (i === 0 || i === last ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ')).trimEnd();
  const out: string[] = [c.bold(`Estimated cost (${cost.currency}, price table ${cost.priceTable.version}):`), c.dim(line(head)), ...rows.map(line), c.bold(line(total))];
  for (const r of cost.rules) {
    const changes = changedComponents(r);
    if (changes.length > 0) out.push(`  ${r.source}/${r.ruleId}: ${changes.join(', ')}`);
  }
  const unknown = [...new Set([...cost.monthly.change.unknown, ...cost.oneOff.unknown])];
  if (unknown.length > 0) {
    out.push('', `  ${c.yellow('? not priced')} (unknown price or usage, not counted as $0):`);
    for (const u of unknown) out.push(c.dim(`    - ${u}`));
  }
  const notes = [...new Set(cost.rules.flatMap((r) => r.usage.notes.map((n) => `${r.source}: ${n}`)))];
  if (notes.length > 0) out.push('', c.dim('  Usage:'), ...notes.map((n) => c.dim(`    - ${n}`)));
  out.push('', c.dim('  Assumptions:'), ...cost.assumptions.map((a) => c.dim(`    - ${a}`)));
  out.push(c.dim('  Every item with its quantity, price, source and assumptions: s3repl plan --format json (cost.rules[].*.items).'));
  return out.join('\n');
}

function changeText(r: RuleCost): string {
  return totalText(r.change, true);
}

// ---------------------------------------------------------------------------
// Markdown

/** The Markdown cost section in parts, so the comment's truncation can drop rows and details whole. */
export function costMarkdownParts(cost: Cost): { head: string; rows: string[]; tail: string; details: string } {
  const head = ['### 💰 Estimated cost', '', '| Rule | Monthly before | Monthly after | Change | What changes | One-off | Usage counted |', '|:--|--:|--:|--:|:--|--:|:--|'].join('\n');
  const rows = cost.rules.map(
    (r) =>
      `| ${codeSpan(`${r.source}/${r.ruleId}`)} → ${codeSpan(r.destination)} | ${totalText(r.before?.total)} | ${totalText(r.after?.total)} | ${changeText(r)} | ${escapeMarkdown(changedComponents(r).join(', '))} | ${totalText(r.oneOff?.total)} | ${escapeMarkdown(basisText(r))} |`,
  );
  const tail = [
    '',
    `| **Total** | **${totalText(cost.monthly.before)}** | **${totalText(cost.monthly.after)}** | **${totalText(cost.monthly.change, true)}** | | **${totalText(cost.oneOff)}** | |`,
    '',
    `<sub>${escapeHtml(cost.currency)} a month, list prices from price table ${escapeHtml(cost.priceTable.version)} (${escapeHtml(cost.priceTable.origin)}). \`+ ?\`: some items could not be priced (unknown price or usage) and are not counted.</sub>`,
  ].join('\n');
  const details: string[] = [];
  const unknown = [...new Set([...cost.monthly.change.unknown, ...cost.oneOff.unknown])];
  if (unknown.length > 0) details.push('Not priced (not counted as $0):', ...unknown.map((u) => `- ${escapeMarkdown(u)}`), '');
  for (const r of cost.rules) {
    details.push(`**${escapeMarkdown(ruleName(r))}**`, '');
    for (const [label, s] of [['before', r.before], ['after', r.after], ['one-off backfill', r.oneOff]] as const) {
      if (!s) continue;
      details.push(`- ${label}:`);
      for (const i of s.items) details.push(`  - ${escapeMarkdown(itemLine(i))}${i.assumptions.length ? ` _(${escapeMarkdown(i.assumptions.join('; '))})_` : ''}`);
    }
    for (const n of r.usage.notes) details.push(`- usage: ${escapeMarkdown(n)}`);
    details.push('');
  }
  details.push('Assumptions:', ...cost.assumptions.map((a) => `- ${escapeMarkdown(a)}`));
  return { head, rows, tail, details: ['<details><summary>Cost items, usage and assumptions</summary>', '', ...details, '', '</details>'].join('\n') };
}

/** The whole Markdown cost section. */
export function renderCostMarkdown(cost: Cost): string {
  const p = costMarkdownParts(cost);
  return [p.head, ...p.rows].join('\n') + p.tail + '\n\n' + p.details;
}
