import { describe, expect, it } from 'vitest';
import { SDK_REGIONS } from '../../src/config/regions.generated.js';
import { sdkRegions } from '../../scripts/sdk-regions.js';
import { isKnownRegion, partitionName } from '../../src/config/regions.js';

describe('region names', () => {
  it('the generated list is the installed SDK\'s partition data (regenerate with: npx tsx scripts/gen-regions.ts)', () => {
    expect(SDK_REGIONS).toEqual(sdkRegions());
  });
  it('knows real regions and their partitions, and not look-alikes', () => {
    expect(isKnownRegion('us-east-1')).toBe(true);
    expect(partitionName('cn-north-1')).toBe('aws-cn');
    expect(partitionName('us-gov-west-1')).toBe('aws-us-gov');
    for (const r of ['eu-wset-1', 'us-east-7', 'eu-west1', 'aws-global']) expect(isKnownRegion(r)).toBe(false);
  });
});
