/**
 * Executes a plan as a dependency graph (schedule.ts): a create or update
 * starts as soon as the resources it depends on (its dependsOn) are done, so
 * each bucket's chain proceeds at its own pace instead of waiting for the
 * slowest bucket of every kind; deletions follow, in reverse dependency order,
 * once everything else has succeeded. A failed step stops only what depends on it.
 *
 * Every finished step is recorded in state before it counts as done (a
 * journal append for local state; see state/session.ts), outside its
 * concurrency slot, so AWS calls go on while state is written. A killed apply
 * resumes where it stopped; every step is idempotent (a create that finds its
 * own resource takes it over), so resuming never duplicates anything.
 */
import type { AwsClients } from '../aws/clients.js';
import { describeAwsError } from '../aws/errors.js';
import { kindOf } from '../resources/index.js';
import type { ApplyContext, Attrs, DesiredResource, PendingOperation, ResourceId } from '../resources/types.js';
import type { StateResource } from '../state/types.js';
import { sameResource } from '../state/document.js';
import type { StateSession } from '../state/session.js';
import type { Plan, ResourceChange } from './types.js';
import { RetryAbandoned, withRetry, type RetryPolicy } from './retry.js';
import { runGraph, type GraphStep } from './schedule.js';
import { NotOwned } from '../resources/ownership.js';
import { UserError } from '../errors.js';

export type StepVerb = 'create' | 'update' | 'adopt' | 'delete' | 'record' | 'forget';

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
  /**
   * Cancellation (Ctrl-C): once aborted no step starts, a step waiting to retry
   * gives up, and steps in flight finish and are recorded.
   */
  signal?: AbortSignal;
}

export interface ApplyResult {
  added: number;
  changed: number;
  destroyed: number;
  forgotten: number;
  /** Resources found in AWS and recorded (action adopt). */
  adopted: number;
  /** Deletions not made because what is there is not proven s3repl's (left in AWS, forgotten). */
  left: Array<{ address: string; message: string }>;
  errors: Array<{ address: string; message: string }>;
  /** Set when the signal aborted the apply. */
  interrupted?: {
    /** Steps that never started. */
    notStarted: string[];
    /** Steps stopped while waiting to retry (their last error). */
    stopped: Array<{ address: string; message: string }>;
  };
}

interface Step {
  address: string;
  verb: StepVerb;
  phase: number;
  /** Addresses whose steps must finish first; for a deletion, what it depended on (its deletion waits for this one). */
  deps: readonly string[];
  run: () => Promise<void>;
}

