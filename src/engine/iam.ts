/**
 * IAM changes pulled out of the plan, like `cdk diff`'s IAM table: which
 * statements a plan adds or removes in a role's trust policy (who may assume
 * it) and permissions policy (what it may do), and whether permissions are
 * broadened — any added Allow grant (action × resource × condition) or principal,
 * or a removed Deny — so a reviewer, or CI, can gate on it.
 */
import { kindOf } from '../resources/index.js';
import type { PolicyDocument, Statement } from '../resources/policy-doc.js';
import type { IamStatementChange, ResourceChange } from './types.js';

interface Grant {
  effect: 'Allow' | 'Deny';
  action: string;
  resource: string;
  principal: string;
  condition: string;
}

function grants(doc: PolicyDocument | null | undefined): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const s of doc?.Statement ?? []) {
    const principals = principalsOf(s);
    for (const action of s.Action ?? s.NotAction?.map((a) => `NOT ${a}`) ?? ['']) {
      for (const resource of s.Resource ?? s.NotResource?.map((r) => `NOT ${r}`) ?? ['']) {
        for (const principal of principals) {
          const g: Grant = { effect: s.Effect, action, resource, principal, condition: JSON.stringify(s.Condition ?? null) };
          out.set(JSON.stringify(g), g);
        }
      }
    }
  }
  return out;
}

function principalsOf(s: Statement): string[] {
  if (s.Principal === undefined) return [''];
  if (s.Principal === '*') return ['*'];
  return Object.entries(s.Principal).flatMap(([type, ids]) => ids.map((id) => `${type}:${id}`));
}

/** Groups grants back into readable rows: same effect, condition and principals → one row per action set. */
function rows(
  list: Grant[],
  change: IamStatementChange['change'],
  base: Pick<IamStatementChange, 'address' | 'roleName' | 'policy'>,
): IamStatementChange[] {
  const byResource = new Map<string, { g: Grant; actions: Set<string>; principals: Set<string> }>();
  for (const g of list) {
    const key = `${g.effect}|${g.condition}|${g.resource}`;
    const e = byResource.get(key) ?? { g, actions: new Set(), principals: new Set() };
    if (g.action) e.actions.add(g.action);
    if (g.principal) e.principals.add(g.principal);
    byResource.set(key, e);
  }
  const grouped = new Map<string, IamStatementChange>();
  for (const { g, actions, principals } of byResource.values()) {
    const acts = [...actions].sort();
    const prins = [...principals].sort();
    const key = `${g.effect}|${g.condition}|${acts.join(',')}|${prins.join(',')}`;
    const row = grouped.get(key) ?? {
      change,
      ...base,
      effect: g.effect,
      actions: acts,
      resources: [],
      principals: prins,
      ...(g.condition !== 'null' ? { conditions: JSON.parse(g.condition) as Record<string, unknown> } : {}),
    };
    if (g.resource) row.resources.push(g.resource);
    grouped.set(key, row);
  }
  for (const r of grouped.values()) r.resources.sort();
  return [...grouped.values()];
}

export function iamChanges(changes: ResourceChange[]): { broadened: boolean; statements: IamStatementChange[] } {
  const statements: IamStatementChange[] = [];
  let broadened = false;
  for (const c of changes) {
    if (c.action === 'no-op' || c.action === 'forget') continue;
    const view = kindOf(c.kind).iam;
    if (!view) continue;
    let before = c.before ? view.document(c.before) : null;
    let after = c.after ? view.document(c.after) : null;
    // Under new identifiers (a renamed role) every grant is new; replaced in place, compare as an update.
    // (Plans saved before actionReason existed replace only under new identifiers.)
    if (c.action === 'replace' && (c.actionReason ?? 'replace-because-id-changed') === 'replace-because-id-changed') before = null;
    if (c.action === 'delete') after = null;
    const b = grants(before);
    const a = grants(after);
    const added = [...a].filter(([k]) => !b.has(k)).map(([, g]) => g);
    const removed = [...b].filter(([k]) => !a.has(k)).map(([, g]) => g);
    if (added.some((g) => g.effect === 'Allow') || removed.some((g) => g.effect === 'Deny')) broadened = true;
    const role = view.role(c.address, c.id);
    const base = { address: role.address, roleName: role.roleName, policy: view.policy };
    statements.push(...rows(added, 'added', base), ...rows(removed, 'removed', base));
  }
  return { broadened, statements };
}
