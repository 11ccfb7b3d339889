/**
 * The diff engine: (desired, live, last-applied state) → Plan.
 *
 *   desired & live & state   → update / no-op; drift when live ≠ state
 *   desired & live & !state  → update / no-op when it carries this state's ownership marks
 *                              (an apply stopped before recording it); else `adopt` if the
 *                              kind allows it, else an error (a role or alarm not s3repl's)
 *   a new identity (rename)  → replace, checked like a create when the new name exists
 *   desired & !live          → create (vanished when the state had it)
 *   !desired & state         → delete (forget when gone or never deleted, e.g. buckets)
 *   !desired & !state        → nothing: with no state, no deletions are planned
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import { UserError } from '../errors.js';
import { describeAwsError } from '../aws/errors.js';
import { kindOf } from '../resources/index.js';
import type { DesiredResource, Expectation, Json, LiveValue, PendingOperation, ResourceKind } from '../resources/types.js';
import { canonical, jsonEqual } from '../resources/util.js';
import type { StateDocument, StateResource } from '../state/types.js';
import { VERSION } from '../version.js';
import { desiredResources } from './desired.js';
import { diffAttrs, observable } from './diff.js';
import { iamChanges } from './iam.js';
import { readLive, type ReadItem } from './read.js';
import { PRIOR_SUFFIX } from './saved.js';
import { PLAN_FORMAT_VERSION, type ActionReason, type DriftItem, type Plan, type PlanSummary, type ResourceChange } from './types.js';

export interface PlanInput {
  config: Config;
  configPath: string;
  configSha256: string;
  aws: AwsClients;
  state: StateDocument | null;
  mode?: 'apply' | 'destroy';
  /** Lineage for a new state (default: a fresh UUID). */
  lineage?: string;
  /**
   * A bucket that must already exist but does not: an error (plan, apply), or
   * reported as a notice and planned as missing (drift, which must report it).
   */
  missingBuckets?: 'error' | 'report';
  /** Receives the live values read (so `--target` can fingerprint the subset it keeps). */
  onLive?: (live: ReadonlyMap<string, LiveValue>) => void;
}

const PRIOR = PRIOR_SUFFIX;

/**
 * Resources in other accounts are read and changed with the credentials
 * `accounts:` gives for them; those must belong to that account (a profile
 * for the wrong account would read and change the wrong buckets).
 */
async function checkOtherAccounts(aws: AwsClients, accountId: string, items: readonly ReadItem[]): Promise<void> {
  const others = [...new Set(items.map((i) => i.id.account).filter((a): a is string => a !== undefined && a !== accountId))].sort();
  for (const account of others) {
    if (!aws.reaches(account)) {
      throw new UserError(
        `s3repl manages resources in account ${account} (see the state), but accounts: gives no credentials for it`,
        `add accounts."${account}" with a profile or roleArn`,
      );
    }
    let actual: string;
    try {
      actual = await aws.in(account).accountId();
    } catch (e) {
      throw new UserError(
        `s3repl cannot reach account ${account} with the credentials accounts: gives for it: ${describeAwsError(e)}`,
        `check accounts."${account}": a roleArn must trust your credentials' account (and take the externalId given); a profile must exist`,
      );
    }
    if (actual !== account) {
      throw new UserError(`the credentials accounts."${account}" gives are for account ${actual}`, `fix accounts."${account}" (a profile or role of account ${account})`);
    }
  }
}

