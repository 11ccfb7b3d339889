/**
 * Plans that span accounts (replication.yaml's `accounts:`) are shown grouped
 * by account: the account of the default credentials first, then the others
 * in id order. A resource in another account carries it in `id.account`.
 */
import type { Plan, ResourceChange } from '../engine/types.js';

export function accountOf(plan: Pick<Plan, 'account'>, rc: Pick<ResourceChange, 'id'>): string {
  return rc.id.account ?? plan.account;
}

/** The changes grouped by account, in plan order within each group; one group when there is one account. */
export function byAccount(plan: Pick<Plan, 'account'>, changes: readonly ResourceChange[]): Array<{ account: string; changes: ResourceChange[] }> {
  const groups = new Map<string, ResourceChange[]>();
  for (const rc of changes) {
    const a = accountOf(plan, rc);
    const group = groups.get(a);
    if (group) group.push(rc);
    else groups.set(a, [rc]);
  }
  return [...groups]
    .sort(([a], [b]) => (a === plan.account ? -1 : b === plan.account ? 1 : a < b ? -1 : 1))
    .map(([account, list]) => ({ account, changes: list }));
}
