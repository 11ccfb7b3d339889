/**
 * What every policy the emulator evaluates shares (bucket policies, the
 * replication role's policies, key policies, queue policies): a policy element
 * that is one string or a list of them, a statement list that is one statement
 * or an array, and the `*` / `?` wildcards of Action, Resource and StringLike.
 */

/** A policy element as a list: one string, or the strings of an array. */
export const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A policy document's statements: one object, or an array of them (none when absent). */
export function statementList(doc: { Statement?: unknown }): Array<Record<string, unknown>> {
  const raw = doc.Statement;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<Record<string, unknown>>;
}

/** `*` any run of characters, `?` any one; actions match case-insensitively, resources and values as written. */
export function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's').test(value);
}