export async function makePlan(input: PlanInput): Promise<Plan> {
  const { config, aws, state } = input;
  const mode = input.mode ?? 'apply';
  const accountId = await aws.accountId();
  const lineage = state?.lineage ?? input.lineage ?? randomUUID();
  // The state's resources by address, looked up where they are (no copy: 70,000 at 10,000 sources).
  const recorded = state?.resources ?? {};
  const stateOf = (address: string): StateResource | undefined => (Object.hasOwn(recorded, address) ? recorded[address] : undefined);
  // Each resource holds the state's objects where they are equal, from the moment it is expanded.
  const expanded = desiredResources(config, { accountId, lineage, settle: (d) => sharedWithState(d, stateOf(d.address)) });
  const desired = mode === 'destroy' ? [] : expanded.resources;
  const desiredBy = new Map(desired.map((d) => [d.address, d]));

  // Read each desired resource by its id, and each state resource whose id differs or is not desired.
  const items: ReadItem[] = [...desired];
  for (const addr of Object.keys(recorded)) {
    const s = recorded[addr]!;
    const d = desiredBy.get(addr);
    if (!d) items.push(s);
    else if (JSON.stringify(canonical(d.id)) !== JSON.stringify(canonical(s.id))) items.push({ address: addr + PRIOR, kind: s.kind, id: s.id });
  }
  await checkOtherAccounts(aws, accountId, items);
  const whole = new Map<string, LiveValue>();
  // A live value equal to what the configuration or the state says is kept as that object.
  const known = (key: string) => (desiredBy.get(key) ?? stateOf(key))?.attributes;
  const live = await readLive(aws, accountId, items, whole, known);
  input.onLive?.(live);

  const notices = mode === 'destroy' ? [] : [...expanded.notices];
  // What the configuration alone cannot say, each kind completes from what was read.
  desired.forEach((d, i) => {
    const k = kindOf(d.kind);
    if (!k.settle) return;
    const settled = k.settle(d, {
      live: (address) => live.get(address),
      applied: (address) => stateOf(address)?.attributes,
      notice: (n) => notices.push(n),
    });
    desired[i] = { ...settled, attributes: k.normalize(settled.attributes) };
    desiredBy.set(d.address, desired[i]!);
  });
  // What kinds that share a document with other tools say about it (entries kept, conflicts).
  for (const it of items) {
    const k = kindOf(it.kind);
    if (!k.notices || it.address.endsWith(PRIOR)) continue;
    notices.push(...k.notices({ address: it.address, id: it.id, live: (whole.has(it.address) ? whole.get(it.address) : live.get(it.address)) ?? null, desired: desiredBy.get(it.address)?.attributes ?? null }));
  }
  if (mode === 'apply') {
    const unmet = expanded.expectations.filter((e) => live.get(e.address) === null);
    if (input.missingBuckets === 'report') {
      for (const e of unmet) notices.push({ level: 'warning', address: e.address, message: `${e.what} does not exist` });
    } else checkExpectations(unmet);
  }

  const changes: ResourceChange[] = [];
  const drift: DriftItem[] = [];
  const ownership: string[] = [];

  for (const d of desired) {
    const s = stateOf(d.address);
    const l = live.get(d.address) ?? null;
    const prior = live.get(d.address + PRIOR);
    // A recorded operation's values were never applied: nothing to call drift yet.
    if (s && !s.operation) drift.push(...driftOf(s, prior !== undefined ? prior : l));
    // The identifiers changed (a role's or an alarm's name). priorId is kept even when
    // the old one is gone, so that a saved plan re-reads exactly the same things.
    const priorId = prior !== undefined && s ? s.id : undefined;
    if (prior && s) {
      // The new identity is checked like a create: a resource already there under the
      // new name must be s3repl's own, or one the kind lets it take over.
      if (l) {
        const ok = kindOf(d.kind).adoptable?.(l, state?.lineage ?? lineage) ?? true;
        if (ok !== true) {
          ownership.push(`${d.address}: ${ok}`);
          continue;
        }
      }
      // Make the new one, then remove the old.
      changes.push(change(d, 'replace', prior, {
        priorId,
        actionReason: 'replace-because-id-changed',
        replacePaths: Object.keys(canonical({ ...s.id, ...d.id })).filter((k) => s.id[k] !== d.id[k]).map((k) => `id.${k}`),
        reasons: [`${kindOf(d.kind).describe(s.id)} becomes ${kindOf(d.kind).describe(d.id)}`, ...(kindOf(d.kind).explainIdChange?.(s.id, d.id, d.attributes, prior) ?? [])],
      }));
      continue;
    }
    if (!l) {
      changes.push(change(d, 'create', null, { priorId, reasons: s && !priorId ? ['it was deleted outside s3repl'] : [] }));
      continue;
    }
    const reasons: string[] = [];
    let adopt = false;
    if (!s) {
      const kind = kindOf(d.kind);
      const ok = kind.adoptable?.(l, state?.lineage ?? lineage) ?? true;
      if (ok !== true) {
        ownership.push(`${d.address}: ${ok}`);
        continue;
      }
      // Proven s3repl's by the marks it puts on what it creates (a run stopped before
      // recording it): recorded like any other. Otherwise it is adopted, and the plan says so.
      if (kind.ownedBy?.(l, state?.lineage ?? lineage)) reasons.push('created by s3repl for this state (its ownership marks say so); recorded now');
      else {
        adopt = true;
        reasons.push('it exists in AWS, is not in the state and carries no s3repl ownership marks for this state');
      }
    }
    const diffs = diffAttrs(observable(l, d.attributes), observable(d.attributes, l));
    const k = kindOf(d.kind);
    const why = new Map<string, string>();
    const forced = diffs
      .filter((c) => {
        const attr = topLevel(c.path);
        const r = replaceReason(k, attr, l[attr], d.attributes[attr]);
        if (r) why.set(attr, r);
        return r !== null;
      })
      .map((c) => c.path);
    // The kind's reasons, per attribute (kinds that only list their attributes give none).
    const because = [...why].map(([attr, r]) => `${attr}: ${r}`);
    if (forced.length) {
      if (adopt) {
        // Not s3repl's: never deleted to be made again.
        ownership.push(`${d.address}: ${k.describe(d.id)} exists and is not s3repl's, and ${forced.join(', ')} cannot be changed in place${because.length ? ` (${because.join('; ')})` : ''}; s3repl will not delete it to create it again: make the configuration match it, or delete it yourself`);
        continue;
      }
      if (k.neverDelete) {
        throw new UserError(
          `${k.describe(d.id)}: ${forced.join(', ')} cannot be changed once it exists${because.length ? ` (${because.join('; ')})` : ''}, and s3repl does not replace it (${k.neverDelete})`,
          `keep ${forced.length === 1 ? 'its value' : 'their values'} in the configuration, or use another resource`,
        );
      }
      // Delete it, then create it again under the same identifiers.
      reasons.push(`${forced.join(', ')} cannot be changed in place: it is deleted and created again`, ...because);
      changes.push(change(d, 'replace', l, { reasons, actionReason: 'replace-because-cannot-update', replacePaths: forced }));
      continue;
    }
    if (diffs.length) reasons.push(...(k.explain?.(l, d.attributes, d.id) ?? []));
    changes.push(change(d, adopt ? 'adopt' : diffs.length ? 'update' : 'no-op', l, { priorId, reasons }));
  }
  if (ownership.length) {
    throw new UserError(`s3repl will not take over resources it does not manage:\n  ${ownership.join('\n  ')}`);
  }
  replaceWithDependencies(changes, desiredBy);

  for (const addr of Object.keys(recorded)) {
    if (desiredBy.has(addr)) continue;
    const s = recorded[addr]!;
    const l = live.get(addr) ?? null;
    drift.push(...driftOf(s, l));
    const k = kindOf(s.kind);
    const base = { address: addr, kind: s.kind, id: s.id, after: null, dependsOn: [] };
    if (!l) changes.push({ ...base, action: 'forget', before: null, changes: [], reasons: ['already gone from AWS'] });

    else if (k.neverDelete) changes.push({ ...base, action: 'forget', before: l, changes: [], reasons: [k.neverDelete] });
    // What it depended on when last applied: apply deletes it before those of them it deletes too.
    else changes.push({ ...base, action: 'delete', before: l, changes: diffAttrs(l, null), reasons: [], dependsOn: s.dependsOn ?? [] });
  }

  // An operation a killed apply started and the state recorded: shown, and resumed by apply.
  for (const c of changes) {
    const op = stateOf(c.address)?.operation;
    // Gone, or already as it was to make: nothing left to resume (apply records it as it is).
    if (!op || c.action === 'forget' || c.action === 'no-op') continue;
    c.operation = op;
    c.reasons.unshift(operationReason(op));
  }

  // A state written before s3repl recorded dependsOn: a delete is taken to depend on every
  // resource of an earlier kind that the plan deletes (kind order, as before).
  const deleted = changes.filter((c) => c.action === 'delete');
  for (const c of deleted) {
    if (stateOf(c.address)?.dependsOn !== undefined) continue;
    c.dependsOn = deleted.filter((o) => kindOf(o.kind).phase < kindOf(c.kind).phase).map((o) => o.address).sort();
  }

  // In the order apply runs them: by phase (buckets … jobs), then by address.
  changes.sort((a, b) => kindOf(a.kind).phase - kindOf(b.kind).phase || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  drift.sort((a, b) => (a.address < b.address ? -1 : 1));
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    s3replVersion: VERSION,
    createdAt: new Date().toISOString(),
    mode,
    config: { path: input.configPath, sha256: input.configSha256 },
    account: accountId,
    state: { lineage: state?.lineage ?? lineage, serial: state?.serial ?? 0 },
    liveFingerprint: fingerprint(live),
    changes,
    drift,
    iam: iamChanges(changes),
    notices,
    summary: summarize(changes),
  };
}

