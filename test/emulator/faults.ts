/**
 * Fault and latency injection. Every random decision comes from one seeded
 * PRNG, drawn in a fixed order per call, so the same seed and the same
 * sequence of calls give the same latencies and the same failures.
 */

export interface FaultSettings {
  /** Fixed latency added to every call (ms). */
  latencyMs: number;
  /** Extra random latency in [0, latencyJitterMs) per call. */
  latencyJitterMs: number;
  /** Probability in [0,1] that a call gets the service's throttling error. */
  throttleRate: number;
  /** Probability in [0,1] that a call gets a transient 500. */
  internalErrorRate: number;
  /** How long a new IAM role is not usable by S3 (ms). */
  iamPropagationDelayMs: number;
  /**
   * Which calls the rates apply to: patterns `service:Operation` with `*`
   * wildcards (e.g. `s3:*`, `iam:CreateRole`). Empty = every call.
   */
  targets: string[];
  /** PRNG seed. */
  seed: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  latencyMs: 0,
  latencyJitterMs: 0,
  throttleRate: 0,
  internalErrorRate: 0,
  iamPropagationDelayMs: 0,
  targets: [],
  seed: 1,
};

export type FaultDecision = { latencyMs: number; fault: 'throttle' | 'internal' | null };

/** mulberry32: small, fast, good enough for test fault schedules. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function checkRate(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be a number between 0 and 1`);
}

function checkMs(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number of milliseconds`);
}

export class Faults {
  private settings: FaultSettings;
  private random: () => number;
  private targetRes: RegExp[] = [];

  constructor(initial: Partial<FaultSettings> = {}) {
    this.settings = { ...DEFAULT_FAULTS };
    this.random = mulberry32(this.settings.seed);
    this.set(initial, true);
  }

  get current(): FaultSettings {
    return { ...this.settings, targets: [...this.settings.targets] };
  }

  /** Changes some settings. A new seed (or reseed) restarts the PRNG sequence. */
  set(patch: Partial<FaultSettings>, reseed = patch.seed !== undefined): void {
    const next: FaultSettings = { ...this.settings, ...stripUndefined(patch) };
    checkMs('latencyMs', next.latencyMs);
    checkMs('latencyJitterMs', next.latencyJitterMs);
    checkMs('iamPropagationDelayMs', next.iamPropagationDelayMs);
    checkRate('throttleRate', next.throttleRate);
    checkRate('internalErrorRate', next.internalErrorRate);
    if (!Number.isInteger(next.seed)) throw new Error('seed must be an integer');
    if (!Array.isArray(next.targets) || next.targets.some((t) => typeof t !== 'string')) {
      throw new Error('targets must be a list of "service:Operation" patterns');
    }
    this.settings = next;
    this.targetRes = next.targets.map(globToRegExp);
    if (reseed) this.random = mulberry32(next.seed);
  }

  /** Back to no faults, PRNG restarted from the seed. */
  reset(): void {
    this.settings = { ...DEFAULT_FAULTS, seed: this.settings.seed };
    this.targetRes = [];
    this.random = mulberry32(this.settings.seed);
  }

  /**
   * Decides what happens to one call. Three numbers are always drawn (jitter,
   * throttle, internal error) so that one call's outcome never shifts the
   * sequence seen by the next.
   */
  decide(operation: string): FaultDecision {
    const s = this.settings;
    const rJitter = this.random();
    const rThrottle = this.random();
    const rInternal = this.random();
    const latencyMs = s.latencyMs + Math.floor(rJitter * s.latencyJitterMs);
    const targeted = this.targetRes.length === 0 || this.targetRes.some((re) => re.test(operation));
    let fault: FaultDecision['fault'] = null;
    if (targeted && rThrottle < s.throttleRate) fault = 'throttle';
    else if (targeted && rInternal < s.internalErrorRate) fault = 'internal';
    return { latencyMs, fault };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
