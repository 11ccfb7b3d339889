/**
 * `s3repl apply [PLANFILE]` and `s3repl destroy`: plan (or load a saved plan),
 * confirm, execute under the state lock, writing state after every step.
 */
import type { Argv } from 'yargs';
import ora from 'ora';
import { applyPlan, type ApplyResult, type StepEvent } from '../../engine/apply.js';
import { describeForeignState, foreignState } from '../../engine/foreign.js';
import { fingerprint } from '../../engine/plan.js';
import { readLive } from '../../engine/read.js';
import { readPlanFile, readsOf, staleReasons } from '../../engine/saved.js';
import { hasChanges, type Plan } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import type { StateDocument } from '../../state/types.js';
import type { GlobalArgs } from '../common.js';
import type { Output } from '../output.js';
import { confirm } from '../prompt.js';
import { newStateLineage, openWorkspace, type Workspace } from '../workspace.js';
import { DEFAULT_GRACE_MS, interruptible } from '../interrupt.js';
import { openLockedSession } from '../locking.js';
import { lockTimeoutOption, parseDuration } from '../duration.js';
import { debugCalls, planWorkspace, renderPlan, targetOption } from './plan.js';
import { TARGET_APPLY_WARNING } from '../target.js';
import type { CommandModule } from './types.js';

interface ApplyArgs extends GlobalArgs {
  planfile?: string;
  'auto-approve': boolean;
  'allow-foreign-state': boolean;
  'lock-timeout': string;
  format: 'text' | 'json';
  target?: string[];
}

/** Version of the `apply --format json` event stream (docs/apply-events.md). */
export const APPLY_EVENTS_VERSION = 1;

/** One `apply --format json` event: a line of JSON on stdout. */
function emit(o: Output, event: Record<string, unknown>): void {
  o.out(JSON.stringify({ type: event.type, time: new Date().toISOString(), ...event }));
}

const VERBS: Record<StepEvent['verb'], [string, string]> = {
  create: ['Creating...', 'Creation complete'],
  update: ['Modifying...', 'Modifications complete'],
  adopt: ['Adopting...', 'Adopted'],
  delete: ['Destroying...', 'Destruction complete'],
  record: ['Recording...', 'Recorded'],
  forget: ['Forgetting...', 'Forgotten'],
};

/**
 * Progress on stderr: one line per step with its elapsed time, and on a
 * terminal a spinner naming the steps in flight (cleared around every line).
 */
