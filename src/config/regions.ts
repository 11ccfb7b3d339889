/**
 * Region names the installed AWS SDK knows, from its partition data
 * (regions.generated.ts, made by scripts/gen-regions.ts; validate does not
 * load the SDK). A region newer than the SDK is unknown here until the SDK is
 * upgraded: `defaults.allowUnknownRegions: true` lets such names through
 * (docs/aws-behaviour.md, "Region names").
 */
import { SDK_REGIONS } from './regions.generated.js';

export function isKnownRegion(region: string): boolean {
  return Object.prototype.hasOwnProperty.call(SDK_REGIONS, region);
}

/** The partition (aws, aws-cn, aws-us-gov, ...) of a known region, else undefined. */
export function partitionName(region: string): string | undefined {
  return isKnownRegion(region) ? SDK_REGIONS[region] : undefined;
}

export function knownRegions(): string[] {
  return Object.keys(SDK_REGIONS);
}
