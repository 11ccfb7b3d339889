import type { Argv } from 'yargs';

/**
 * A command: yargs' command/describe/builder plus `run`, which returns the exit
 * code instead of exiting, so tests can call main() in-process.
 */
export interface CommandModule {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv;
  run(args: Record<string, unknown>): Promise<number>;
}
