/**
 * The JSON helpers a plan relies on to hold one copy of an unchanged resource:
 * jsonEqual must agree with canonical JSON (what plan fingerprints and state
 * files compare), and an interner must change no value it is given.
 */
import { describe, expect, it } from 'vitest';
import { canonical, interner, jsonEqual } from '../../src/resources/util.js';
import type { Json } from '../../src/resources/values.js';

/** A small deterministic generator, so a failure reproduces. */
function values(seed: number, count: number): Json[] {
  let x = seed;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  const make = (depth: number): Json => {
    switch (rnd(depth > 2 ? 4 : 6)) {
      case 0:
        return null;
      case 1:
        return rnd(2) === 0;
      case 2:
        return rnd(3) - 1;
      case 3:
        return ['a', 'b', '', 'é', '→'][rnd(5)]!;
      case 4:
        return Array.from({ length: rnd(3) }, () => make(depth + 1));
      default: {
        const o: { [k: string]: Json } = {};
        for (const k of ['x', 'y', 'z'].slice(0, rnd(4))) o[k] = make(depth + 1);
        return o;
      }
    }
  };
  return Array.from({ length: count }, () => make(0));
}

const same = (a: Json, b: Json) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

describe('jsonEqual', () => {
  it('agrees with canonical JSON on every pair of generated values', () => {
    const vs = values(7, 120);
    let equalPairs = 0;
    for (const a of vs)
      for (const b of vs) {
        expect(jsonEqual(a, b)).toBe(same(a, b));
        if (same(a, b)) equalPairs++;
      }
    // The generator makes equal values that are not the same object, too.
    expect(equalPairs).toBeGreaterThan(vs.length);
  });

  it('ignores key order and keys holding undefined, as canonical does; not array order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined } as unknown as Json, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ 0: 'a' }, ['a'])).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
  });
});

describe('interner', () => {
  // Which string object a value holds is not visible to JavaScript (the heap is: the bench measures it).
  it('changes no value it is given, at any depth, and returns the value itself', () => {
    const intern = interner();
    const vs = values(11, 50);
    const before = JSON.stringify(vs);
    expect(intern(vs)).toBe(vs);
    expect(JSON.stringify(intern(vs))).toBe(before);
    expect(intern('us-east-1')).toBe('us-east-1');
  });
});
