/**
 * Reads live state: every resource once, each kind in batches, all kinds at
 * once, with every AWS call bounded by the client's concurrency limit.
 */
import type { AwsClients } from '../aws/clients.js';
import { kindOf } from '../resources/index.js';
import type { Attrs, KindName, LiveValue, ResourceId } from '../resources/types.js';

export interface ReadItem {
  /** Key of the result (an address, or an address with a suffix for a prior id). */
  key: string;
  kind: KindName;
  id: ResourceId;
}

/**
 * The live value of each item, normalised. For a kind that shares an AWS
 * document with other tools (`managed`), the value is s3repl's part of it;
 * `whole`, when given, receives the whole normalised value (for `notices`).
 */
export async function readLive(aws: AwsClients, accountId: string, items: ReadItem[], whole?: Map<string, LiveValue>): Promise<Map<string, LiveValue>> {
  const byKind = new Map<KindName, ReadItem[]>();
  for (const it of items) {
    const list = byKind.get(it.kind) ?? [];
    list.push(it);
    byKind.set(it.kind, list);
  }
  const out = new Map<string, LiveValue>();
  await Promise.all(
    [...byKind].map(async ([kind, list]) => {
      const k = kindOf(kind);
      const read = await k.readMany(
        { aws, accountId },
        list.map((i) => ({ address: i.key, id: i.id })),
      );
      for (const i of list) {
        const v = read.get(i.key) ?? null;
        const all = v ? k.normalize(v as Attrs) : null;
        whole?.set(i.key, all);
        out.set(i.key, all && k.managed ? k.managed(all) : all);
      }
    }),
  );
  return out;
}
