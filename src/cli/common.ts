/** Options shared by every command, and the pieces commands build from them. */
import type { Argv } from 'yargs';
import { makeOutput, type Output } from './output.js';

export interface GlobalArgs {
  config: string;
  profile?: string;
  region?: string;
  'endpoint-url'?: string;
  parallelism: number;
  'max-attempts': number;
  color: boolean;
  debug: boolean;
}

export function globalOptions<T>(y: Argv<T>) {
  return y
    .option('config', {
      alias: 'c',
      type: 'string',
      default: 'replication.yaml',
      describe: 'Path to the replication configuration',
      global: true,
    })
    .option('profile', { type: 'string', describe: 'AWS shared config profile (default: the SDK credential chain)', global: true })
    .option('region', { type: 'string', describe: 'Default AWS region (for STS; buckets use their own region)', global: true })
    .option('endpoint-url', {
      type: 'string',
      describe: 'Send every AWS call to this endpoint (emulator, LocalStack); AWS_ENDPOINT_URL works too',
      global: true,
    })
    .option('parallelism', { type: 'number', default: 16, describe: 'Concurrent AWS calls at most', global: true })
    .option('max-attempts', { type: 'number', default: 8, describe: 'Attempts per AWS call, throttling included', global: true })
    .option('color', { type: 'boolean', default: true, describe: 'Colour output (--no-color, NO_COLOR turn it off)', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces and AWS call counts', global: true });
}

export function outputFor(argv: GlobalArgs): Output {
  return makeOutput({ color: argv.color, debug: argv.debug });
}
