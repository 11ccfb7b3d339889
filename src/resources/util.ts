/** Small helpers shared by resource kinds. */
import type { LiveValue, ReadContext } from './types.js';
import type { Attrs, Json, ResourceId } from './values.js';

/** Sorts an object's keys (recursively) so JSON and hashes are stable; drops undefined. */
export function canonical<T extends Json | undefined>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => canonical(v)) as T;
  if (value && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as { [k: string]: Json | undefined })[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out as T;
  }
  return value;
}

/**
 * Whether two JSON values are equal as canonical() sees them: key order aside, a
 * key holding undefined the same as no key. Allocates nothing.
 */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  let defined = 0;
  for (const k in a) {
    const v = a[k];
    if (v === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual(v, b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined) defined--;
  return defined === 0;
}

/**
 * Makes a function that replaces, in place, every string of a value it is given
 * (at any depth) by the first equal string it has seen. Parsed text makes a new
 * string for every occurrence: a state or configuration of 10,000 sources holds
 * the same regions, statuses and rule ids tens of thousands of times. Only for
 * values the caller owns (freshly parsed or read); the table lives as long as the
 * function does.
 *
 * `copy`: keep a copy of each string first seen, not the string itself. A parser
 * may return a string as a view of the whole text it parsed (js-yaml slices its
 * input; V8 keeps a slice of 13 characters or more as a reference to the whole):
 * one such value kept would keep the whole file.
 */
export function interner(options: { copy?: boolean } = {}): <T>(value: T) => T {
  const seen = new Map<string, string>();
  const own = options.copy ? (v: string): string => JSON.parse(JSON.stringify(v)) as string : (v: string) => v;
  const str = (v: string): string => {
    const s = seen.get(v);
    if (s !== undefined) return s;
    const kept = own(v);
    seen.set(kept, kept);
    return kept;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return str(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      for (const k in o) {
        const v = o[k];
        if (typeof v === 'string' || (v !== null && typeof v === 'object')) o[k] = walk(v);
      }
    }
    return value;
  };
  return walk as <T>(value: T) => T;
}

/** Entries of the largest list or object `sharer` shares. */
const SHARED_MAX_ENTRIES = 8;

/**
 * Makes a function that replaces, in place, each small part of a value (a list
 * or object of at most SHARED_MAX_ENTRIES entries, each a string, number,
 * boolean, null or a part already shared) by the first equal part it has seen,
 * frozen. A state of 10,000 sources holds the same parts tens of thousands of
 * times: an empty dependsOn for every bucket, {status: "Enabled"} for every
 * versioning, one bucket's attributes for every bucket of a region. Only for
 * values the caller owns and never changes afterwards (a change to a frozen part
 * throws instead of changing every resource that shares it).
 */
export function sharer(): <T>(value: T) => T {
  const seen = new Map<string, object>();
  const walk = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
    let small = true;
    let entries = 0;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v = (value[i] = walk(value[i]));
        if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) small = false;
      }
      entries = value.length;
    } else {
      const o = value as Record<string, unknown>;
      for (const k in o) {
        const v = (o[k] = walk(o[k]));
        if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) small = false;
        entries++;
      }
    }
    if (!small || entries > SHARED_MAX_ENTRIES) return value;
    const key = `${Array.isArray(value) ? '[' : '{'}${JSON.stringify(value)}`;
    const first = seen.get(key);
    if (first) return first;
    seen.set(key, Object.freeze(value));
    return value;
  };
  return walk as <T>(value: T) => T;
}

export function sortedRecord(tags: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(tags ?? {}).sort()) out[k] = tags![k]!;
  return out;
}

export function tagsFromList(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return sortedRecord(out);
}

export function tagsToList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key]! }));
}

export const str = (a: Attrs, k: string): string => {
  const v = a[k];
  if (typeof v !== 'string') throw new Error(`attribute ${k} is not a string`);
  return v;
};

/** Runs fn over items in chunks of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * How a kind's readMany hands over each value and bounds its reads. `keep`
 * gives a value to the caller's keep, which then holds it (ResourceKind.readMany),
 * or, when the caller gives none, puts it in `out` as read. `slot` is the
 * caller's, or no bound beyond the client's.
 */
export function readHooks(
  ctx: Pick<ReadContext, 'keep' | 'slot'>,
  out: Map<string, LiveValue>,
): { keep: (address: string, value: Attrs | null) => void; slot: NonNullable<ReadContext['slot']> } {
  const given = ctx.keep;
  return {
    keep: given ?? ((address, value) => void out.set(address, value)),
    slot: ctx.slot ?? ((read) => read()),
  };
}

/**
 * Reads of one kind under way at once in readEach. Kinds are read side by side,
 * and ReadContext.slot, when given, bounds the items of every kind together.
 */
export const READ_WINDOW = 64;

/**
 * Reads each item on its own, for kinds whose API has no batch read: up to
 * READ_WINDOW at once, each within ReadContext.slot, each call through the
 * client's limit. `read` returns null when the resource does not exist; each
 * value goes through ReadContext.keep as it arrives. Starting every read at once
 * would keep tens of thousands of pending calls (and their partial results)
 * alive through the whole read at 10,000 sources: most of a plan's memory, and
 * garbage collection time.
 */
export async function readEach(
  ctx: Pick<ReadContext, 'keep' | 'slot'>,
  items: ReadonlyArray<{ address: string; id: ResourceId }>,
  read: (id: ResourceId) => Promise<Attrs | null>,
): Promise<Map<string, Attrs | null>> {
  const out = new Map<string, Attrs | null>();
  const { keep, slot } = readHooks(ctx, out);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const { address, id } = items[next++]!;
      try {
        keep(address, await slot(() => read(id)));
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_WINDOW, items.length) }, worker));
  return out;
}
