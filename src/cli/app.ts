/**
 * s3repl's command line. Commands live in src/cli/commands/, one file each;
 * this file registers them. Only the CLI prints or picks exit codes:
 * 0 success / no changes, 1 error, 2 changes present (--detailed-exitcode) or drift.
 */
import yargs from 'yargs';
import { globalOptions } from './common.js';
import { makeOutput, reportError } from './output.js';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const color = !argv.includes('--no-color');
  let parser = globalOptions(yargs(argv))
    .scriptName('s3repl')
    .usage('$0 <command> [options]\n\nDeclarative plan/apply for Amazon S3 replication.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'Name a command; see s3repl --help')
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .epilogue(
      'Exit codes: 0 success or no changes; 1 error; 2 changes present (plan --detailed-exitcode), drift found (drift), ' +
        'a rule not healthy (status), or failed tasks (retry-failed --wait).\nDocs: README.md and docs/ in the s3repl repository.',
    )
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const cmd of commands) {
    parser = parser.command({
      ...cmd,
      handler: async (args: Record<string, unknown>) => {
        exitCode = await cmd.run(args as never);
      },
    } as never);
  }
  try {
    await parser.parseAsync();
  } catch (e) {
    const o = makeOutput({ color, debug });
    if (e instanceof UsageError) {
      o.err(`${o.c.red('Error:')} ${e.message}`);
      o.err(o.c.dim('see s3repl --help'));
      return 1;
    }
    return reportError(e, o);
  }
  return exitCode;
}

class UsageError extends Error {}

