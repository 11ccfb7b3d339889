/**
 * Reads live state: every resource once, each kind in batches, all kinds at
 * once, with every AWS call bounded by the client's concurrency limit.
 */
import pLimit from 'p-limit';
import type { AwsClients } from '../aws/clients.js';
import { kindOf } from '../resources/index.js';
import type { Attrs, KindName, LiveValue, ResourceId } from '../resources/types.js';
import { interner, jsonEqual } from '../resources/util.js';

/**
 * What to read: a desired or state resource serves as it is (a plan reads
 * 70,000 of them at 10,000 sources, and holds no copy).
 */
export interface ReadItem {
  /** Key of the result: the resource's address, or its address with a suffix for a prior id. */
  address: string;
  kind: KindName;
  id: ResourceId;
}

/**
 * The live value of each item, normalised. For a kind that shares an AWS
 * document with other tools (`managed`), the value is s3repl's part of it;
 * `whole`, when given, receives the whole normalised value of each item of a
 * managed kind (for `notices`).
 *
 * `known`, when given, names a value the caller already holds for a key (the
 * configuration's or the state's): a live value equal to it is returned as that
 * same object, so an unchanged resource costs no memory of its own. Each value is
 * settled as it arrives (ReadContext.keep), not once its whole kind is read.
 */
export async function readLive(
  aws: AwsClients,
  accountId: string,
  items: ReadItem[],
  whole?: Map<string, LiveValue>,
  known?: (key: string) => Attrs | undefined,
): Promise<Map<string, LiveValue>> {
  const byKind = new Map<KindName, ReadItem[]>();
  for (const it of items) {
    const list = byKind.get(it.kind) ?? [];
    list.push(it);
    byKind.set(it.kind, list);
  }
  const out = new Map<string, LiveValue>();
  // What differs from the known values: still one string per value (a lineage in every bucket's tags).
  const intern = interner();
  // Items (or batches) under way at once, every kind together: twice the calls that
  // may run, so the limit stays busy while few calls wait for it (ReadContext.slot).
  const slot = pLimit(2 * aws.options.parallelism);
  await Promise.all(
    [...byKind].map(async ([kind, list]) => {
      const k = kindOf(kind);
      const keep = (key: string, v: Attrs | null): void => {
        const all = v ? k.normalize(v) : null;
        let part = all && k.managed ? k.managed(all) : all;
        const same = part && known?.(key);
        if (same && jsonEqual(part, same)) part = same;
        else if (known) intern(all);
        // The whole document differs from s3repl's part only for a managed kind.
        if (k.managed) whole?.set(key, all);
        out.set(key, part);
      };
      const read = await k.readMany({ aws, accountId, keep, slot }, list);
      // Kinds whose reads do not call keep: settled now.
      for (const i of list) if (!out.has(i.address)) keep(i.address, (read.get(i.address) ?? null) as Attrs | null);
    }),
  );
  return out;
}
