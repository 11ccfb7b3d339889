/**
 * AWS clients for a command's global options. Apart from common.ts so that
 * commands which never call AWS (validate, --help) do not load the SDK.
 */
import { AwsClients } from '../aws/clients.js';
import { checkEndpoints, type GlobalArgs } from './common.js';

export function awsFor(argv: GlobalArgs): AwsClients {
  checkEndpoints(argv);
  return new AwsClients({
    profile: argv.profile,
    region: argv.region,
    endpointUrl: argv['endpoint-url'],
    parallelism: argv.parallelism,
    maxAttempts: argv['max-attempts'],
  });
}
