/**
 * Formatting of attribute values and attribute changes, shared by the text and
 * Markdown renderers. Everything here is pure and colour-free: it produces
 * `DiffLine`s (a sign, a nesting depth and the text), and each renderer decides
 * how to indent and colour them (the terminal puts a sign at every depth, like
 * Terraform; a Markdown ```diff block needs the sign in column 0).
 */
import type { Action, AttributeChange, ResourceChange } from '../engine/types.js';

export type Sign = '+' | '-' | '~' | ' ';

export interface DiffLine {
  sign: Sign;
  /** Nesting depth below the resource (0 = a top-level attribute). */
  depth: number;
  text: string;
  /**
   * A closing bracket or a line of a heredoc. The terminal prints it without a
   * sign (as Terraform does); a Markdown diff keeps the sign so the whole block
   * stays coloured.
   */
  bare?: boolean;
}

/** Strips ANSI escape sequences (chalk's SGR codes). */
export function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Width of a string as a terminal shows it (ANSI codes do not count). */
export function visibleLength(s: string): number {
  return [...stripAnsi(s)].length;
}

export function padEnd(s: string, width: number): string {
  const n = width - visibleLength(s);
  return n > 0 ? s + ' '.repeat(n) : s;
}

/** A scalar as it should appear in a plan: strings quoted (JSON escapes), the rest as JSON. */
export function formatScalar(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? String(v);
}

/** An object key: bare when it looks like an identifier, else quoted (`"aws:SourceAccount"`). */
export function formatKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k);
}

type Container = unknown[] | Record<string, unknown>;

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return isContainer(v) && !Array.isArray(v);
}

/**
 * The parsed document when `v` is a string holding a JSON object or array
 * (an IAM policy document as AWS returns it), else undefined.
 */
export function parseJsonDocument(v: unknown): Container | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    return isContainer(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A one-line form of a value when it has one that reads well: scalars, and
 * arrays of scalars (`["s3:GetObject", "s3:PutObject"]`), and empty containers.
 */
export function inlineValue(v: unknown): string | undefined {
  if (parseJsonDocument(v) !== undefined) return undefined;
  if (!isContainer(v)) return formatScalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => !isContainer(x))) return `[${v.map(formatScalar).join(', ')}]`;
    return undefined;
  }
  return Object.keys(v).length === 0 ? '{}' : undefined;
}

/** Pretty JSON lines of a value (documents in strings are parsed first). */
export function prettyLines(v: unknown): string[] {
  const doc = parseJsonDocument(v);
  if (doc !== undefined) return JSON.stringify(doc, null, 2).split('\n');
  if (v === undefined) return ['(none)'];
  return (JSON.stringify(v, null, 2) ?? String(v)).split('\n');
}

export interface TreeOptions {
  /** Columns available, counted from the start of the line at depth 0. */
  width: number;
  /** Columns each depth level costs in the renderer that will print the lines. */
  indentPerDepth: number;
  /** `=` for attribute trees, `:` for attribute paths in changes. */
  separator?: '=' | ':';
}

/**
 * A value as nested, readable lines, every line carrying `sign`:
 *
 *     name = "s3repl-replication"
 *     rules = [
 *         {
 *             id = "to-dr"
 *         },
 *     ]
 *
 * Arrays of scalars stay on one line while they fit; JSON documents held in
 * strings are shown as a `<<JSON` heredoc, pretty-printed.
 */
export function valueTree(key: string | null, v: unknown, sign: Sign, depth: number, opts: TreeOptions, keyWidth = 0): DiffLine[] {
  // Only this level's label uses `:` (an attribute path); keys nested below are attributes (`=`).
  const sep = opts.separator ?? '=';
  const label = key === null ? '' : sep === ':' ? `${key}: ` : `${key.padEnd(keyWidth)} = `;
  opts = { ...opts, separator: '=' };
  const room = opts.width - depth * opts.indentPerDepth - 2;
  const inline = inlineValue(v);
  if (inline !== undefined && (!Array.isArray(v) || label.length + inline.length <= room)) {
    return [{ sign, depth, text: label + inline }];
  }
  const doc = parseJsonDocument(v);
  if (doc !== undefined) {
    const lines: DiffLine[] = [{ sign, depth, text: `${label}<<JSON` }];
    for (const l of JSON.stringify(doc, null, 2).split('\n')) lines.push({ sign, depth: depth + 1, text: l, bare: true });
    lines.push({ sign, depth, text: 'JSON', bare: true });
    return lines;
  }
  if (Array.isArray(v)) {
    const lines: DiffLine[] = [{ sign, depth, text: `${label}[` }];
    for (const item of v) {
      const sub = valueTree(null, item, sign, depth + 1, opts);
      appendComma(sub);
      lines.push(...sub);
    }
    lines.push({ sign, depth, text: ']', bare: true });
    return lines;
  }
  if (isPlainObject(v)) {
    return [{ sign, depth, text: `${label}{` }, ...objectBody(v, sign, depth + 1, opts), { sign, depth, text: '}', bare: true }];
  }
  return [{ sign, depth, text: label + formatScalar(v) }];
}

