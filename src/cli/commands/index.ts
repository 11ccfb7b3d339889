/**
 * The command registry: one entry per command. A command's module is loaded
 * only when its name is on the command line, so `s3repl --help` and
 * `s3repl validate` never load the AWS SDK or the planner. The name and
 * description are therefore written here as well as in the module (for the
 * list `--help` shows); a test checks they agree.
 */
import type { CommandModule } from './types.js';

export interface CommandEntry {
  /** As yargs takes it: the name, then positionals (`state <action> [addresses..]`). */
  command: string;
  describe: string;
  load: () => Promise<CommandModule>;
}

export const commands: CommandEntry[] = [
  {
    command: 'init',
    describe: 'Write a starter replication.yaml: one source bucket replicating to one destination (asks on a terminal)',
    load: async () => (await import('./init.js')).initCommand,
  },
  {
    command: 'validate',
    describe: "Check replication.yaml against the schema and AWS's replication rules (no AWS calls)",
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    command: 'plan',
    describe: 'Show what apply would change: reads live AWS state and the state file, diffs with the configuration',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    command: 'apply [planfile]',
    describe: 'Make AWS match the configuration (or execute a saved plan exactly)',
    load: async () => (await import('./apply.js')).applyCommand,
  },
  {
    command: 'show <planfile>',
    describe: 'Show a saved plan (plan --out) as text, JSON or Markdown, without calling AWS',
    load: async () => (await import('./show.js')).showCommand,
  },
  {
    command: 'graph [planfile]',
    describe: "Print the resources' dependency graph (the order apply follows) as Graphviz DOT or Mermaid",
    load: async () => (await import('./graph.js')).graphCommand,
  },
  {
    command: 'destroy',
    describe: 'Remove everything s3repl manages (replication configurations, alarms, roles and Multi-Region Access Points it created); never buckets',
    load: async () => (await import('./apply.js')).destroyCommand,
  },
  {
    command: 'import',
    describe: 'Adopt replication set up by hand: write replication.yaml from the live setup of source buckets and record it in state',
    load: async () => (await import('./import.js')).importCommand,
  },
  {
    command: 'drift',
    describe: 'Report changes made outside s3repl since the last apply, and changes the configuration asks for that are not applied yet',
    load: async () => (await import('./drift.js')).driftCommand,
  },
  {
    command: 'state <action> [addresses..]',
    describe: 'Inspect the state or forget resources: state list | state show ADDRESS | state rm ADDRESS...',
    load: async () => (await import('./state.js')).stateCommand,
  },
  {
    command: 'force-unlock <lock-id>',
    describe: 'Remove a state lock left by a run that was killed (only the lock with this id)',
    load: async () => (await import('./force-unlock.js')).forceUnlockCommand,
  },
  {
    command: 'status',
    describe: 'Replication health per rule: CloudWatch metrics and alarms, the last Batch Replication job, a verdict',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    command: 'jobs',
    describe: 'List the Batch Replication jobs s3repl started (backfills and retries) with status and progress',
    load: async () => (await import('./jobs.js')).jobsCommand,
  },
  {
    command: 'retry-failed',
    describe: 'Replicate again the objects whose replication failed (an S3 Batch Replication job per source bucket)',
    load: async () => (await import('./retry-failed.js')).retryFailedCommand,
  },
  {
    command: 'failover <name>',
    describe: "Move a Multi-Region Access Point's traffic to one Region (active/passive), or show its routing with --status",
    load: async () => (await import('./failover.js')).failoverCommand,
  },
  {
    command: 'failures',
    describe: 'Replication failure events from the events: queues, recorded and grouped by rule, destination and reason, with a fix for each',
    load: async () => (await import('./failures.js')).failuresCommand,
  },
];

/** The command's name: the first word of `command`. */
export function commandName(entry: Pick<CommandEntry, 'command'>): string {
  return entry.command.split(' ')[0]!;
}

/**
 * The registry with the module of the command `word` loaded (the command word
 * of the command line: see help.ts). The others are registered with their name
 * and description alone, which is all yargs needs to list them.
 */
export async function loadCommands(word: string | undefined): Promise<Array<CommandEntry & { module?: CommandModule }>> {
  return Promise.all(commands.map(async (entry) => (commandName(entry) === word ? { ...entry, module: await entry.load() } : entry)));
}
