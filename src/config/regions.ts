/**
 * Region names the installed AWS SDK knows, from its partition data (the same
 * table the SDK's endpoint rules use). A region newer than the SDK is unknown
 * here until the SDK is upgraded: `defaults.allowUnknownRegions: true` lets
 * such names through (docs/aws-behaviour.md, "Region names").
 */
import { partition } from '@aws-sdk/core/client';

/** Known when the partition table lists it by name (a pattern match alone yields no description). */
export function isKnownRegion(region: string): boolean {
  return (partition(region) as { description?: string }).description !== undefined;
}

/** The partition (aws, aws-cn, aws-us-gov, ...) of a known region, else undefined. */
export function partitionName(region: string): string | undefined {
  return isKnownRegion(region) ? (partition(region) as { name: string }).name : undefined;
}

let known: string[] | undefined;

/**
 * Every region the SDK knows, found by asking the partition table about every
 * name of the shapes AWS uses (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`,
 * `eusc-de-east-1`): the SDK does not export the list itself.
 */
export function knownRegions(): string[] {
  if (known) return known;
  const areas = ['us', 'eu', 'ap', 'sa', 'ca', 'me', 'af', 'il', 'mx', 'cn', 'us-gov', 'us-iso', 'us-isob', 'us-isof', 'eu-isoe', 'eusc-de'];
  const directions = ['east', 'west', 'north', 'south', 'central', 'northeast', 'northwest', 'southeast', 'southwest'];
  const out: string[] = [];
  for (const area of areas) {
    for (const dir of directions) {
      for (let n = 1; n <= 9; n++) {
        const r = `${area}-${dir}-${n}`;
        if (isKnownRegion(r)) out.push(r);
      }
    }
  }
  known = out.sort();
  return known;
}