/** The attributes of an object, one per key, keys aligned like Terraform aligns them. */
export function objectBody(obj: Record<string, unknown>, sign: Sign, depth: number, opts: TreeOptions): DiffLine[] {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  const shown = keys.map(formatKey);
  const keyWidth = Math.max(0, ...shown.map((k) => k.length));
  const lines: DiffLine[] = [];
  keys.forEach((k, i) => lines.push(...valueTree(shown[i] ?? k, obj[k], sign, depth, opts, keyWidth)));
  return lines;
}

/** Array items end with a comma on their last (closing or only) line. */
function appendComma(lines: DiffLine[]): void {
  const last = lines[lines.length - 1];
  if (last && !last.text.endsWith(',')) last.text += ',';
}

export interface ChangeOptions extends TreeOptions {
  /**
   * `arrow`: a changed scalar on one line, `path: old → new` (the terminal).
   * `pair`: a `-` line and a `+` line (a Markdown diff, where only those colour).
   */
  style: 'arrow' | 'pair';
}

/**
 * One attribute change as lines:
 *
 *     ~ rules[0].destination.storageClass: "STANDARD_IA" → "GLACIER_IR"
 *     + rules[1].filter.prefix: "logs/"
 *     - rules[0].metrics: true
 *     ~ policy:                       (documents: a line diff of the pretty JSON)
 *           {
 *         -   "Action": "s3:GetObject"
 *         +   "Action": "s3:*"
 *           }
 */
export function changeLines(change: AttributeChange, depth: number, opts: ChangeOptions): DiffLine[] {
  const o: TreeOptions = { ...opts, separator: ':' };
  if (change.kind === 'added') return valueTree(change.path, change.after, '+', depth, o);
  if (change.kind === 'removed') return valueTree(change.path, change.before, '-', depth, o);

  const before = inlineValue(change.before);
  const after = inlineValue(change.after);
  const room = opts.width - depth * opts.indentPerDepth - 2;
  if (before !== undefined && after !== undefined) {
    const arrow = `${change.path}: ${before} → ${after}`;
    if (opts.style === 'arrow' && arrow.length <= room) return [{ sign: '~', depth, text: arrow }];
    const pair = [
      { sign: '-' as const, depth, text: `${change.path}: ${before}` },
      { sign: '+' as const, depth, text: `${change.path}: ${after}` },
    ];
    if (opts.style === 'pair') return pair;
    return [
      { sign: '~', depth, text: `${change.path}:` },
      { sign: '-', depth: depth + 1, text: before },
      { sign: '+', depth: depth + 1, text: after },
    ];
  }
  // At least one side is a structure: show a line diff of the pretty forms.
  const diff = lineDiff(prettyLines(change.before), prettyLines(change.after));
  return [{ sign: '~', depth, text: `${change.path}:` }, ...diff.map((d) => ({ sign: d.sign, depth: depth + 1, text: d.text }))];
}

export interface LineDiffEntry {
  sign: '+' | '-' | ' ';
  text: string;
}

/**
 * A line diff (longest common subsequence), with unchanged runs longer than
 * `2 * context + 1` lines folded into `… N unchanged lines`. Falls back to
 * "all removed, all added" for inputs too large to compare cheaply.
 */
export function lineDiff(a: readonly string[], b: readonly string[], context = 3): LineDiffEntry[] {
  const n = a.length;
  const m = b.length;
  let entries: LineDiffEntry[];
  if (n * m > 1_000_000) {
    entries = [...a.map((text) => ({ sign: '-' as const, text })), ...b.map((text) => ({ sign: '+' as const, text }))];
  } else {
    // lcs[i][j] = length of the LCS of a[i..] and b[j..], in a flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
      }
    }
    entries = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        entries.push({ sign: ' ', text: a[i] ?? '' });
        i++;
        j++;
      } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
        entries.push({ sign: '-', text: a[i++] ?? '' });
      } else {
        entries.push({ sign: '+', text: b[j++] ?? '' });
      }
    }
    while (i < n) entries.push({ sign: '-', text: a[i++] ?? '' });
    while (j < m) entries.push({ sign: '+', text: b[j++] ?? '' });
  }
  return foldUnchanged(entries, context);
}

function foldUnchanged(entries: LineDiffEntry[], context: number): LineDiffEntry[] {
  const out: LineDiffEntry[] = [];
  let k = 0;
  while (k < entries.length) {
    if (entries[k]?.sign !== ' ') {
      out.push(entries[k] as LineDiffEntry);
      k++;
      continue;
    }
    let end = k;
    while (end < entries.length && entries[end]?.sign === ' ') end++;
    const run = entries.slice(k, end);
    const keepHead = k === 0 ? 0 : context;
    const keepTail = end === entries.length ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead));
      const folded = run.length - keepHead - keepTail;
      out.push({ sign: ' ', text: `… ${folded} unchanged line${folded === 1 ? '' : 's'}` });
      out.push(...run.slice(run.length - keepTail));
    } else {
      out.push(...run);
    }
    k = end;
  }
  return out;
}

