/** The registry of resource kinds: one line per kind. */
import type { KindName, ResourceKind } from './types.js';
import { bucket } from './bucket.js';
import { versioning } from './versioning.js';
import { role } from './role.js';
import { rolePolicy } from './role-policy.js';
import { replication } from './replication.js';
import { alarm } from './alarm.js';
import { job } from './job.js';

const registry: Partial<Record<KindName, ResourceKind>> = {
  bucket,
  versioning,
  role,
  'role-policy': rolePolicy,
  replication,
  alarm,
  job,
};

export function kindOf(name: KindName): ResourceKind {
  const k = registry[name];
  if (!k) throw new Error(`unknown resource kind ${name}`);
  return k;
}

export function allKinds(): ResourceKind[] {
  return Object.values(registry) as ResourceKind[];
}
