/**
 * s3repl's command line. Commands live in src/cli/commands/, one file each;
 * this file registers them (loading only the modules of commands named on the
 * command line: see commands/index.ts). Only the CLI prints or picks exit codes:
 * 0 success / no changes, 1 error, 2 changes present (--detailed-exitcode) or drift.
 */
import yargs from 'yargs';
import { globalOptions } from './common.js';
import { makeOutput, reportError } from './output.js';
import { commandName, commands, loadCommands } from './commands/index.js';
import { commandWord, stackExamples, unknownCommandMessage } from './help.js';
import { VERSION } from '../version.js';
import { Interrupted, installSignalHandlers } from './interrupt.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const color = !argv.includes('--no-color');
  const names = commands.map(commandName);
  const word = commandWord(argv);
  if (word === 'help') return main([...argv.filter((a) => a !== 'help'), '--help']);
  if (word !== undefined && !names.includes(word)) {
    const o = makeOutput({ color, debug });
    o.err(`${o.c.red('Error:')} ${unknownCommandMessage(word, names)}`);
    o.err(o.c.dim('see s3repl --help'));
    return 1;
  }
  const width = Math.min(100, process.stdout.columns ?? 100);
  // yargs lays out the whole help text before every command it runs (to keep it
  // for showHelp), and wrapping it to the terminal is most of the work. s3repl
  // prints help only for --help/-h (usage errors get a one-line message), so
  // other runs skip the wrapping.
  const showsHelp = argv.some((a) => a === '--help' || a === '-h');
  let parser = globalOptions(yargs(argv))
    .scriptName('s3repl')
    .usage('$0 <command> [options]\n\nDeclarative plan/apply for Amazon S3 replication.')
    .version(VERSION)
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'Name a command; see s3repl --help')
    .wrap(showsHelp ? width : null)
    .epilogue(
      'Exit codes: 0 success or no changes; 1 error; 2 changes present (plan --detailed-exitcode), drift found (drift), ' +
        'a rule not healthy (status), or failed tasks (retry-failed --wait).\nDocs: https://github.com/s3repl/s3repl#readme (README.md and docs/ are in the installed package too).',
    )
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  parser = stackExamples(parser, width);
  for (const entry of await loadCommands(word)) {
    const cmd = entry.module;
    parser = parser.command({
      command: entry.command,
      describe: entry.describe,
      builder: cmd ? cmd.builder : (y: unknown) => y,
      handler: async (args: Record<string, unknown>) => {
        // Not loaded: its name was not on the command line, so yargs cannot have chosen it.
        if (!cmd) throw new Error(`s3repl: command ${entry.command} was not loaded`);
        exitCode = await cmd.run(args as never);
      },
    } as never);
  }
  const uninstall = installSignalHandlers();
  try {
    await parser.parseAsync();
  } catch (e) {
    const o = makeOutput({ color, debug });
    if (e instanceof Interrupted) {
      o.err(`${o.c.yellow('Interrupted:')} ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof UsageError) {
      o.err(`${o.c.red('Error:')} ${e.message}`);
      o.err(o.c.dim('see s3repl --help'));
      return 1;
    }
    return reportError(e, o);
  } finally {
    uninstall();
  }
  return exitCode;
}

class UsageError extends Error {}

