/**
 * readEach reads every item of a kind that has no batch read: all of them,
 * each result under its address, a bounded number at once (so a plan of
 * 10,000 sources does not keep every pending read alive), within the slots
 * the reads of every kind share, each value kept as it arrives, and a failed
 * read fails the whole read.
 */
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { READ_WINDOW, readEach } from '../../src/resources/util.js';

const items = Array.from({ length: 500 }, (_, i) => ({ address: `bucket.b${i}`, id: { bucket: `b${i}`, region: 'us-east-1' } }));

describe('readEach', () => {
  it('reads every item, each result under its address, a window of reads at a time', async () => {
    let now = 0;
    let max = 0;
    const out = await readEach({}, items, async (id) => {
      max = Math.max(max, ++now);
      await new Promise((r) => setTimeout(r, 1));
      now--;
      return id.bucket === 'b7' ? null : { name: id.bucket! };
    });
    expect(out.size).toBe(500);
    expect(out.get('bucket.b7')).toBeNull();
    expect(out.get('bucket.b499')).toEqual({ name: 'b499' });
    // Reads overlap (up to the window), never more than it.
    expect(max).toBe(READ_WINDOW);
  });

  it('fails when a read fails, and starts no new reads after it', async () => {
    let started = 0;
    await expect(
      readEach({}, items, async (id) => {
        started++;
        await new Promise((r) => setTimeout(r, 1));
        if (id.bucket === 'b3') throw new Error('AccessDenied');
        return {};
      }),
    ).rejects.toThrow('AccessDenied');
    expect(started).toBeLessThan(items.length);
  });

  it('reads two kinds side by side within the slots they share, keeping each value as it arrives', async () => {
    const slot = pLimit(5);
    let now = 0;
    let max = 0;
    const kept = new Map<string, unknown>();
    const read = async (id: Record<string, string>) => {
      max = Math.max(max, ++now);
      await new Promise((r) => setTimeout(r, 1));
      now--;
      return { name: id.bucket! };
    };
    const keep = (address: string, value: Record<string, unknown> | null) => {
      kept.set(address, value);
      return value;
    };
    const ctx = { slot, keep: keep as never };
    const [a, b] = await Promise.all([readEach(ctx, items.slice(0, 100), read), readEach(ctx, items.slice(100, 200), read)]);
    // Both kinds' windows are far larger than the slots: the slots decide.
    expect(max).toBe(5);
    // Every value went to keep, its own: the caller holds them, so readEach keeps no second map of them.
    expect(kept.size).toBe(200);
    expect(kept.get('bucket.b0')).toEqual({ name: 'b0' });
    expect(kept.get('bucket.b199')).toEqual({ name: 'b199' });
    expect(a.size + b.size).toBe(0);
  });
});
