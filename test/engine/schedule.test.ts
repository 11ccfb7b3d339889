import { describe, expect, it } from 'vitest';
import { runGraph, type GraphStep } from '../../src/engine/schedule.js';

/** A step whose run waits until released, recording when it started. */
function gated(key: string, deps: string[], log: string[]) {
  let release!: () => void;
  let fail!: (e: Error) => void;
  const gate = new Promise<void>((res, rej) => {
    release = res;
    fail = rej;
  });
  const step: GraphStep = {
    key,
    deps,
    run: async () => {
      log.push(`start ${key}`);
      await gate;
      log.push(`end ${key}`);
    },
  };
  return { step, release, fail };
}

/** Lets every pending promise callback run. */
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('runGraph', () => {
  it("starts a step as soon as its own dependencies finish, while others' are still running", async () => {
    const log: string[] = [];
    const a1 = gated('bucket.a', [], log);
    const a2 = gated('versioning.a', ['bucket.a'], log);
    const b1 = gated('bucket.b', [], log);
    const b2 = gated('versioning.b', ['bucket.b'], log);
    const done = runGraph([a1.step, b1.step, a2.step, b2.step], 4);
    await tick();
    expect(log).toEqual(['start bucket.a', 'start bucket.b']);
    a1.release();
    await tick();
    // No barrier: bucket.b is still running.
    expect(log).toEqual(['start bucket.a', 'start bucket.b', 'end bucket.a', 'start versioning.a']);
    a2.release();
    b1.release();
    await tick();
    b2.release();
    const r = await done;
    expect(r.failed.size).toBe(0);
    expect(log.indexOf('start versioning.b')).toBeGreaterThan(log.indexOf('end bucket.b'));
  });

  it('never runs more than `concurrency` steps at once, and runs them all', async () => {
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const steps: GraphStep[] = Array.from({ length: 50 }, (_, i) => ({
      key: `s${i}`,
      deps: i % 5 === 0 ? [] : [`s${i - 1}`],
      run: async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        ran.push(`s${i}`);
      },
    }));
    const r = await runGraph(steps, 3);
    expect(r.failed.size).toBe(0);
    expect(most).toBe(3);
    expect(ran.sort()).toEqual(steps.map((s) => s.key).sort());
  });

  it("skips what depends on a failed step, directly or not, and runs everything else", async () => {
    const ran: string[] = [];
    const step = (key: string, deps: string[], fails = false): GraphStep => ({
      key,
      deps,
      run: async () => {
        ran.push(key);
        if (fails) throw new Error(`${key} failed`);
      },
    });
    const r = await runGraph(
      [step('role', [], true), step('policy', ['role']), step('replication', ['policy', 'versioning']), step('versioning', []), step('alarm', [])],
      2,
    );
    expect([...r.failed.keys()]).toEqual(['role']);
    expect((r.failed.get('role') as Error).message).toBe('role failed');
    expect(r.skipped.sort()).toEqual(['policy', 'replication']);
    expect(ran.sort()).toEqual(['alarm', 'role', 'versioning']);
  });

  it('releases the slot before settle, and dependents need not wait for it', async () => {
    const log: string[] = [];
    let releaseSettle!: () => void;
    const settleGate = new Promise<void>((r) => (releaseSettle = r));
    const steps: GraphStep[] = [
      {
        key: 'a',
        deps: [],
        run: async () => void log.push('run a'),
        settle: async () => {
          await settleGate;
          log.push('settled a');
        },
      },
      { key: 'b', deps: ['a'], run: async () => void log.push('run b') },
      { key: 'c', deps: [], run: async () => void log.push('run c') },
    ];
    const done = runGraph(steps, 1);
    await tick();
    await tick();
    // b depends on a, whose state write (settle) has not finished: b runs all the same.
    expect([...log].sort()).toEqual(['run a', 'run b', 'run c']);
    let finished = false;
    void done.then(() => (finished = true));
    await tick();
    expect(finished).toBe(false); // runGraph waits for every settle
    releaseSettle();
    await done;
    expect(log[3]).toBe('settled a');
  });

  it("a failed settle marks its step failed", async () => {
    const r = await runGraph([{ key: 'a', deps: [], run: async () => undefined, settle: async () => Promise.reject(new Error('disk full')) }], 1);
    expect((r.failed.get('a') as Error).message).toBe('disk full');
  });

  it('starts the ready step with the longest chain below it first', async () => {
    const order: string[] = [];
    const step = (key: string, deps: string[]): GraphStep => ({ key, deps, run: async () => void order.push(key) });
    // In plan order the leaves come first; the chain head should still go first.
    await runGraph([step('leaf1', []), step('leaf2', []), step('head', []), step('mid', ['head']), step('tail', ['mid'])], 1);
    expect(order[0]).toBe('head');
    expect(order.indexOf('mid')).toBeLessThan(order.indexOf('leaf1'));
  });

  it('treats dependencies on keys it has no step for as done', async () => {
    const ran: string[] = [];
    const r = await runGraph([{ key: 'b', deps: ['not-in-this-plan'], run: async () => void ran.push('b') }], 1);
    expect(r.failed.size).toBe(0);
    expect(ran).toEqual(['b']);
  });

  it('reports a dependency cycle instead of waiting forever', async () => {
    const ran: string[] = [];
    const step = (key: string, deps: string[]): GraphStep => ({ key, deps, run: async () => void ran.push(key) });
    const r = await runGraph([step('x', ['y']), step('y', ['x']), step('free', [])], 2);
    expect(ran).toEqual(['free']);
    expect(String(r.failed.values().next().value)).toMatch(/dependency cycle among: x, y/);
  });
});
