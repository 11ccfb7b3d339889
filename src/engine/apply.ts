/**
 * Executes a plan: creates and updates in phase order (buckets, versioning, IAM
 * role, role policy, replication, alarms, jobs), then deletions in reverse.
 * Steps of one phase run concurrently within --parallelism. Every finished step
 * is recorded in state at once (group commit), so a killed apply resumes where
 * it stopped; every step is idempotent (a create that finds its own resource
 * takes it over), so resuming never duplicates anything.
 */
import pLimit from 'p-limit';
import type { AwsClients } from '../aws/clients.js';
import { describeAwsError } from '../aws/errors.js';
import { kindOf } from '../resources/index.js';
import type { ApplyContext, Attrs, DesiredResource, ResourceId } from '../resources/types.js';
import { sameResource } from '../state/document.js';
import type { StateSession } from '../state/session.js';
import type { Plan, ResourceChange } from './types.js';
import { withRetry, type RetryPolicy } from './retry.js';

export type StepVerb = 'create' | 'update' | 'delete' | 'record' | 'forget';

export interface StepEvent {
  /** `log`: a step reports progress (e.g. the id of a Batch Replication job it started). */
  type: 'start' | 'done' | 'retry' | 'error' | 'log';
  address: string;
  verb: StepVerb;
  elapsedMs?: number;
  message?: string;
}

export interface ApplyOptions {
  plan: Plan;
  aws: AwsClients;
  session: StateSession;
  /** Tags for what s3repl creates (defaults.tags). */
  tags: Record<string, string>;
  parallelism: number;
  retry?: RetryPolicy;
  onEvent?: (e: StepEvent) => void;
}

export interface ApplyResult {
  added: number;
  changed: number;
  destroyed: number;
  forgotten: number;
  errors: Array<{ address: string; message: string }>;
}

interface Step {
  address: string;
  verb: StepVerb;
  phase: number;
  run: () => Promise<void>;
}

export async function applyPlan(opts: ApplyOptions): Promise<ApplyResult> {
  const { plan, session } = opts;
  const emit = opts.onEvent ?? (() => undefined);
  const accountId = plan.account;
  const base: Omit<ApplyContext, 'log'> = { aws: opts.aws, accountId, lineage: session.lineage, tags: opts.tags };
  // Each step's context reports its messages as `log` events of that step.
  const ctxFor = (address: string, verb: StepVerb): ApplyContext => ({
    ...base,
    log: (message) => emit({ type: 'log', address, verb, message }),
  });
  const result: ApplyResult = { added: 0, changed: 0, destroyed: 0, forgotten: 0, errors: [] };

  // The lineage must be durable before anything in AWS is tagged with it.
  await session.initialize();

  const record = (c: ResourceChange, assigned?: Attrs | void) =>
    session.put({
      address: c.address,
      kind: c.kind,
      id: c.id,
      attributes: { ...(c.after as Attrs), ...(assigned ?? {}) },
      appliedAt: new Date().toISOString(),
    });

  const forward: Step[] = [];
  const backward: Step[] = [];
  for (const c of plan.changes) {
    const kind = kindOf(c.kind);
    const desired: DesiredResource = { address: c.address, kind: c.kind, id: c.id, attributes: c.after ?? {}, dependsOn: c.dependsOn };
    switch (c.action) {
      case 'no-op': {
        // Adopted (matching, not yet recorded) resources are written to state, and so is a
        // resource whose record is out of date: changed outside s3repl, then the configuration
        // changed to match. Otherwise drift would report that change after every apply.
        // Attributes AWS assigned (a job's id) are kept.
        const prior = session.get(c.address);
        const after = c.after ?? {};
        const attributes = prior ? { ...Object.fromEntries(Object.entries(prior.attributes).filter(([k]) => !(k in after))), ...after } : after;
        if (!prior || !sameResource(prior, { ...prior, id: c.id, attributes })) {
          forward.push({ address: c.address, verb: 'record', phase: -1, run: async () => record(c, attributes) });
        }
        break;
      }
      case 'forget':
        forward.push({
          address: c.address,
          verb: 'forget',
          phase: -1,
          run: async () => {
            if (session.remove(c.address)) result.forgotten++;
          },
        });
        break;
      case 'create':
      case 'replace':
        forward.push({
          address: c.address,
          verb: 'create',
          phase: kind.phase,
          run: async () => {
            record(c, await kind.create(ctxFor(c.address, 'create'), desired));
            result.added++;
          },
        });
        if (c.action === 'replace' && c.priorId) {
          const priorId: ResourceId = c.priorId;
          backward.push({
            address: c.address,
            verb: 'delete',
            phase: kind.phase,
            run: async () => {
              await kind.delete(ctxFor(c.address, 'delete'), c.address, priorId, c.before ?? {});
              result.destroyed++;
            },
          });
        }
        break;
      case 'update':
        forward.push({
          address: c.address,
          verb: 'update',
          phase: kind.phase,
          run: async () => {
            await kind.update(ctxFor(c.address, 'update'), desired, c.before ?? {});
            record(c);
            result.changed++;
          },
        });
        break;
      case 'delete':
        backward.push({
          address: c.address,
          verb: 'delete',
          phase: kind.phase,
          run: async () => {
            await kind.delete(ctxFor(c.address, 'delete'), c.address, c.id, c.before ?? {});
            session.remove(c.address);
            result.destroyed++;
          },
        });
        break;
    }
  }

  const limit = pLimit(Math.max(1, opts.parallelism));
  const runStep = async (s: Step) => {
    const started = Date.now();
    const silent = s.verb === 'record' || s.verb === 'forget';
    if (!silent) emit({ type: 'start', address: s.address, verb: s.verb });
    try {
      await withRetry(s.run, {
        policy: opts.retry,
        onRetry: (reason, attempt, waitMs) =>
          emit({ type: 'retry', address: s.address, verb: s.verb, message: `${reason}; retrying in ${(waitMs / 1000).toFixed(1)}s (attempt ${attempt + 1})` }),
      });
      await session.persist();
      if (!silent) emit({ type: 'done', address: s.address, verb: s.verb, elapsedMs: Date.now() - started });
    } catch (e) {
      const message = describeAwsError(e);
      result.errors.push({ address: s.address, message });
      emit({ type: 'error', address: s.address, verb: s.verb, elapsedMs: Date.now() - started, message });
    }
  };

  // Phases in order; a failed phase stops the later ones (they may depend on it).
  const phases = (steps: Step[], dir: 1 | -1) =>
    [...new Set(steps.map((s) => s.phase))].sort((a, b) => dir * (a - b)).map((p) => steps.filter((s) => s.phase === p));
  for (const group of [...phases(forward, 1), ...phases(backward, -1)]) {
    await Promise.all(group.map((s) => limit(() => runStep(s))));
    if (result.errors.length) break;
  }
  await session.persist();
  return result;
}
