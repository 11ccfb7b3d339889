/** Problems found in a document, located by path; the loader turns paths into line:column. */
import type { Diagnostic } from './types.js';

export interface Finding {
  /** Stable rule id: `schema`, or one of the AWS-rule ids in rules.ts. */
  rule: string;
  severity: Diagnostic['severity'];
  message: string;
  hint?: string;
  /** Keys and indexes into the document's value. */
  path: Array<string | number>;
  /** Point at the key (unknown keys, bucket names) rather than the value. */
  anchor?: 'key' | 'value';
}

/** `replications[0].rules[1].destination`, for messages. */
export function describePath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** JSON pointer of a path (RFC 6901). */
export function pointerOf(path: ReadonlyArray<string | number>): string {
  return path.map((s) => `/${escapePointer(String(s))}`).join('');
}

/** In file order, top to bottom; at one spot, errors first. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(
    (a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message),
  );
}