/**
 * The desired resource, holding the state's objects where they are equal (its
 * attributes, identifiers, dependencies): at 10,000 sources an unchanged
 * resource would otherwise be held three times over (configuration, state, AWS).
 */
function sharedWithState(d: DesiredResource, s: StateResource | undefined): DesiredResource {
  if (!s) return d;
  const attributes = jsonEqual(d.attributes, s.attributes) ? s.attributes : d.attributes;
  const id = jsonEqual(d.id, s.id) ? s.id : d.id;
  const dependsOn = s.dependsOn && jsonEqual(d.dependsOn, s.dependsOn) ? s.dependsOn : d.dependsOn;
  return attributes === d.attributes && id === d.id && dependsOn === d.dependsOn ? d : { ...d, address: s.address, attributes, id, dependsOn };
}

function change(
  d: DesiredResource,
  action: ResourceChange['action'],
  before: LiveValue,
  extra: { reasons: string[]; priorId?: Record<string, string>; actionReason?: ActionReason; replacePaths?: string[] },
): ResourceChange {
  // A replaced resource under new identifiers is a different one: all of it changes.
  const whole = extra.actionReason === 'replace-because-id-changed';
  const shownBefore = before && !whole ? observable(before, d.attributes) : before;
  return {
    address: d.address,
    kind: d.kind,
    action,
    ...(extra.actionReason ? { actionReason: extra.actionReason } : {}),
    id: d.id,
    ...(extra.priorId ? { priorId: extra.priorId } : {}),
    before,
    after: d.attributes,
    changes: action === 'no-op' ? [] : diffAttrs(shownBefore, whole ? d.attributes : observable(d.attributes, before ?? d.attributes)),
    reasons: extra.reasons,
    ...(extra.replacePaths ? { replacePaths: extra.replacePaths } : {}),
    dependsOn: d.dependsOn,
  };
}

