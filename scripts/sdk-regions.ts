/**
 * The region names the installed AWS SDK knows, from its partition data (the
 * table its endpoint rules resolve regions with), region → partition. Used to
 * generate regions.generated.ts and to test that file against the SDK; the
 * CLI itself reads the generated file, so validate does not load the SDK.
 */
import { partition } from '@aws-sdk/core/client';

/**
 * The SDK does not export its list: ask the partition table about every name
 * of the shapes AWS uses (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`,
 * `eusc-de-east-1`); a listed region comes back with a description.
 */
export function sdkRegions(): Record<string, string> {
  const areas = ['us', 'eu', 'ap', 'sa', 'ca', 'me', 'af', 'il', 'mx', 'cn', 'us-gov', 'us-iso', 'us-isob', 'us-isof', 'eu-isoe', 'eusc-de'];
  const directions = ['east', 'west', 'north', 'south', 'central', 'northeast', 'northwest', 'southeast', 'southwest'];
  const out: Record<string, string> = {};
  for (const area of areas) {
    for (const dir of directions) {
      for (let n = 1; n <= 9; n++) {
        const r = `${area}-${dir}-${n}`;
        const p = partition(r) as { description?: string; name: string };
        if (p.description !== undefined) out[r] = p.name;
      }
    }
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
}
