/**
 * The plan as JSON (`plan --format json`, saved plans): the Plan itself, with a
 * stable key order so that the same plan always serialises to the same bytes.
 * Fields of the contract come in the order docs/plan-format.md lists them (a
 * field this renderer does not know yet is kept, after the known ones, sorted);
 * free-form values (resource attributes, ids, IAM conditions) have their keys
 * sorted. The shape is described by schema/plan.schema.json.
 */
import type { Plan } from '../engine/types.js';

/** Key order of each object of the contract, by its path in the plan (`[]` for array items). */
const KEY_ORDER: Record<string, readonly string[]> = {
  '': [
    'formatVersion',
    's3replVersion',
    'createdAt',
    'mode',
    'config',
    'account',
    'state',
    'liveFingerprint',
    'summary',
    'changes',
    'drift',
    'iam',
    'notices',
    'cost',
    'targets',
  ],
  config: ['path', 'sha256'],
  state: ['lineage', 'serial'],
  summary: ['add', 'change', 'destroy', 'forget', 'adopt', 'noop'],
  'changes[]': ['address', 'kind', 'action', 'actionReason', 'id', 'priorId', 'reasons', 'replacePaths', 'dependsOn', 'operation', 'changes', 'before', 'after'],
  'changes[].operation': ['type', 'request', 'startedAt'],
  'changes[].changes[]': ['path', 'kind', 'before', 'after'],
  'drift[]': ['address', 'kind', 'status', 'changes'],
  'drift[].changes[]': ['path', 'kind', 'before', 'after'],
  iam: ['broadened', 'statements'],
  'iam.statements[]': ['change', 'address', 'roleName', 'policy', 'effect', 'actions', 'resources', 'principals', 'conditions'],
  'notices[]': ['level', 'address', 'message', 'detail'],
  cost: ['currency', 'priceTable', 'monthly', 'oneOff', 'rules', 'assumptions'],
  'cost.priceTable': ['version', 'origin'],
  'cost.monthly': ['before', 'after', 'change'],
  'cost.monthly.before': ['usd', 'unknown'],
  'cost.monthly.after': ['usd', 'unknown'],
  'cost.monthly.change': ['usd', 'unknown'],
  'cost.oneOff': ['usd', 'unknown'],
  'cost.rules[]': ['source', 'ruleId', 'destination', 'sourceRegion', 'destinationRegion', 'before', 'after', 'change', 'oneOff', 'usage'],
  'cost.rules[].change': ['usd', 'unknown'],
  ...Object.fromEntries(
    (['before', 'after', 'oneOff'] as const).flatMap((side) => [
      [`cost.rules[].${side}`, ['items', 'total']],
      [`cost.rules[].${side}.total`, ['usd', 'unknown']],
      [`cost.rules[].${side}.items[]`, ['component', 'description', 'quantity', 'unit', 'unitPrice', 'amount', 'price', 'assumptions']],
      [`cost.rules[].${side}.items[].price`, ['source', 'read', 'note']],
    ]),
  ),
  'cost.rules[].usage': ['storedGB', 'objects', 'monthlyWriteGB', 'monthlyWrites', 'share', 'notes'],
};

/** Paths whose values are free-form JSON (keys sorted), not part of the contract's structure. */
const FREE_FORM = new Set([
  'changes[].id',
  'changes[].priorId',
  'changes[].before',
  'changes[].after',
  'changes[].changes[].before',
  'changes[].changes[].after',
  'drift[].changes[].before',
  'drift[].changes[].after',
  'iam.statements[].conditions',
]);

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * A JSON value with the keys of each object in contract order (by path, `[]` for
 * array items), then any others sorted; under a free-form path every level is
 * sorted. Shared by the plan and drift JSON formats.
 */
export function orderKeys(
  value: unknown,
  keyOrder: Record<string, readonly string[]>,
  freeForm: ReadonlySet<string>,
  path = '',
): unknown {
  if (Array.isArray(value)) return value.map((v) => orderKeys(v, keyOrder, freeForm, `${path}[]`));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const free = freeForm.has(path) || path.includes('#');
  const known = free ? [] : (keyOrder[path] ?? []);
  const rest = Object.keys(obj)
    .filter((k) => !known.includes(k))
    .sort();
  const out: Record<string, unknown> = {};
  for (const k of [...known, ...rest]) {
    if (!(k in obj) || obj[k] === undefined) continue;
    // Inside free-form values every level is free-form: mark the path with '#'.
    out[k] = orderKeys(obj[k], keyOrder, freeForm, free ? `${join(path, k)}#` : join(path, k));
  }
  return out;
}

/** The plan as a plain object in canonical key order (what `renderPlanJson` serialises). */
export function canonicalPlan(plan: Plan): Plan {
  return orderKeys(plan, KEY_ORDER, FREE_FORM) as Plan;
}

/** The plan as 2-space-indented JSON with a final newline, keys in a stable order. */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(canonicalPlan(plan), null, 2)}\n`;
}
