/** Options shared by every command, and the pieces commands build from them. */
import type { Argv } from 'yargs';
import { makeOutput, type Output } from './output.js';
import { UserError } from '../errors.js';

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
    .option('region', { type: 'string', describe: 'Default AWS region (for STS; buckets use their own region); must be one the AWS SDK knows', global: true })
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

/**
 * A custom endpoint must be a whole URL with its scheme: without one the SDK
 * fails with "Invalid URL", or reads `localhost:4566` as a URL whose scheme is
 * `localhost:` and sends nothing where it was meant to go.
 */
export function checkEndpointUrl(url: string, from: string): void {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m || !['http', 'https'].includes(m[1]!.toLowerCase())) {
    const bare = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    throw new UserError(`${from} "${url}" needs a scheme: http:// or https://`, `e.g. ${from.startsWith('--') ? `${from} ` : `${from}=`}http://${bare}`);
  }
  try {
    new URL(url);
  } catch {
    throw new UserError(`${from} "${url}" is not a valid URL`, 'e.g. http://127.0.0.1:4566 or https://s3.example.com');
  }
}

/** The endpoint settings of a command line and its environment, checked (see checkEndpointUrl). */
export function checkEndpoints(argv: GlobalArgs, env: NodeJS.ProcessEnv = process.env): void {
  if (argv['endpoint-url'] !== undefined) return checkEndpointUrl(String(argv['endpoint-url']), '--endpoint-url');
  for (const [k, v] of Object.entries(env)) {
    if (/^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(k) && v) checkEndpointUrl(v, k);
  }
}