export async function applyPlan(opts: ApplyOptions): Promise<ApplyResult> {
  const { plan, session } = opts;
  const emit = opts.onEvent ?? (() => undefined);
  const accountId = plan.account;
  const base = { aws: opts.aws, accountId, lineage: session.lineage, tags: opts.tags };
  // Each step's context reports its messages as `log` events of that step, and hands the
  // kind the asynchronous operation the state records for the resource (a killed apply's).
  const ctxFor = (c: ResourceChange, verb: StepVerb): ApplyContext => {
    const address = c.address;
    const operation = session.get(address)?.operation;
    return {
      ...base,
      log: (message) => emit({ type: 'log', address, verb, message }),
      ...(operation ? { operation } : {}),
      recordOperation: (op) => recordOperation(c, op),
    };
  };
  const result: ApplyResult = { added: 0, changed: 0, destroyed: 0, forgotten: 0, adopted: 0, left: [], errors: [] };

  /** Runs a kind's delete; false when it left the resource because it is not proven s3repl's (see NotOwned). */
  const deleteIfOwned = async (address: string, del: () => Promise<void>): Promise<boolean> => {
    try {
      await del();
      return true;
    } catch (e) {
      if (!(e instanceof NotOwned)) throw e;
      result.left.push({ address, message: e.message });
      emit({ type: 'log', address, verb: 'delete', message: e.message });
      return false;
    }
  };

  // The lineage must be durable before anything in AWS is tagged with it.
  await session.initialize();

  const record = (c: ResourceChange, assigned?: Attrs | void) =>
    session.put({
      address: c.address,
      kind: c.kind,
      id: c.id,
      attributes: { ...(c.after as Attrs), ...(assigned ?? {}) },
      // What it depends on, so that a later delete of both deletes it first.
      dependsOn: c.dependsOn,
      appliedAt: new Date().toISOString(),
    });

  /**
   * An asynchronous operation AWS accepted (or saw end) for a resource, made durable
   * before the kind waits for it. With no record yet, the resource is recorded as the
   * change makes it, with the operation; a record already there (the generation being
   * replaced, or one being deleted) keeps its identifiers and values. A finished step
   * then records the resource without it.
   */
  const recordOperation = async (c: ResourceChange, op: PendingOperation | null) => {
    const prior = session.get(c.address);
    if (op === null) {
      if (!prior?.operation) return;
      const { operation: _done, ...rest } = prior;
      session.put(rest);
    } else {
      const base: StateResource = prior ?? {
        address: c.address,
        kind: c.kind,
        id: c.id,
        attributes: (c.after ?? {}) as Attrs,
        dependsOn: c.dependsOn,
        appliedAt: new Date().toISOString(),
      };
      session.put({ ...base, operation: op });
    }
    await session.persist();
  };

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
        // A recorded operation (a killed apply's) that has since done its work is over.
        const recorded = session.get(c.address);
        const prior = recorded && recorded.operation ? (({ operation: _done, ...rest }) => rest)(recorded) : recorded;
        const after = c.after ?? {};
        const attributes = prior ? { ...Object.fromEntries(Object.entries(prior.attributes).filter(([k]) => !(k in after))), ...after } : after;
        if (!recorded || !prior || !sameResource(recorded, { ...prior, id: c.id, attributes, dependsOn: c.dependsOn })) {
          forward.push({ address: c.address, verb: 'record', phase: -1, deps: [], run: async () => record(c, attributes) });
        }
        break;
      }
      case 'forget':
        forward.push({
          address: c.address,
          verb: 'forget',
          phase: -1,
          deps: [],
          run: async () => {
            if (session.remove(c.address)) result.forgotten++;
          },
        });
        break;
      case 'create':
      case 'replace': {
        let replacedInPlace = false;
        forward.push({
          address: c.address,
          verb: 'create',
          phase: kind.phase,
          deps: c.dependsOn,
          run: async () => {
            // Replaced under the same identifiers (an attribute AWS cannot change in place): the old one goes first.
            if (c.action === 'replace' && !c.priorId && c.before && !replacedInPlace) {
              await kind.delete(ctxFor(c, 'delete'), c.address, c.id, c.before);
              replacedInPlace = true;
              result.destroyed++;
            }
            record(c, await kind.create(ctxFor(c, 'create'), desired));
            result.added++;
          },
        });
        if (c.action === 'replace' && c.priorId) {
          const priorId: ResourceId = c.priorId;
          backward.push({
            address: c.address,
            verb: 'delete',
            phase: kind.phase,
            deps: c.dependsOn,
            run: async () => {
              if (await deleteIfOwned(c.address, () => kind.delete(ctxFor(c, 'delete'), c.address, priorId, c.before ?? {}))) result.destroyed++;
            },
          });
        }
        break;
      }
      case 'adopt':
        // Found in AWS, not proven s3repl's: recorded, and brought to the configuration when it differs.
        forward.push({
          address: c.address,
          verb: 'adopt',
          phase: kind.phase,
          deps: c.dependsOn,
          run: async () => {
            if (c.changes.length > 0) await kind.update(ctxFor(c, 'adopt'), desired, c.before ?? {});
            record(c);
            result.adopted++;
          },
        });
        break;
      case 'update':
        forward.push({
          address: c.address,
          verb: 'update',
          phase: kind.phase,
          deps: c.dependsOn,
          run: async () => {
            await kind.update(ctxFor(c, 'update'), desired, c.before ?? {});
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
          deps: c.dependsOn,
          run: async () => {
            // Deleted, or left in AWS because it is not proven s3repl's: either way no longer managed.
            if (await deleteIfOwned(c.address, () => kind.delete(ctxFor(c, 'delete'), c.address, c.id, c.before ?? {}))) result.destroyed++;
            session.remove(c.address);
          },
        });
        break;
    }
  }

  const signal = opts.signal;
  const notStarted: string[] = [];
  const stopped: Array<{ address: string; message: string }> = [];
  // A step holds its slot for its AWS calls only; its state write comes after.
  const toGraph = (s: Step): GraphStep => {
    let started = 0;
    let ran = false;
    const silent = s.verb === 'record' || s.verb === 'forget';
    return {
      key: s.address,
      deps: s.deps,
      run: async () => {
        // Interrupted: start nothing new.
        if (signal?.aborted) return void notStarted.push(s.address);
        ran = true;
        started = Date.now();
        if (!silent) emit({ type: 'start', address: s.address, verb: s.verb });
        try {
          await withRetry(s.run, {
            policy: opts.retry,
            signal,
            onRetry: (reason, attempt, waitMs) =>
              emit({ type: 'retry', address: s.address, verb: s.verb, message: `${reason}; retrying in ${(waitMs / 1000).toFixed(1)}s (attempt ${attempt + 1})` }),
          });
        } catch (e) {
          if (e instanceof RetryAbandoned) {
            const message = describeAwsError(e.last);
            stopped.push({ address: s.address, message });
            emit({ type: 'error', address: s.address, verb: s.verb, elapsedMs: Date.now() - started, message: `stopped (interrupted) after: ${message}` });
          } else fail(s, e, started);
          throw e;
        }
      },
      settle: async () => {
        if (!ran) return;
        try {
          await session.persist();
        } catch (e) {
          fail(s, e, started);
          throw e;
        }
        if (!silent) emit({ type: 'done', address: s.address, verb: s.verb, elapsedMs: Date.now() - started });
      },
    };
  };
  const fail = (s: Step, e: unknown, started: number) => {
    // A refusal s3repl makes itself reads as what it says and what to do, not as an AWS error code.
    const message = e instanceof UserError ? (e.hint ? `${e.message}; ${e.hint}` : e.message) : describeAwsError(e);
    result.errors.push({ address: s.address, message });
    emit({ type: 'error', address: s.address, verb: s.verb, elapsedMs: Date.now() - started, message });
  };
  // Calls are bounded by the clients' own limit (--parallelism); twice as many steps
  // in flight keep it busy while steps are between calls.
  const concurrency = 2 * Math.max(1, opts.parallelism);

  const graph = async (steps: Step[]) => {
    const r = await runGraph(steps.map(toGraph), concurrency);
    // Interrupted: the dependents of a step stopped while waiting to retry never started either.
    if (signal?.aborted) notStarted.push(...r.skipped);
  };
  await graph(forward);
  // Deletions last, and only when everything else succeeded: a replaced resource's old
  // version goes once nothing refers to it. In reverse dependency order: a deletion waits
  // for the deletions of what depended on it (their dependsOn, from the state), so a
  // replication configuration is removed before the role it uses, and a failed deletion
  // keeps what it depends on.
  if (!result.errors.length) {
    const dependents = new Map<string, string[]>();
    for (const s of backward) {
      for (const d of s.deps) {
        const list = dependents.get(d) ?? [];
        list.push(s.address);
        dependents.set(d, list);
      }
    }
    const reversed = backward.map((s) => ({ ...s, deps: dependents.get(s.address) ?? [] }));
    if (signal?.aborted) notStarted.push(...reversed.map((s) => s.address));
    else await graph(reversed);
  }
  await session.persist();
  if (signal?.aborted) result.interrupted = { notStarted, stopped };
  return result;
}
