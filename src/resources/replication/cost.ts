/** What a replication configuration means for the cost estimate: its rules as they are (plan JSON shape, normalised). */
import type { Attrs, CostFact, ResourceId } from '../types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function bucketName(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? (arnOrName.split(':::')[1] ?? arnOrName) : arnOrName;
}

export function costFacts(value: Attrs, id: ResourceId): CostFact[] {
  if (!isObj(value.rules)) return [];
  const source = id.bucket ?? '';
  const out: CostFact[] = [];
  for (const [ruleId, r] of Object.entries(value.rules)) {
    if (!isObj(r)) continue;
    const d = isObj(r.destination) ? r.destination : {};
    const filter = isObj(r.filter) ? r.filter : {};
    out.push({
      fact: 'rule',
      source,
      region: id.region ?? null,
      rule: {
        ruleId,
        destination: bucketName(str(d.bucket) ?? ''),
        storageClass: str(d.storageClass),
        enabled: r.status === 'Enabled',
        rtc: r.rtc === true,
        metrics: r.metrics === true,
        sseKms: r.sseKmsEncryptedObjects === true,
        filter: {
          prefix: str(filter.prefix) ?? '',
          tags: isObj(filter.tags) ? Object.fromEntries(Object.entries(filter.tags).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
        },
      },
    });
  }
  return out;
}
