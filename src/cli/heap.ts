/**
 * How far s3repl lets the JavaScript heap grow between full collections.
 *
 * After each full collection V8 sets the heap's next limit at a factor times
 * what survived it, and picks the factor from how fast garbage reaches the old
 * generation compared with how fast it marks: up to 4 when the ratio is low.
 * Every AWS SDK call leaves a few KB of garbage there, so a plan, which is
 * mostly SDK calls, often gets the factor 4. Measured on a plan of 10,000
 * sources, which holds about 76 MB while it reads: peak RSS 449, 462 and 480 MB
 * in three runs; with the factor fixed at 1.5, 276 and 287 MB in two, for 7-12%
 * more CPU (with 2, 338 MB). A CI runner's memory limit should not depend on
 * where a collection happens to fall.
 *
 * V8 reads the flag each time it computes the limit (heap-controller.cc,
 * `CalculateAllocationLimit`), so setting it once the process has started
 * takes effect from the next full collection. Node accepts the flag on the
 * command line but not in NODE_OPTIONS; a user who wants another trade runs
 * `node --heap-growing-percent=N "$(command -v s3repl)" …`, and that choice
 * is kept.
 */
import { setFlagsFromString } from 'node:v8';

/** The heap grows by at most half of what it holds before the next full collection. */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flag s3repl sets, or undefined when Node was started with one of its own. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  return execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a)) ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Bounds the heap's growth for this process (see above). */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowthFlag(execArgv);
  if (flag) setFlagsFromString(flag);
}
