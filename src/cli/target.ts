/**
 * `--target ADDRESS` (plan and apply), as Terraform's `-target`: the plan is
 * narrowed to the targeted resources and what they depend on. For exceptional
 * situations (recovering from an error), never routine use; the same warning
 * as Terraform's is printed.
 */
import { iamChanges } from '../engine/iam.js';
import { fingerprint, summarize } from '../engine/plan.js';
import { PRIOR_SUFFIX } from '../engine/saved.js';
import type { Plan, ResourceChange } from '../engine/types.js';
import type { LiveValue } from '../resources/types.js';
import { UserError } from '../errors.js';
import { closest } from '../config/suggest.js';

export const TARGET_WARNING = [
  'Warning: Resource targeting is in effect',
  '',
  'You are creating a plan with the --target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.',
  '',
  'The --target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes.',
].join('\n');

export const TARGET_APPLY_WARNING = [
  'Warning: Applied changes may be incomplete',
  '',
  'The plan was created with the --target option in effect, so some changes requested in the configuration may have been ignored. ' +
    'Run `s3repl plan` to verify that no other changes are pending.',
].join('\n');

/** Whether `address` is `target` or inside it (`alarm.acme-orders` targets `alarm.acme-orders.to-dr.latency`). */
export function matchesTarget(address: string, target: string): boolean {
  return address === target || address.startsWith(`${target}.`);
}

/**
 * The addresses a set of targets selects in `changes`: the matching ones and,
 * transitively, those they depend on. An address that matches nothing is an
 * error naming the closest one.
 */
export function selectTargets(changes: readonly ResourceChange[], targets: readonly string[]): Set<string> {
  const by = new Map(changes.map((c) => [c.address, c]));
  const selected = new Set<string>();
  const queue: string[] = [];
  for (const t of targets) {
    const hits = changes.filter((c) => matchesTarget(c.address, t)).map((c) => c.address);
    if (hits.length === 0) {
      const near = closest(t, by.keys());
      throw new UserError(`--target ${t} matches no resource of this plan${near ? ` (did you mean ${near}?)` : ''}`, 'see the addresses with `s3repl plan` or `s3repl state list`');
    }
    queue.push(...hits);
  }
  while (queue.length > 0) {
    const a = queue.pop()!;
    if (selected.has(a)) continue;
    selected.add(a);
    for (const d of by.get(a)?.dependsOn ?? []) if (by.has(d)) queue.push(d);
  }
  return selected;
}

/**
 * The plan narrowed to `targets` and their dependencies: its changes, drift,
 * IAM statements and notices about the kept resources, its summary, and the
 * fingerprint of just the live values those resources were planned from (so
 * `apply PLANFILE` re-reads and checks exactly them).
 */
export function targetPlan(plan: Plan, targets: readonly string[], live: ReadonlyMap<string, LiveValue>): Plan {
  const keep = selectTargets(plan.changes, targets);
  const changes = plan.changes.filter((c) => keep.has(c.address));
  const keys = new Set(changes.flatMap((c) => (c.priorId ? [c.address, c.address + PRIOR_SUFFIX] : [c.address])));
  const kept = new Map([...live].filter(([k]) => keys.has(k)));
  return {
    ...plan,
    changes,
    drift: plan.drift.filter((d) => keep.has(d.address)),
    iam: iamChanges(changes),
    notices: plan.notices.filter((n) => !n.address || keep.has(n.address)),
    summary: summarize(changes),
    liveFingerprint: fingerprint(kept),
    targets: [...targets],
  };
}
