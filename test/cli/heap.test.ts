import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../src/cli/heap.js';

describe('heap growth bound', () => {
  it('bounds the growth of the heap when Node was started without a choice of its own', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=2048'])).toBe('--heap-growing-percent=50');
  });

  it("keeps the user's own --heap-growing-percent, in either spelling V8 accepts", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=200'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap_growing_percent=10'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap-growing-percent', '30'])).toBeUndefined();
  });

  it('is not fooled by another flag that shares the prefix', () => {
    expect(heapGrowthFlag(['--heap-growing-percentage=5'])).toBe('--heap-growing-percent=50');
  });
});