/**
 * Word-wraps prose to `width` columns. Words longer than a line (ARNs,
 * addresses) are kept whole rather than broken.
 */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const words = para.split(/\s+/).filter((w) => w !== '');
    const lead = /^\s*/.exec(para)?.[0] ?? '';
    let line = lead;
    for (const word of words) {
      if (line.trim() !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = lead + word;
      } else {
        line = line.trim() === '' ? lead + word : `${line} ${word}`;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * The pieces a cell value may be broken into: each ends after a space or one of
 * `/ : , .` (so `arn:aws:s3:::acme-logs/*` breaks only at its separators).
 */
export function segments(text: string): string[] {
  return text.match(/[^\s/:,.]*(?:[\s/:,.]|$)/g)?.filter((s) => s !== '') ?? [];
}

/** The longest piece `segments` yields: the narrowest a column can be without breaking inside a word. */
export function longestSegment(text: string): number {
  return Math.max(0, ...segments(text).map((s) => s.trimEnd().length));
}

/** Where to break a word too long for `width`: after `- : / . ,`, before a capital (`GetObject|Version`), else at `width`. */
function softBreak(word: string, width: number): number {
  for (let i = width; i >= Math.ceil(width / 2); i--) {
    const prev = word[i - 1] ?? '';
    const next = word[i] ?? '';
    if (/[-:/.,]/.test(prev) || (/[a-z0-9]/.test(prev) && /[A-Z]/.test(next))) return i;
  }
  return width;
}

/**
 * Wraps one cell line (an ARN, an action, a condition) to `width` columns,
 * breaking between segments, and inside one only when it alone is too long.
 */
export function wrapSegments(text: string, width: number): string[] {
  if (width < 1 || text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (let seg of segments(text)) {
    if ((line + seg).trimEnd().length <= width) {
      line += seg;
      continue;
    }
    if (seg.trimEnd().length > width) {
      // Too long for a line of its own anyway: keep it with what precedes it (`s3:` + `GetObjectVersion…`).
      seg = line + seg;
    } else if (line !== '') {
      out.push(line.trimEnd());
    }
    line = '';
    while (seg.trimEnd().length > width) {
      const cut = softBreak(seg, width);
      out.push(seg.slice(0, cut));
      seg = seg.slice(cut);
    }
    line = seg;
  }
  if (line.trimEnd() !== '') out.push(line.trimEnd());
  return out;
}

/** `1 resource` / `2 resources`. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

// ---------------------------------------------------------------------------
// Markdown escaping (GitHub-flavoured Markdown)

/** Escapes text for HTML (a `<summary>`, an attribute). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Escapes prose for Markdown: HTML is shown, not interpreted; emphasis, links,
 * code and table pipes are literal. Newlines become spaces when `inline`.
 */
export function escapeMarkdown(s: string, inline = true): string {
  const t = inline ? s.replace(/\r?\n/g, ' ') : s;
  return t
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/**
 * A code span holding `s` literally: the fence is longer than any run of
 * backticks inside, and `|` is escaped when the span sits in a table cell
 * (GitHub splits cells before it parses code spans).
 */
export function codeSpan(s: string, inTable = true): string {
  const flat = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  const body = inTable ? flat.replace(/\|/g, '\\|') : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A code fence for these lines: longer than any run of backticks they hold. */
export function fenceFor(lines: readonly string[]): string {
  let longest = 0;
  for (const l of lines) for (const r of l.match(/`+/g) ?? []) longest = Math.max(longest, r.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The body of one resource change: attributes for create/delete, changed paths for update/replace. */
export function resourceChangeLines(rc: ResourceChange, tree: TreeOptions, style: ChangeOptions['style']): DiffLine[] {
  switch (rc.action) {
    case 'create':
      return rc.after ? objectBody(rc.after, '+', 0, tree) : [];
    case 'delete':
      return rc.before ? objectBody(rc.before, '-', 0, tree) : [];
    case 'update':
    case 'adopt':
      return rc.changes.flatMap((ch) => changeLines(ch, 0, { ...tree, style }));
    case 'replace': {
      // Like Terraform, mark the attributes that force the replacement.
      const forces = new Set(rc.replacePaths ?? []);
      return rc.changes.flatMap((ch) => {
        const lines = changeLines(ch, 0, { ...tree, style });
        return forces.has(ch.path) && lines[0] ? [{ ...lines[0], text: `${lines[0].text} ${FORCES_REPLACEMENT}` }, ...lines.slice(1)] : lines;
      });
    }
    case 'forget':
    case 'no-op':
      return [];
  }
}

/** The mark on an attribute whose change forces a replace. */
export const FORCES_REPLACEMENT = '# forces replacement';

/** What happens to a resource, in words (`# role.x will be created`), the same in every format. */
export const ACTION_PHRASE: Record<Action, string> = {
  create: 'will be created',
  update: 'will be updated in-place',
  replace: 'must be replaced',
  adopt: 'will be adopted (s3repl manages it from now on)',
  delete: 'will be destroyed',
  forget: 'will be forgotten (left in AWS, no longer managed)',
  'no-op': 'is up to date',
};
