/**
 * `s3repl graph [PLANFILE]`: the dependency graph apply orders its steps by,
 * as Graphviz DOT or Mermaid. From the configuration alone (no AWS calls), or
 * from a saved plan, whose nodes then say their action.
 */
import type { Argv } from 'yargs';
import { desiredResources } from '../../engine/desired.js';
import { readPlanFile } from '../../engine/saved.js';
import { loadConfig } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { renderGraphDot, renderGraphMermaid, type GraphNode } from '../../render/graph.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { formatDiagnostic } from './validate.js';
import type { CommandModule } from './types.js';

interface GraphArgs extends GlobalArgs {
  planfile?: string;
  format: 'dot' | 'mermaid';
}

/**
 * An account id for compiling without AWS: it only appears inside ARNs, which
 * the graph does not show. Buckets with an `account:` of their own are in
 * another account, as they are in a plan.
 */
const NO_ACCOUNT = '000000000000';

export const graphCommand: CommandModule = {
  command: 'graph [planfile]',
  describe: 'Print the resources\' dependency graph (the order apply follows) as Graphviz DOT or Mermaid',
  builder: (y: Argv) =>
    y
      .positional('planfile', { type: 'string', describe: 'A saved plan: its resources, each with its action (default: the configuration\'s resources)' })
      .option('format', { choices: ['dot', 'mermaid'] as const, default: 'dot' as const, describe: 'dot: Graphviz (pipe to `dot -Tsvg`); mermaid: a flowchart GitHub renders in Markdown' })
      .example('$0 graph | dot -Tsvg > graph.svg', 'Draw the configuration\'s resources with Graphviz')
      .example('$0 plan --out plan.json && $0 graph plan.json --format mermaid', 'The plan\'s resources and actions, for a Markdown page')
      .epilogue('An edge goes from a resource to one it depends on; apply creates the second first. No AWS calls. Exit codes: 0 printed, 1 error.'),
  async run(raw) {
    const argv = raw as unknown as GraphArgs;
    const o = outputFor(argv);
    let nodes: GraphNode[];
    if (argv.planfile) {
      const plan = await readPlanFile(argv.planfile);
      nodes = plan.changes.map((c) => ({ address: c.address, dependsOn: c.dependsOn, action: c.action }));
    } else {
      const load = await loadConfig(argv.config);
      const errors = load.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0 || !load.config) {
        for (const d of errors) o.err(formatDiagnostic(d, o));
        throw new UserError(`${argv.config} is not valid`, `fix it (s3repl validate -c ${argv.config}) and run graph again`);
      }
      nodes = desiredResources(load.config, { accountId: NO_ACCOUNT, lineage: 'graph' }).resources.map((r) => ({ address: r.address, dependsOn: r.dependsOn }));
    }
    o.out(argv.format === 'mermaid' ? renderGraphMermaid(nodes) : renderGraphDot(nodes));
    return 0;
  },
};
