/**
 * The default region (--region, else AWS_REGION or AWS_DEFAULT_REGION) must be
 * one the installed SDK knows: a typo would otherwise become a DNS error with
 * a network hint (sts.us-eats-1.amazonaws.com not found). A region newer than
 * the SDK passes with `defaults.allowUnknownRegions: true` in the configuration.
 */
import { isKnownRegion, knownRegions } from '../config/regions.js';
import { closest } from '../config/suggest.js';
import { UserError } from '../errors.js';
import type { GlobalArgs } from './common.js';

export function checkRegion(argv: Pick<GlobalArgs, 'region'>, env: NodeJS.ProcessEnv = process.env): void {
  const [from, region] =
    argv.region !== undefined ? ['--region', String(argv.region)] : env.AWS_REGION ? ['AWS_REGION', env.AWS_REGION] : env.AWS_DEFAULT_REGION ? ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION] : [undefined, undefined];
  if (from === undefined || region === undefined || isKnownRegion(region)) return;
  const near = closest(region, knownRegions());
  throw new UserError(
    `${from} "${region}" is not an AWS region this s3repl knows${near ? ` (did you mean "${near}"?)` : ''}`,
    `use a region code such as us-east-1; a region newer than this s3repl needs an upgrade, or defaults.allowUnknownRegions: true in the configuration`,
  );
}
