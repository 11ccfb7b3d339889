/**
 * Attribute-level differences between two normalised values (deep-diff), as
 * readable paths. Arrays are compared whole (a policy's statements, a list of
 * SNS topics) so an insertion reads as one change rather than a cascade of
 * shifted indexes; objects are walked key by key.
 */
import deepDiff from 'deep-diff';
import type { Attrs } from '../resources/types.js';
import type { AttributeChange } from './types.js';

const SIMPLE_KEY = /^[A-Za-z_][\w-]*$/;

export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (SIMPLE_KEY.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

function get(obj: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = obj;
  for (const p of path) cur = (cur as Record<string | number, unknown> | undefined)?.[p];
  return cur;
}

/** Changes from `before` to `after`; both may be null (absent resource). */
export function diffAttrs(before: Attrs | null, after: Attrs | null): AttributeChange[] {
  const raw = deepDiff.diff(before ?? {}, after ?? {}) ?? [];
  const out = new Map<string, AttributeChange>();
  for (const d of raw) {
    const path = (d.path ?? []) as Array<string | number>;
    // Collapse anything inside an array to the whole array.
    const arrayAt = findArray(before, after, path, d.kind === 'A');
    if (arrayAt) {
      const key = formatPath(arrayAt);
      if (!out.has(key)) {
        const b = get(before, arrayAt);
        const a = get(after, arrayAt);
        out.set(key, { path: key, kind: b === undefined ? 'added' : a === undefined ? 'removed' : 'changed', before: b, after: a });
      }
      continue;
    }
    const key = formatPath(path);
    if (d.kind === 'N') out.set(key, { path: key, kind: 'added', after: d.rhs });
    else if (d.kind === 'D') out.set(key, { path: key, kind: 'removed', before: d.lhs });
    else if (d.kind === 'E') out.set(key, { path: key, kind: 'changed', before: d.lhs, after: d.rhs });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function findArray(
  before: unknown,
  after: unknown,
  path: Array<string | number>,
  isArrayChange: boolean,
): Array<string | number> | undefined {
  for (let i = 0; i < path.length; i++) {
    const prefix = path.slice(0, i + 1);
    if (Array.isArray(get(before, prefix)) || Array.isArray(get(after, prefix))) return prefix;
  }
  return isArrayChange ? path : undefined;
}

/**
 * Leaves out of `desired` the top-level attributes a live read cannot observe
 * (absent from `live`), so they never show as a change.
 */
export function observable(desired: Attrs, live: Attrs): Attrs {
  const out: Attrs = {};
  for (const k of Object.keys(desired)) if (k in live) out[k] = desired[k]!;
  return out;
}
