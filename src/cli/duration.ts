/** Durations on the command line: `0`, `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds. */
import type { Argv } from 'yargs';
import { UserError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds for a duration; throws a UserError naming `what` for anything else. */
export function parseDuration(text: string | number, what = 'duration'): number {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) {
    throw new UserError(`invalid ${what} "${s}"`, 'Use a number with a unit, e.g. 0, 30s, 2m, 1h (a bare number means seconds).');
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}

/** The `--lock-timeout` option, for every command that takes the state lock. */
export function lockTimeoutOption<T>(y: Argv<T>) {
  return y.option('lock-timeout', {
    type: 'string',
    default: '0',
    describe: 'How long to wait for the state lock held by another run (e.g. 30s, 2m); 0 fails at once',
  });
}
