/**
 * Ctrl-C (SIGINT) and SIGTERM (a cancelled CI job).
 *
 * Commands that change things (apply, destroy, import, `state rm`,
 * retry-failed) open an interruptible scope. The first signal aborts the
 * scope's AbortSignal: the command starts nothing new, lets what is in flight
 * finish (for at most the scope's grace period), writes state, releases the
 * lock, says what finished and what did not, and exits 130 (SIGINT) or 143
 * (SIGTERM). A second signal, or the end of the grace period, stops at once:
 * the scope's `emergency` step (release the lock) runs, bounded, and the
 * process exits with the same code.
 *
 * Outside a scope (read-only commands, or before a command holds anything) a
 * signal ends the process at once with that code and a one-line message.
 */

export type SignalName = 'SIGINT' | 'SIGTERM';

export const SIGNAL_EXIT_CODE: Record<SignalName, number> = { SIGINT: 130, SIGTERM: 143 };

/** How long in-flight work may take after the first signal before s3repl stops at once. */
export const DEFAULT_GRACE_MS = 30_000;
/** How long the emergency step (releasing the lock) may take. */
const EMERGENCY_MS = 10_000;

export interface ScopeOptions {
  /** Said on the first signal: what the command is doing about it. */
  firstMessage: string;
  /** Run on a second signal or when the grace period ends: release what is held. */
  emergency?: () => Promise<void>;
  graceMs?: number;
}

export interface InterruptScope {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  readonly received: SignalName | undefined;
  /** 130 or 143 once a signal arrived; undefined before. */
  readonly exitCode: number | undefined;
  /** The emergency step to run now: replaced as the command takes and releases things. */
  setEmergency(fn: (() => Promise<void>) | undefined): void;
  /** Leaves the scope (the command finished); later signals end the process at once. */
  close(): void;
}

interface ActiveScope {
  opts: ScopeOptions;
  controller: AbortController;
  received?: SignalName;
  timer?: NodeJS.Timeout;
  stopping: boolean;
}

let active: ActiveScope | null = null;
let installed = 0;

const say = (text: string) => void process.stderr.write(`\n${text}\n`);

function onSignal(sig: SignalName): void {
  const scope = active;
  if (!scope) {
    say(`Interrupted (${sig}); nothing was being changed.`);
    process.exit(SIGNAL_EXIT_CODE[sig]);
  }
  if (scope.received === undefined) {
    scope.received = sig;
    say(`Interrupted (${sig}): ${scope.opts.firstMessage} Press Ctrl-C again to stop at once.`);
    scope.controller.abort(new Error(`interrupted (${sig})`));
    const grace = scope.opts.graceMs ?? DEFAULT_GRACE_MS;
    scope.timer = setTimeout(() => void stopNow(scope, `the work in flight did not finish within ${Math.round(grace / 1000)}s`), grace);
    return;
  }
  void stopNow(scope, `second ${sig}`);
}

async function stopNow(scope: ActiveScope, why: string): Promise<never> {
  const code = SIGNAL_EXIT_CODE[scope.received ?? 'SIGINT'];
  if (scope.stopping) process.exit(code);
  scope.stopping = true;
  if (scope.timer) clearTimeout(scope.timer);
  say(`Stopping at once (${why}).`);
  if (scope.opts.emergency) {
    const released = await Promise.race([
      scope.opts.emergency().then(
        () => 'ok' as const,
        (e: unknown) => `failed: ${(e as Error)?.message ?? String(e)}`,
      ),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EMERGENCY_MS).unref()),
    ]);
    if (released === 'timeout') say('Could not release the state lock in time; the next run names it (see s3repl force-unlock).');
    else if (released !== 'ok') say(`Could not release the state lock: ${released.slice('failed: '.length)}`);
  }
  process.exit(code);
}

const handlers: Record<SignalName, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
};

/** Installs the handlers for the life of one CLI run; returns the uninstaller. */
export function installSignalHandlers(): () => void {
  if (installed++ === 0) {
    process.on('SIGINT', handlers.SIGINT);
    process.on('SIGTERM', handlers.SIGTERM);
  }
  return () => {
    if (--installed === 0) {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    }
  };
}

/** Opens the interruptible scope of a command that changes things. */
export function interruptible(opts: ScopeOptions): InterruptScope {
  const scope: ActiveScope = { opts: { ...opts }, controller: new AbortController(), stopping: false };
  active = scope;
  return {
    signal: scope.controller.signal,
    get received() {
      return scope.received;
    },
    get exitCode() {
      return scope.received ? SIGNAL_EXIT_CODE[scope.received] : undefined;
    },
    setEmergency(fn) {
      scope.opts.emergency = fn;
    },
    close() {
      if (scope.timer) clearTimeout(scope.timer);
      if (active === scope) active = null;
    },
  };
}

/** Thrown by code that stopped because of an interrupt; the CLI turns it into exit 130/143. */
export class Interrupted extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}
