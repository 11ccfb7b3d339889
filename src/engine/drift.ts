/**
 * The drift report (`s3repl drift`): a plan seen from the other side. It keeps
 * apart what changed outside s3repl since the last apply (the plan's drift:
 * state, expected, vs live, actual) and what apply would still do (the plan's
 * non-no-op changes, each with why: the configuration changed since the last
 * apply, or only to undo a change made outside s3repl, or both). Pure: built
 * from a Plan and the state it was made from; nothing is read or diffed twice.
 * `formatVersion` is the public contract of `drift --format json`; see
 * docs/drift-format.md and schema/drift.schema.json.
 */
import { kindOf } from '../resources/index.js';
import type { Attrs, KindName } from '../resources/types.js';
import { canonical } from '../resources/util.js';
import type { StateDocument } from '../state/types.js';
import { diffAttrs, observable } from './diff.js';
import { iamChanges } from './iam.js';
import type { Action, AttributeChange, DriftItem, IamStatementChange, Plan, ResourceChange } from './types.js';

export const DRIFT_FORMAT_VERSION = 1 as const;
export const DRIFT_REPORT_KIND = 's3repl-drift' as const;

/**
 * Why apply would change a resource:
 * - `config`: the configuration asks for something the last apply did not do
 *   (a new, edited or removed resource, or no state at all);
 * - `drift`: the configuration is as last applied; apply would only undo a
 *   change made outside s3repl (or recreate what was deleted);
 * - `both`: the configuration changed and the resource drifted too.
 */
export type PendingCause = 'config' | 'drift' | 'both';

export interface PendingChange {
  address: string;
  kind: KindName;
  action: Exclude<Action, 'no-op'>;
  cause: PendingCause;
  /** Why this action, when not obvious (as in the plan). */
  reasons: string[];
  /** before = live, after = desired (as in the plan). */
  changes: AttributeChange[];
}

export interface DriftSummary {
  /** Resources changed outside s3repl since the last apply. */
  drifted: number;
  /** Resources deleted outside s3repl. */
  vanished: number;
  /** Resources apply would change. */
  pending: number;
  /** Resources recorded in state (0: nothing is managed by s3repl yet). */
  managed: number;
}

export interface DriftReport {
  formatVersion: typeof DRIFT_FORMAT_VERSION;
  kind: typeof DRIFT_REPORT_KIND;
  s3replVersion: string;
  generatedAt: string;
  config: { path: string; sha256: string };
  account: string;
  /** lineage null and serial 0 when there is no state yet. */
  state: { lineage: string | null; serial: number };
  drift: DriftItem[];
  pending: PendingChange[];
  /** IAM statements added or removed outside s3repl (trust and permissions policies of managed roles). */
  iam: { broadened: boolean; statements: IamStatementChange[] };
  summary: DriftSummary;
  /** True when live differs from the last apply or from the configuration: `s3repl drift` exits 2. */
  hasDrift: boolean;
}

export function makeDriftReport(plan: Plan, state: StateDocument | null): DriftReport {
  const drifted = new Set(plan.drift.map((d) => d.address));
  const pending: PendingChange[] = [];
  for (const c of plan.changes) {
    // An adoption that changes nothing is not drift: live already matches the configuration
    // (apply would only record it). One with changes is pending, as an update would be.
    if (c.action === 'no-op' || (c.action === 'adopt' && c.changes.length === 0)) continue;
    const config = configChanged(c, state);
    const drift = drifted.has(c.address);
    pending.push({
      address: c.address,
      kind: c.kind,
      action: c.action,
      cause: config && drift ? 'both' : drift ? 'drift' : 'config',
      reasons: c.reasons,
      changes: c.changes,
    });
  }
  const summary: DriftSummary = {
    drifted: plan.drift.filter((d) => d.status === 'changed').length,
    vanished: plan.drift.filter((d) => d.status === 'vanished').length,
    pending: pending.length,
    managed: Object.keys(state?.resources ?? {}).length,
  };
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    kind: DRIFT_REPORT_KIND,
    s3replVersion: plan.s3replVersion,
    generatedAt: plan.createdAt,
    config: plan.config,
    account: plan.account,
    state: { lineage: state?.lineage ?? null, serial: state?.serial ?? 0 },
    drift: plan.drift,
    pending,
    iam: iamDrift(plan, state),
    summary,
    hasDrift: plan.drift.length > 0 || pending.length > 0,
  };
}

/** Whether the configuration asks for something other than what the last apply recorded. */
function configChanged(c: ResourceChange, state: StateDocument | null): boolean {
  const s = state?.resources[c.address];
  if (!s || c.after === null || c.priorId !== undefined) return true;
  if (JSON.stringify(canonical(s.id)) !== JSON.stringify(canonical(c.id))) return true;
  const applied = kindOf(s.kind).normalize(s.attributes);
  // Attributes AWS assigned (a job's id) are in state but never desired: compare what the configuration says.
  return diffAttrs(observable(applied, c.after), observable(c.after, applied)).length > 0;
}

/**
 * IAM statements of managed roles changed outside s3repl: the last-applied
 * policies (state) against the live ones, as the plan's IAM table compares
 * live against desired. `broadened`: someone granted more by hand.
 */
function iamDrift(plan: Plan, state: StateDocument | null): DriftReport['iam'] {
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const asChanges: ResourceChange[] = [];
  for (const d of plan.drift) {
    if (!kindOf(d.kind).iam) continue;
    const s = state?.resources[d.address];
    const c = byAddress.get(d.address);
    if (!s || !c) continue;
    const expected: Attrs = kindOf(s.kind).normalize(s.attributes);
    const live = d.status === 'vanished' ? null : c.before;
    asChanges.push({ ...c, id: s.id, action: live ? 'update' : 'delete', before: expected, after: live });
  }
  return iamChanges(asChanges);
}
