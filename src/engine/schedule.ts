/**
 * Runs steps as a dependency graph: a step starts as soon as every step it
 * depends on has finished (no phase-wide barriers), at most `concurrency` at a
 * time, the ready step with the longest chain of dependents first (so long
 * chains are not left for the end). A failed step's dependents, direct or not,
 * never start; everything else still runs.
 *
 * A step has two parts: `run`, which holds a concurrency slot (the work: AWS
 * calls), and `settle`, which runs after the slot is released (making the
 * step durable: a state write, which the next steps need not wait for).
 * Dependents are released when `run` finishes.
 */

export interface GraphStep {
  key: string;
  /** Keys of steps that must finish first. Keys that name no step are already done. */
  deps: readonly string[];
  run: () => Promise<void>;
  /** After the slot is released; its failure marks the step failed (its dependents may have started). */
  settle?: () => Promise<void>;
}

export interface GraphResult {
  /** Steps whose run or settle threw, with the error. */
  failed: Map<string, unknown>;
  /** Steps never started because a step they depend on failed. */
  skipped: string[];
}

export async function runGraph(steps: readonly GraphStep[], concurrency: number): Promise<GraphResult> {
  const byKey = new Map<string, GraphStep>();
  for (const s of steps) {
    if (byKey.has(s.key)) throw new Error(`two steps for ${s.key}`);
    byKey.set(s.key, s);
  }
  // Edges between steps of this graph only; `waiting` counts unfinished dependencies.
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const s of steps) {
    let n = 0;
    for (const d of new Set(s.deps)) {
      if (!byKey.has(d) || d === s.key) continue;
      n++;
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(s.key);
    }
    waiting.set(s.key, n);
  }
  const height = heights(steps, dependents);

  // Ready steps by height (a bucket per height, each in plan order).
  const ready: string[][] = [];
  let readyCount = 0;
  let top = -1;
  const makeReady = (key: string) => {
    const h = height.get(key)!;
    (ready[h] ??= []).push(key);
    readyCount++;
    if (h > top) top = h;
  };
  const takeReady = (): string => {
    while (!ready[top]?.length) top--;
    readyCount--;
    return ready[top]!.shift()!;
  };
  for (const s of steps) if (waiting.get(s.key) === 0) makeReady(s.key);

  const failed = new Map<string, unknown>();
  const skipped: string[] = [];
  let running = 0;
  let unfinished = steps.length;
  const settling: Array<Promise<void>> = [];

  const skip = (key: string) => {
    for (const d of dependents.get(key) ?? []) {
      if (waiting.get(d)! < 0) continue;
      waiting.set(d, -1);
      skipped.push(d);
      unfinished--;
      skip(d);
    }
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (running < concurrency && readyCount > 0) {
        const step = byKey.get(takeReady())!;
        running++;
        void step.run().then(
          () => {
            running--;
            unfinished--;
            if (step.settle) settling.push(step.settle().catch((e: unknown) => void failed.set(step.key, e)));
            for (const d of dependents.get(step.key) ?? []) {
              const left = waiting.get(d)! - 1;
              waiting.set(d, left);
              if (left === 0) makeReady(d);
            }
            pump();
          },
          (e: unknown) => {
            running--;
            unfinished--;
            failed.set(step.key, e);
            skip(step.key);
            pump();
          },
        );
      }
      if (running === 0 && readyCount === 0) {
        if (unfinished > 0) {
          const stuck = steps.filter((s) => (waiting.get(s.key) ?? 0) > 0).map((s) => s.key);
          failed.set(stuck[0]!, new Error(`dependency cycle among: ${stuck.join(', ')}`));
        }
        resolve();
      }
    };
    pump();
  });
  await Promise.all(settling);
  return { failed, skipped };
}

/** Length of the longest chain of dependents below each step (0: none), iteratively (deep chains). */
function heights(steps: readonly GraphStep[], dependents: Map<string, string[]>): Map<string, number> {
  const height = new Map<string, number>();
  const visiting = new Set<string>();
  for (const s of steps) {
    if (height.has(s.key)) continue;
    const stack: Array<{ key: string; i: number }> = [{ key: s.key, i: 0 }];
    visiting.add(s.key);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const below = dependents.get(frame.key) ?? [];
      if (frame.i < below.length) {
        const next = below[frame.i++]!;
        // A cycle is reported by runGraph (its steps never become ready); count it as no height.
        if (!height.has(next) && !visiting.has(next)) {
          visiting.add(next);
          stack.push({ key: next, i: 0 });
        }
        continue;
      }
      let h = 0;
      for (const d of below) h = Math.max(h, (height.get(d) ?? -1) + 1);
      height.set(frame.key, h);
      visiting.delete(frame.key);
      stack.pop();
    }
  }
  return height;
}
