/**
 * IAM policy documents in one canonical form, so the same policy written by
 * s3repl, returned URL-encoded by GetRole/GetRolePolicy, or edited by hand
 * compares equal: single values become lists, lists are sorted and de-duplicated,
 * statements are sorted, keys are ordered.
 */
import type { Json } from './values.js';
import { canonical } from './util.js';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { [type: string]: string[] } | '*';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: { [op: string]: { [key: string]: string[] } };
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const asList = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : [...new Set((Array.isArray(v) ? v : [v]).map(String))].sort();

export function normalizePolicy(doc: unknown): PolicyDocument {
  const d = (typeof doc === 'string' ? JSON.parse(doc) : doc) as { Version?: string; Statement?: unknown };
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement ? [d.Statement] : [];
  const statements = raw.map((s: Record<string, unknown>): Statement => {
    const st: Statement = { Effect: s.Effect === 'Deny' ? 'Deny' : 'Allow' };
    if (typeof s.Sid === 'string' && s.Sid) st.Sid = s.Sid;
    if (s.Principal !== undefined) {
      if (s.Principal === '*') st.Principal = '*';
      else {
        const p: { [k: string]: string[] } = {};
        for (const [k, v] of Object.entries(s.Principal as Record<string, unknown>)) p[k] = asList(v)!;
        st.Principal = p;
      }
    }
    for (const k of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      const l = asList(s[k]);
      if (l) st[k] = l;
    }
    if (s.Condition && typeof s.Condition === 'object') {
      const c: { [op: string]: { [key: string]: string[] } } = {};
      for (const [op, kv] of Object.entries(s.Condition as Record<string, Record<string, unknown>>)) {
        c[op] = {};
        for (const [k, v] of Object.entries(kv)) c[op][k] = asList(v)!;
      }
      st.Condition = c;
    }
    return canonical(st as unknown as Json) as unknown as Statement;
  });
  statements.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { Version: d.Version ?? '2012-10-17', Statement: statements };
}

/** GetRole / GetRolePolicy return documents URL-encoded (RFC 3986). */
export function decodePolicy(encoded: string | undefined): PolicyDocument | null {
  if (!encoded) return null;
  const text = encoded.trimStart().startsWith('{') ? encoded : decodeURIComponent(encoded);
  return normalizePolicy(text);
}
