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
 * Reads each item on its own (concurrently; every call goes through the client's
 * limit), for kinds whose API has no batch read. `read` returns null when the
 * resource does not exist.
 */
export async function readEach(
  items: ReadonlyArray<{ address: string; id: ResourceId }>,
  read: (id: ResourceId) => Promise<Attrs | null>,
): Promise<Map<string, Attrs | null>> {
  const out = new Map<string, Attrs | null>();
  await Promise.all(items.map(async ({ address, id }) => out.set(address, await read(id))));
  return out;
}
