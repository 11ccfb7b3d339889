/** `s3repl plan`: what apply would do, for people (text), PR comments (markdown) and machines (json). */
import type { Argv } from 'yargs';
import { hasChanges, type Plan } from '../../engine/types.js';
import { makePlan } from '../../engine/plan.js';
import { describeForeignState, foreignState } from '../../engine/foreign.js';
import { costOfPlan, readCostInputs } from '../../cost/index.js';
import { writePlanFile } from '../../engine/saved.js';
import { resolveWriteTarget } from '../../files.js';
import { renderPlanText } from '../../render/text.js';
import { renderPlanMarkdown } from '../../render/markdown.js';
import { renderPlanJson } from '../../render/json.js';
import type { GlobalArgs } from '../common.js';
import type { StateDocument } from '../../state/types.js';
import { newStateLineage, openWorkspace, type Workspace } from '../workspace.js';
import type { Output } from '../output.js';
import type { CommandModule } from './types.js';
import type { LiveValue } from '../../resources/types.js';
import { TARGET_WARNING, targetPlan } from '../target.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

export function renderPlan(plan: Plan, format: PlanFormat, o: Output): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan);
    default:
      return renderPlanText(plan, { color: o.c, ...(process.stdout.isTTY && process.stdout.columns ? { width: process.stdout.columns } : {}) });
  }
}

/**
 * Makes the plan from the workspace: live resources, and the state (read from
 * the backend unless a locked session passes its own, with the lineage a new
 * state will get).
 */
export async function planWorkspace(
  ws: Workspace,
  mode: 'apply' | 'destroy' = 'apply',
  from?: { state: StateDocument | null; lineage: string },
  targets: readonly string[] = [],
): Promise<Plan> {
  const state = from ? from.state : await ws.backend.read();
  let live: ReadonlyMap<string, LiveValue> = new Map();
  const plan = await makePlan({
    config: ws.config,
    configPath: ws.configPath,
    configSha256: ws.configSha256,
    aws: ws.aws,
    state,
    mode,
    // Before any state exists, the lineage a first apply would create: the same on every run.
    lineage: from?.lineage ?? (state ? undefined : await newStateLineage(ws)),
    onLive: (l) => (live = l),
  });
  if (targets.length === 0) return plan;
  ws.o.err(`${ws.o.c.yellow(TARGET_WARNING)}\n`);
  return targetPlan(plan, targets, live);
}

/** The --target option of plan and apply. */
export function targetOption(y: Argv): Argv {
  return y.option('target', {
    type: 'string',
    array: true,
    requiresArg: true,
    describe: 'Plan only this resource address (and what it depends on); repeat for several. alarm.SOURCE targets all its alarms. For exceptional cases only',
  });
}

export function debugCalls(ws: Workspace): void {
  if (!ws.o.debug) return;
  const calls = [...ws.aws.calls].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${op}=${n}`);
  ws.o.err(ws.o.c.dim(`AWS calls: ${ws.aws.totalCalls()} (${calls.join(', ')})`));
}

interface PlanArgs extends GlobalArgs {
  format: PlanFormat;
  out?: string;
  'detailed-exitcode': boolean;
  destroy: boolean;
  cost: boolean;
  'price-table'?: string;
  target?: string[];
}

export const planCommand: CommandModule = {
  command: 'plan',
  describe: 'Show what apply would change: reads live AWS state and the state file, diffs with the configuration',
  builder: (y: Argv) =>
    targetOption(y)
      .option('format', { choices: ['text', 'json', 'markdown'] as const, default: 'text' as const, describe: 'Output format (json is formatVersion 1, see docs/plan-format.md)' })
      .option('out', { type: 'string', describe: 'Save the plan to this file, for `s3repl apply FILE` after approval' })
      .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'Exit 0 when there are no changes, 2 when there are, 1 on error' })
      .option('destroy', { type: 'boolean', default: false, describe: 'Plan the removal of everything s3repl manages (buckets are never deleted)' })
      .option('cost', {
        type: 'boolean',
        default: true,
        describe: 'Estimate the monthly and one-off replication cost (reads CloudWatch storage metrics of the source buckets); --no-cost skips it (docs/cost.md)',
      })
      .option('price-table', { type: 'string', describe: 'JSON price table merged over the built-in one (wins over cost.priceTable in the configuration)' })
      .example('$0 plan', 'Show the plan in the terminal')
      .example('$0 plan --format markdown > plan.md', 'A pull-request comment')
      .example('$0 plan --out plan.json --detailed-exitcode', 'Save the plan for apply; exit 2 when it has changes')
      .example('$0 plan --no-cost', 'Skip the cost estimate and its CloudWatch reads')
      .example('$0 plan --target replication.acme-orders --out fix.json', 'Only the replication of acme-orders and what it depends on'),
  async run(raw) {
    const argv = raw as unknown as PlanArgs;
    const ws = await openWorkspace(argv);
    try {
      // A wrong --out is said before AWS is read, not after.
      if (argv.out) await resolveWriteTarget(argv.out, 'the plan');
      const state = await ws.backend.read();
      // The cost's reads (price table, CloudWatch storage metrics) run beside the plan's.
      const [plan, costInputs] = await Promise.all([
        planWorkspace(ws, argv.destroy ? 'destroy' : 'apply', { state, lineage: state?.lineage ?? (await newStateLineage(ws)) }, argv.target ?? []),
        argv.cost ? readCostInputs(ws.aws, ws.config, argv['price-table']) : undefined,
      ]);
      if (costInputs) plan.cost = costOfPlan(plan, ws.config, costInputs);
      const foreign = foreignState(plan, state);
      if (foreign) {
        plan.notices.push({
          level: 'warning',
          message: `${describeForeignState(foreign, ws.backend.describe(), ws.configPath)}. apply refuses this plan unless given --allow-foreign-state.`,
        });
      }
      ws.o.out(renderPlan(plan, argv.format, ws.o));
      if (argv.out) {
        await writePlanFile(argv.out, plan);
        ws.o.err(`Saved the plan to ${argv.out}. Apply it with: s3repl apply ${argv.out}`);
      }
      debugCalls(ws);
      return argv['detailed-exitcode'] && hasChanges(plan) ? 2 : 0;
    } finally {
      ws.aws.destroy();
    }
  },
};