/**
 * A resource deleted along with a dependency (an inline policy with its role)
 * is replaced when that dependency is replaced in place, in dependency order.
 */
function replaceWithDependencies(changes: ResourceChange[], desiredBy: Map<string, DesiredResource>): void {
  const byAddress = new Map(changes.map((c, i) => [c.address, i]));
  const replacedInPlace = (c: ResourceChange) => c.action === 'replace' && c.priorId === undefined && c.before !== null;
  let changed = true;
  while (changed) {
    changed = false;
    changes.forEach((c, i) => {
      const d = desiredBy.get(c.address);
      if (!d || !kindOf(c.kind).goesWithDependency || (c.action !== 'no-op' && c.action !== 'update') || !c.before) return;
      const dep = d.dependsOn.find((a) => {
        const j = byAddress.get(a);
        return j !== undefined && replacedInPlace(changes[j]!);
      });
      if (!dep) return;
      changes[i] = {
        ...change(d, 'replace', c.before, {
          reasons: [`${dep} is replaced, and deleting it deletes this too: it is created again`],
          actionReason: 'replace-because-dependency-replaced',
          replacePaths: [dep],
        }),
      };
      changed = true;
    });
  }
}

/** What changed outside s3repl since the last apply: state (expected) vs live (actual). */
function driftOf(s: StateResource, l: LiveValue): DriftItem[] {
  if (!l) return [{ address: s.address, kind: s.kind, status: 'vanished', changes: [] }];
  const expected = kindOf(s.kind).normalize(s.attributes);
  const changes = diffAttrs(observable(expected, l), observable(l, expected));
  return changes.length ? [{ address: s.address, kind: s.kind, status: 'changed', changes }] : [];
}

