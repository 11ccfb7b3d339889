/**
 * Foreign state: a state file that belongs to another configuration (a copied
 * S3 key or state path). Recognised when the state records resources, the
 * configuration names none of them (no resource of the same kind and
 * identifiers), and the plan would delete what the state holds (a delete, or
 * the old half of a replace): applying it would remove the other
 * configuration's setup.
 */
import type { StateDocument } from '../state/types.js';
import type { Plan } from './types.js';
import { canonical } from '../resources/util.js';

export interface ForeignState {
  /** How many resources the state records. */
  recorded: number;
  /** The addresses the plan would delete. */
  deletes: string[];
}

/**
 * The evidence that the state is another configuration's, or undefined when it
 * is not. Resources are matched by what they are in AWS (kind and identifiers),
 * not by address: two configurations both call their role `role.replication`.
 */
export function foreignState(plan: Plan, state: StateDocument | null): ForeignState | undefined {
  if (plan.mode === 'destroy' || !state) return undefined;
  const recorded = Object.values(state.resources);
  if (recorded.length === 0) return undefined;
  const identity = (kind: string, id: Record<string, string>) => `${kind}\n${JSON.stringify(canonical(id))}`;
  const named = new Set(plan.changes.filter((c) => c.action !== 'delete' && c.action !== 'forget').map((c) => identity(c.kind, c.id)));
  if (recorded.some((r) => named.has(identity(r.kind, r.id)))) return undefined;
  const deletes = plan.changes.filter((c) => c.action === 'delete' || (c.action === 'replace' && c.priorId)).map((c) => c.address);
  if (deletes.length === 0) return undefined;
  return { recorded: recorded.length, deletes };
}

/** The sentence that says so, naming the state and a few of the resources. */
export function describeForeignState(f: ForeignState, where: string, configPath: string): string {
  const some = f.deletes.slice(0, 5).join(', ') + (f.deletes.length > 5 ? ', ...' : '');
  return (
    `the state at ${where} records ${f.recorded} resource${f.recorded === 1 ? '' : 's'} and ${configPath} names none of them; ` +
    `applying would delete ${f.deletes.length} (${some}). This looks like another configuration's state (a copied state key or path)`
  );
}
