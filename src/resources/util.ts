/** Small helpers shared by resource kinds. */
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
 * Reads of one kind in flight at once in readEach: several times the default
 * --parallelism (16), so the client's limit, not this, decides how many calls
 * run, while the kinds are read side by side.
 */
export const READ_WINDOW = 64;

/**
 * Reads each item on its own, for kinds whose API has no batch read: up to
 * READ_WINDOW at once, each call through the client's limit. `read` returns
 * null when the resource does not exist. Starting every read at once would
 * keep tens of thousands of pending calls (and their partial results) alive
 * through the whole read at 10,000 sources: most of a plan's memory, and
 * garbage collection time.
 */
export async function readEach(
  items: ReadonlyArray<{ address: string; id: ResourceId }>,
  read: (id: ResourceId) => Promise<Attrs | null>,
): Promise<Map<string, Attrs | null>> {
  const out = new Map<string, Attrs | null>();
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const { address, id } = items[next++]!;
      try {
        out.set(address, await read(id));
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_WINDOW, items.length) }, worker));
  return out;
}