export function progressPrinter(o: Output): { onEvent: (e: StepEvent) => void; stop: () => void } {
  // A terminal that reports no width (some pseudo-terminals) would make the spinner's
  // line arithmetic divide by zero and clear lines forever: plain lines there.
  const tty = Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0 && process.env.TERM !== 'dumb' && !process.env.CI;
  const spinner = tty ? ora({ stream: process.stderr, discardStdin: false, color: o.color ? 'cyan' : false }) : undefined;
  const inFlight = new Set<string>();
  const line = (text: string) => {
    if (spinner?.isSpinning) {
      spinner.clear();
      o.err(text);
      spinner.render();
    } else o.err(text);
  };
  const refresh = () => {
    if (!spinner) return;
    if (inFlight.size === 0) return void spinner.stop();
    const names = [...inFlight];
    spinner.text = `${names.length} in progress: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
    if (!spinner.isSpinning) spinner.start();
  };
  const onEvent = (e: StepEvent) => {
    const [doing, done] = VERBS[e.verb];
    const secs = e.elapsedMs !== undefined ? `${(e.elapsedMs / 1000).toFixed(1)}s` : '';
    const who = o.c.bold(e.address);
    if (e.type === 'start') {
      inFlight.add(e.address);
      line(`${who}: ${doing}`);
    } else if (e.type === 'done') {
      inFlight.delete(e.address);
      line(`${who}: ${done} after ${secs}`);
    } else if (e.type === 'retry') line(`${who}: ${o.c.yellow(e.message ?? 'retrying')}`);
    else if (e.type === 'log') line(`${who}: ${e.message ?? ''}`);
    else {
      inFlight.delete(e.address);
      line(`${who}: ${o.c.red('failed')} after ${secs}: ${e.message}`);
    }
    refresh();
  };
  return { onEvent, stop: () => spinner?.stop() };
}

async function execute(ws: Workspace, argv: ApplyArgs, mode: 'apply' | 'destroy'): Promise<number> {
  const { o } = ws;
  const Mode = mode === 'destroy' ? 'Destroy' : 'Apply';
  const scope = interruptible({
    firstMessage: `starting no new steps; the steps in flight finish (at most ${DEFAULT_GRACE_MS / 1000}s), then state is written and the lock released.`,
  });
  const json = argv.format === 'json';
  try {
    const session = await openLockedSession(ws.backend, o, {
      operation: mode,
      timeoutMs: parseDuration(argv['lock-timeout'], '--lock-timeout'),
      scope,
    });
    try {
      const state = session.exists ? session.doc : null;
      let plan: Plan;
      if (argv.planfile) {
        plan = await readPlanFile(argv.planfile);
        await refuseIfStale(ws, plan, state);
        // A plan made before any state existed fixed the lineage its resources are tagged with.
        if (!state && plan.state.lineage) session.doc.lineage = plan.state.lineage;
        refuseForeignState(ws, plan, state, argv);
        o.err(`Applying the saved plan ${argv.planfile} (${plan.summary.add} to add, ${plan.summary.change} to change, ${plan.summary.destroy} to destroy).`);
      } else {
        if (!state) session.doc.lineage = await newStateLineage(ws);
        plan = await planWorkspace(ws, mode, { state, lineage: session.lineage }, argv.target ?? []);
        if (!json) o.out(renderPlan(plan, 'text', o));
        refuseForeignState(ws, plan, state, argv);
        if (hasChanges(plan) && !argv['auto-approve'] && !scope.received) {
          if (!o.interactive) {
            throw new UserError(
              `refusing to ${mode} without --auto-approve: there is no terminal to confirm on`,
              mode === 'destroy'
                ? 'review `s3repl plan --destroy --out destroy.json`, then run `s3repl apply destroy.json`, or pass --auto-approve'
                : 'review `s3repl plan --out plan.json`, then run `s3repl apply plan.json`, or pass --auto-approve',
            );
          }
          const what = mode === 'destroy' ? 'destroy everything s3repl manages (buckets stay)' : 'perform these actions';
          if (!(await confirm(`\nDo you want to ${what}?\n  Only 'yes' will be accepted: `, scope.signal)) && !scope.received) {
            o.err(`${Mode} cancelled.`);
            return 1;
          }
        }
      }
      if (scope.exitCode !== undefined) {
        await session.close();
        o.err(o.c.yellow(`\n${Mode} interrupted before it started: nothing was changed; the state lock is released.`));
        return scope.exitCode;
      }
      if (json) {
        emit(o, {
          type: 'plan',
          formatVersion: APPLY_EVENTS_VERSION,
          mode,
          planfile: argv.planfile ?? null,
          summary: plan.summary,
          iamBroadened: plan.iam.broadened,
          ...(plan.targets ? { targets: plan.targets } : {}),
        });
      }
      const progress = json ? { onEvent: (e: StepEvent) => emit(o, { ...e }), stop: () => undefined } : progressPrinter(o);
      const finished: string[] = [];
      const result = await applyPlan({
        plan,
        aws: ws.aws,
        session,
        tags: ws.config.defaults.tags,
        parallelism: argv.parallelism,
        signal: scope.signal,
        onEvent: (e) => {
          if (e.type === 'done') finished.push(e.address);
          progress.onEvent(e);
        },
      }).finally(progress.stop);
      debugCalls(ws);
      if (json) {
        const { added, changed, destroyed, forgotten, errors } = result;
        emit(o, { type: 'result', ok: errors.length === 0 && !result.interrupted, added, changed, destroyed, forgotten, errors });
      }
      if (plan.targets) o.err(`\n${o.c.yellow(TARGET_APPLY_WARNING)}`);
      if (result.interrupted && scope.exitCode !== undefined) {
        await session.close();
        reportInterrupted(o, Mode, finished, result, session.backend.describe());
        return scope.exitCode;
      }
      if (result.errors.length) {
        o.err(o.c.red(`\n${Mode} failed: ${result.errors.length} step(s) did not complete.`));
        for (const e of result.errors) o.err(`  ${e.address}: ${e.message}`);
        o.err('What completed is recorded in state; run the command again to finish.');
        return 1;
      }
      const forgotten = result.forgotten ? `, ${result.forgotten} forgotten` : '';
      const adopted = result.adopted ? `, ${result.adopted} adopted` : '';
      const left = result.left.length ? `, ${result.left.length} left in AWS` : '';
      o.err(
        o.c.green(
          `\n${Mode} complete! Resources: ${result.added} added, ${result.changed} changed, ${result.destroyed} destroyed${forgotten}${adopted}${left}.`,
        ),
      );
      if (result.left.length) {
        o.err(o.c.yellow('Not deleted, because they are not proven to be s3repl\'s (they are no longer managed):'));
        for (const l of result.left) o.err(`  ${l.address}: ${l.message}`);
      }
      return 0;
    } finally {
      await session.close();
    }
  } finally {
    scope.close();
    ws.aws.destroy();
  }
}

/** What an interrupted apply did and did not do, after state is written and the lock released. */
function reportInterrupted(o: Output, Mode: string, finished: string[], result: ApplyResult, where: string): void {
  const i = result.interrupted!;
  const failed = result.errors.length;
  o.err(
    o.c.yellow(
      `\n${Mode} interrupted: ${finished.length} step(s) finished, ${i.stopped.length + failed} stopped or failed, ${i.notStarted.length} not started.`,
    ),
  );
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    o.err(`  ${title}: ${items.slice(0, 20).join(', ')}${items.length > 20 ? `, ... (${items.length - 20} more)` : ''}`);
  };
  list('Finished', finished);
  list('Stopped', [...i.stopped, ...result.errors].map((e) => `${e.address} (${e.message})`));
  list('Not started', [...new Set(i.notStarted)]);
  o.err(`What finished is recorded in the state at ${where}, and the state lock is released. Run the command again to finish.`);
}

function refuseForeignState(ws: Workspace, plan: Plan, state: StateDocument | null, argv: ApplyArgs): void {
  const f = foreignState(plan, state);
  if (!f) return;
  const what = describeForeignState(f, ws.backend.describe(), ws.configPath);
  if (argv['allow-foreign-state']) {
    ws.o.err(`${ws.o.c.yellow('Warning:')} ${what}; going ahead (--allow-foreign-state).`);
    return;
  }
  throw new UserError(
    `refusing to apply: ${what}.`,
    `Check state: in ${ws.configPath}. If these resources are really to be removed, pass --allow-foreign-state.`,
  );
}

/** The event stream has no room for a question: it needs a saved plan or --auto-approve. */
function checkJsonApply(argv: ApplyArgs): void {
  if (argv.format === 'json' && !argv.planfile && !argv['auto-approve']) {
    throw new UserError('--format json does not ask for confirmation', 'apply a reviewed plan file (`s3repl apply plan.json --format json`) or pass --auto-approve');
  }
}

async function refuseIfStale(ws: Workspace, plan: Plan, state: Parameters<typeof staleReasons>[1]['state']): Promise<void> {
  const account = await ws.aws.accountId();
  const live = await readLive(ws.aws, account, readsOf(plan));
  const reasons = staleReasons(plan, { configSha256: ws.configSha256, state, liveFingerprint: fingerprint(live), account, live });
  if (reasons.length) {
    throw new UserError(`the saved plan is stale and was not applied:\n  - ${reasons.join('\n  - ')}`, 'make a new plan with `s3repl plan --out FILE` and review it');
  }
}

const common = (y: Argv) =>
  lockTimeoutOption(y)
    .option('auto-approve', {
      type: 'boolean',
      default: false,
      describe: 'Do not ask for confirmation (needed when there is no terminal)',
    })
    .option('allow-foreign-state', {
      type: 'boolean',
      default: false,
      describe: 'Apply even when the state records only resources the configuration does not name (another configuration\'s state) and the plan deletes them',
    })
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'json: no plan text; one JSON event per line on stdout (plan, start, done, retry, log, error, result), see docs/apply-events.md',
    });

export const applyCommand: CommandModule = {
  command: 'apply [planfile]',
  describe: 'Make AWS match the configuration (or execute a saved plan exactly)',
  builder: (y: Argv) =>
    targetOption(common(y))
      .positional('planfile', { type: 'string', describe: 'A plan saved by `s3repl plan --out`; refused when stale' })
      .example('$0 apply', 'Plan, show the plan, ask for yes, apply')
      .example('$0 plan --out plan.json && $0 apply plan.json', 'Apply exactly the reviewed plan')
      .example('$0 apply --auto-approve', 'In CI, with no terminal')
      .example('$0 apply plan.json --format json | jq -c \'select(.type == "error")\'', 'Machine-readable progress: one JSON event per line'),
  async run(raw) {
    const argv = raw as unknown as ApplyArgs;
    checkJsonApply(argv);
    if (argv.planfile && argv.target?.length) {
      throw new UserError('--target applies to a new plan, not a saved one', 'make the plan with `s3repl plan --target ADDRESS --out FILE` and apply that file');
    }
    return execute(await openWorkspace(argv), argv, 'apply');
  },
};

export const destroyCommand: CommandModule = {
  command: 'destroy',
  describe: 'Remove everything s3repl manages (replication configurations, alarms, roles and Multi-Region Access Points it created); never buckets',
  builder: (y: Argv) => common(y).example('$0 destroy', 'Show what would be removed, ask for yes, remove it'),
  async run(raw) {
    const argv = raw as unknown as ApplyArgs;
    if (argv.planfile) throw new UserError('destroy takes no plan file; use `s3repl plan --destroy --out FILE` and `s3repl apply FILE`');
    checkJsonApply(argv);
    return execute(await openWorkspace(argv), argv, 'destroy');
  },
};