/** Resources the configuration uses but does not create (buckets without `create: true`) must exist. */
function checkExpectations(unmet: Expectation[]): void {
  if (unmet.length === 0) return;
  throw new UserError(`not found: ${unmet.map((e) => e.what).join(', ')}`, [...new Set(unmet.map((e) => e.hint))].join('; '));
}

export function fingerprint(live: Map<string, LiveValue>): string {
  const h = createHash('sha256');
  for (const key of [...live.keys()].sort()) h.update(`${key}\n${JSON.stringify(canonical(live.get(key) ?? null))}\n`);
  return h.digest('hex');
}

/**
 * Whether a change to a top-level attribute needs a replace: null when it can be
 * made in place; otherwise the kind's reason ('' when the kind only lists it).
 */
function replaceReason(k: ResourceKind, attribute: string, before: Json | undefined, after: Json | undefined): string | null {
  const rr = k.requiresReplace;
  if (!rr) return null;
  if (isList(rr)) return rr.includes(attribute) ? '' : null;
  if (!Object.prototype.hasOwnProperty.call(rr, attribute)) return null;
  const rule = rr[attribute]!;
  return typeof rule === 'string' ? rule : rule(before, after);
}

const isList = (v: ResourceKind['requiresReplace']): v is readonly string[] => Array.isArray(v);

/** The top-level attribute of a change's path (`rules["a"].status` → `rules`). */
function topLevel(path: string): string {
  return /^[^.[]*/.exec(path)![0];
}

export function summarize(changes: ResourceChange[]): PlanSummary {
  const s: PlanSummary = { add: 0, change: 0, destroy: 0, forget: 0, adopt: 0, noop: 0 };
  for (const c of changes) {
    if (c.action === 'create') s.add++;
    else if (c.action === 'update') s.change++;
    else if (c.action === 'replace') {
      s.add++;
      s.destroy++;
    } else if (c.action === 'delete') s.destroy++;
    else if (c.action === 'forget') s.forget++;
    else if (c.action === 'adopt') s.adopt++;
    else s.noop++;
  }
  return s;
}

/** How a plan words an operation a killed apply started (the state records it; apply resumes it). */
function operationReason(op: PendingOperation): string {
  return `${op.type === 'create' ? 'creation' : 'deletion'} in progress (request ${op.request}), started by an earlier apply on ${op.startedAt}: apply resumes it`;
}
