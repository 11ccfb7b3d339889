/**
 * AWS clients for a command's global options. Apart from common.ts so that
 * commands which never call AWS (validate, --help) do not load the SDK.
 */
import { AwsClients } from '../aws/clients.js';
import { checkEndpoints, type GlobalArgs } from './common.js';
import { checkRegion } from './region.js';

/** `allowUnknownRegions`: the configuration's defaults.allowUnknownRegions, when one was loaded. */
export function awsFor(argv: GlobalArgs, opts: { allowUnknownRegions?: boolean } = {}): AwsClients {
  checkEndpoints(argv);
  if (!opts.allowUnknownRegions) checkRegion(argv);
  return new AwsClients({
    profile: argv.profile,
    region: argv.region,
    endpointUrl: argv['endpoint-url'],
    parallelism: argv.parallelism,
    maxAttempts: argv['max-attempts'],
  });
}
