/**
 * `npm run emulator -- --port 4566 [--persist FILE] [--latency-ms N] ...`
 * Starts the emulator and prints its URL; Ctrl-C stops it (state is written
 * to the persist file first).
 */
import { parseArgs } from 'node:util';
import { startEmulator, type EmulatorOptions } from './server.js';

const USAGE = `usage: npm run emulator -- [options]
  --port N                      port to listen on (default 4566; 0 picks a free one)
  --host ADDR                   interface (default 127.0.0.1)
  --persist FILE                keep state in FILE across restarts
  --default-account ID          account for non-numeric access keys (default 111111111111)
  --latency-ms N                fixed latency per call
  --latency-jitter-ms N         extra random latency per call, [0, N)
  --throttle-rate P             probability of a throttling error per call
  --internal-error-rate P       probability of a transient 500 per call
  --fault-targets LIST          comma-separated service:Operation patterns the rates apply to
  --iam-propagation-delay-ms N  how long a new IAM role is not usable by S3
  --replication-delay-ms N      delay before a write replicates (default 50)
  --job-step-delay-ms N         delay between batch job statuses (default 50)
  --seed N                      PRNG seed for faults (default 1)`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    process.stderr.write(`--${name} must be a number\n${USAGE}\n`);
    process.exit(1);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        persist: { type: 'string' },
        'default-account': { type: 'string' },
        'latency-ms': { type: 'string' },
        'latency-jitter-ms': { type: 'string' },
        'throttle-rate': { type: 'string' },
        'internal-error-rate': { type: 'string' },
        'fault-targets': { type: 'string' },
        'iam-propagation-delay-ms': { type: 'string' },
        'replication-delay-ms': { type: 'string' },
        'job-step-delay-ms': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(1);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const opts: EmulatorOptions = {
    port: num('port', s('port')) ?? 4566,
    host: s('host'),
    persistFile: s('persist'),
    defaultAccountId: s('default-account'),
    latencyMs: num('latency-ms', s('latency-ms')),
    latencyJitterMs: num('latency-jitter-ms', s('latency-jitter-ms')),
    throttleRate: num('throttle-rate', s('throttle-rate')),
    internalErrorRate: num('internal-error-rate', s('internal-error-rate')),
    faultTargets: s('fault-targets')?.split(',').map((t) => t.trim()).filter(Boolean),
    iamPropagationDelayMs: num('iam-propagation-delay-ms', s('iam-propagation-delay-ms')),
    replicationDelayMs: num('replication-delay-ms', s('replication-delay-ms')),
    jobStepDelayMs: num('job-step-delay-ms', s('job-step-delay-ms')),
    seed: num('seed', s('seed')),
  };
  const emu = await startEmulator(opts);
  process.stdout.write(`s3repl emulator listening on ${emu.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`s3repl emulator: ${(e as Error).message}\n`);
  process.exit(1);
});
