/**
 * The registry of resource kinds: one line per kind, in apply order. The kind
 * names in src/resources/kind-names.ts, the JSON schemas and the docs are
 * generated from it (`npm run gen`; a test fails when they disagree).
 */
import type { KindName, ResourceKind } from './types.js';
import { bucket } from './bucket/index.js';
import { bucketEncryption } from './bucket-encryption/index.js';
import { versioning } from './versioning/index.js';
import { role } from './role/index.js';
import { rolePolicy } from './role-policy/index.js';
import { bucketPolicy } from './bucket-policy/index.js';
import { keyPolicy } from './key-policy/index.js';
import { replication } from './replication/index.js';
import { alarm } from './alarm/index.js';
import { job } from './job/index.js';
import { mrap } from './mrap/index.js';
import { mrapPolicy } from './mrap-policy/index.js';
import { mrapRoutes } from './mrap-routes/index.js';
import { bucketNotification } from './bucket-notification/index.js';
import { queue } from './sqs-queue/index.js';

const registry: readonly ResourceKind[] = [
  bucket,
  bucketEncryption,
  versioning,
  role,
  rolePolicy,
  bucketPolicy,
  keyPolicy,
  replication,
  queue,
  alarm,
  bucketNotification,
  job,
  mrap,
  mrapPolicy,
  mrapRoutes,
];

const byName = new Map<string, ResourceKind>(registry.map((k) => [k.kind, k]));

/** The kind of that name; throws for a name no kind has (e.g. from a damaged state file). */
export function kindOf(name: KindName): ResourceKind {
  const k = byName.get(name);
  if (!k) throw new Error(`unknown resource kind ${JSON.stringify(name)}`);
  return k;
}

export function isKindName(name: string): name is KindName {
  return byName.has(name);
}

/** Every kind, in registry (apply) order. */
export function allKinds(): readonly ResourceKind[] {
  return registry;
}
