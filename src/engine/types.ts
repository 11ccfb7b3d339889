/**
 * The plan is plain data, separate from how it is shown (text, JSON, Markdown)
 * and from how it is executed. `formatVersion` is the public contract of
 * `plan --format json` and of saved plans; see README "Plan JSON format".
 */
import type { Attrs, KindName, Notice, PendingOperation, ResourceId } from '../resources/types.js';
import type { Cost } from '../cost/model.js';

export type { Notice } from '../resources/types.js';

export const PLAN_FORMAT_VERSION = 1 as const;

/**
 * `adopt`: the resource exists in AWS, is not in the state, and carries no
 * ownership marks of this state: apply records it (and updates it when
 * `changes` is not empty), and s3repl manages it from then on.
 */
export type Action = 'create' | 'update' | 'replace' | 'adopt' | 'delete' | 'forget' | 'no-op';

/**
 * Why a resource is replaced, as data (Terraform's ActionReason, CDK's ResourceImpact):
 * - `replace-because-id-changed`: its identifiers changed (a role's or an alarm's
 *   name): the new one is created, then the old one (`priorId`) deleted;
 * - `replace-because-cannot-update`: an attribute AWS cannot change in place
 *   changed (`replacePaths`): the resource is deleted, then created again;
 * - `replace-because-dependency-replaced`: a resource it depends on is replaced
 *   in place and takes it along (a role's inline policy): it is created again
 *   after it (`replacePaths` names the dependency's address).
 */
export type ActionReason = 'replace-because-id-changed' | 'replace-because-cannot-update' | 'replace-because-dependency-replaced';

export interface AttributeChange {
  /** Dotted path of object keys, e.g. `rules.to-dr.destination.storageClass`; `["…"]` for other keys; an array is one value (its own path). */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export interface ResourceChange {
  address: string;
  kind: KindName;
  action: Action;
  /** For replace only: why. */
  actionReason?: ActionReason;
  id: ResourceId;
  /** For a replace whose identifiers changed: those of the resource being replaced (e.g. a role's old name). */
  priorId?: ResourceId;
  /** Normalised live value (null when it does not exist). */
  before: Attrs | null;
  /** Normalised desired value (null for delete/forget). */
  after: Attrs | null;
  /** Attribute-level changes between before and after. */
  changes: AttributeChange[];
  /** Why this action, when not obvious (adoption, vanished, never deleted, replaced), in words. */
  reasons: string[];
  /** For replace only: the paths that force it (`id.roleName`, `path`). */
  replacePaths?: string[];
  dependsOn: string[];
  /**
   * An asynchronous operation an earlier apply started for this resource and
   * the state records as not seen to finish (a killed apply's creation): apply
   * resumes polling it rather than starting another. Absent when none.
   */
  operation?: PendingOperation;
}

export interface DriftItem {
  address: string;
  kind: KindName;
  /** changed: live differs from last apply; vanished: deleted outside s3repl. */
  status: 'changed' | 'vanished';
  /** before = last applied (expected), after = live (actual). */
  changes: AttributeChange[];
}

export interface IamStatementChange {
  change: 'added' | 'removed';
  /** Role address, e.g. `role.replication`. */
  address: string;
  roleName: string;
  /** `trust` (who may assume) or `permissions` (what the role may do). */
  policy: 'trust' | 'permissions';
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  principals: string[];
  conditions?: Record<string, unknown>;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  forget: number;
  /** Resources found in AWS that s3repl will manage from now on (action `adopt`). */
  adopt: number;
  noop: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  s3replVersion: string;
  createdAt: string;
  /** `plan` or `destroy` plans. */
  mode: 'apply' | 'destroy';
  config: { path: string; sha256: string };
  account: string;
  state: { lineage: string | null; serial: number };
  /** sha256 over the normalised live values of every resource the plan read. */
  liveFingerprint: string;
  changes: ResourceChange[];
  drift: DriftItem[];
  iam: { broadened: boolean; statements: IamStatementChange[] };
  notices: Notice[];
  summary: PlanSummary;
  /** Estimated replication cost (absent with `plan --no-cost`, and in apply and drift). */
  cost?: Cost;
  /** With --target: the addresses the plan was narrowed to (with their dependencies). */
  targets?: string[];
}

export function hasChanges(plan: Plan): boolean {
  const s = plan.summary;
  // A saved plan from before `adopt` existed has no count: none.
  return s.add + s.change + s.destroy + s.forget + (s.adopt ?? 0) > 0;
}
