/**
 * Saved plans (`plan --out`): the Plan as JSON. `apply PLANFILE` executes it
 * exactly, and refuses it when anything it was planned against has moved on:
 * the configuration file, the state (lineage and serial), or the live values.
 */
import { promises as fs } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileSafely } from '../files.js';
import type { StateDocument } from '../state/types.js';
import { PLAN_FORMAT_VERSION, type Plan } from './types.js';
import type { ReadItem } from './read.js';
import type { LiveValue } from '../resources/types.js';
import { canonical } from '../resources/util.js';
import { diffAttrs } from './diff.js';

export const PRIOR_SUFFIX = '\u0000prior';

/** Writes a saved plan; see src/files.ts for directories, missing parents and symbolic links. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  await writeFileSafely(path, `${JSON.stringify(plan, null, 2)}\n`, 'the plan');
}

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read plan file ${path}: ${(e as Error).message}`);
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch (e) {
    throw new UserError(`plan file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.changes) || typeof plan.liveFingerprint !== 'string') {
    throw new UserError(`${path} is not an s3repl plan file`);
  }
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new UserError(`plan file ${path} has formatVersion ${String(plan.formatVersion)}; this s3repl reads ${PLAN_FORMAT_VERSION}`, 'make the plan again with this version of s3repl');
  }
  return plan;
}

/** The reads that reproduce a plan's live fingerprint. */
export function readsOf(plan: Plan): ReadItem[] {
  const items: ReadItem[] = [];
  for (const c of plan.changes) {
    items.push(c);
    if (c.priorId) items.push({ address: c.address + PRIOR_SUFFIX, kind: c.kind, id: c.priorId });
  }
  return items;
}

/** Why a saved plan can no longer be applied; empty when it still can. */
export function staleReasons(
  plan: Plan,
  now: { configSha256: string; state: StateDocument | null; liveFingerprint: string; account: string; live?: Map<string, LiveValue> },
): string[] {
  const reasons: string[] = [];
  if (now.account !== plan.account) reasons.push(`it was made for account ${plan.account}, these credentials are for ${now.account}`);
  if (now.configSha256 !== plan.config.sha256) reasons.push(`the configuration ${plan.config.path} changed since the plan was made`);
  const lineage = now.state?.lineage ?? null;
  const serial = now.state?.serial ?? 0;
  if (now.state && plan.state.lineage !== lineage) reasons.push(`the state is a different one (lineage ${lineage}, the plan has ${plan.state.lineage})`);
  else if (serial !== plan.state.serial) reasons.push(`the state moved on (serial ${serial}, the plan was made at ${plan.state.serial})`);
  if (now.liveFingerprint !== plan.liveFingerprint) {
    const moved = now.live ? movedSince(plan, now.live) : [];
    reasons.push(
      moved.length
        ? `resources in AWS changed since the plan was made:\n      ${moved.slice(0, 10).join('\n      ')}${moved.length > 10 ? `\n      ... and ${moved.length - 10} more` : ''}`
        : 'resources in AWS changed since the plan was made',
    );
  }
  return reasons;
}

/**
 * What moved in AWS since the plan was made: each change's `before` is the live
 * value the plan read (for a replace, the resource being replaced), compared
 * with what is there now.
 */
export function movedSince(plan: Plan, live: Map<string, LiveValue>): string[] {
  const out: string[] = [];
  for (const c of plan.changes) {
    const key = c.action === 'replace' && c.priorId ? c.address + PRIOR_SUFFIX : c.address;
    if (!live.has(key)) continue;
    const then = c.before ?? null;
    const now = live.get(key) ?? null;
    if (JSON.stringify(canonical(then)) === JSON.stringify(canonical(now))) continue;
    if (then === null) out.push(`${c.address}: created outside this plan`);
    else if (now === null) out.push(`${c.address}: deleted`);
    else {
      const paths = diffAttrs(then, now).map((d) => d.path || '(whole value)');
      out.push(`${c.address}: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''} changed`);
    }
  }
  return out;
}
