/**
 * Random SIGKILL and SIGINT during apply, under seeded faults (throttling,
 * transient 500s, IAM propagation delay), on both state backends; and
 * concurrent applies. Every round ends converged: no changes left, nothing
 * created twice, everything recorded in state, no lock left behind.
 *
 * The seeds fix every choice (signal, backend, the progress line to strike
 * on, the emulator's faults): a failing round is replayed by its seed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli } from '../helpers/cli.js';
import { runCliSignalled } from '../helpers/signals.js';
import { chooser, expectConverged, lockLeft, project, readState, type BackendName } from './harness.js';

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

/** An emulator and a project on the backend; the seeded faults start once the setup (the state bucket) is made. */
async function faultyProject(seed: number, backend: BackendName): Promise<{ emu: Emulator; cwd: string }> {
  const emu = await startEmulator({ replicationDelayMs: 10 });
  emulators.push(emu);
  const cwd = await project(emu, backend);
  emu.setFaults(faults(seed));
  return { emu, cwd };
}

const faults = (seed: number) => ({ seed, latencyMs: 10, latencyJitterMs: 20, throttleRate: 0.1, internalErrorRate: 0.03, iamPropagationDelayMs: 150 });
/** The test's own reads (lock, state, inventory) run without faults; only s3repl meets them. */
const NO_FAULTS = { throttleRate: 0, internalErrorRate: 0, latencyMs: 0, latencyJitterMs: 0 };

/** Progress lines ("address: Creating...", "...: Creation complete after 0.1s", retries). */
const progressLines = (stderr: string) => stderr.split('\n').filter((l) => /^\S+: /.test(l)).length;

const SEEDS = [101, 202, 303, 404, 505];

describe('interrupted applies converge', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const pick = chooser(seed);
      const signal = pick.pick(['SIGINT', 'SIGKILL', 'SIGTERM'] as const);
      // A killed run cannot release an S3 lock (that needs force-unlock, by design): SIGKILL runs on local state.
      const backend: BackendName = signal === 'SIGKILL' ? 'local' : pick.pick(['local', 's3'] as const);
      const strikeAt = pick.int(1, 24);
      const context = `seed ${seed}: ${signal} at progress line ${strikeAt} on ${backend} state`;
      const { emu, cwd } = await faultyProject(seed, backend);

      const run = await runCliSignalled(['apply', '--auto-approve'], { cwd, endpoint: emu.url }, {
        steps: [{ when: (s) => progressLines(s) >= strikeAt, signal }],
      });
      if (run.sent === 0) {
        // The apply finished before the chosen line: it must simply have succeeded.
        expect(run.code, `${context}\n${run.stderr}`).toBe(0);
      } else if (signal === 'SIGKILL') {
        expect(run.killedBy, context).toBe('SIGKILL');
      } else {
        // Interrupted (130/143), or it had just finished (0): never killed by the signal, never a lock left.
        expect([0, signal === 'SIGINT' ? 130 : 143], `${context}\n${run.stderr}`).toContain(run.code);
        expect(run.killedBy, context).toBeNull();
        emu.setFaults(NO_FAULTS);
        expect(await lockLeft(emu, cwd, backend), `${context}: lock left after a graceful interrupt`).toBe(false);
        emu.setFaults(faults(seed + 1));
        if (run.code !== 0) expect(run.stderr, context).toMatch(/interrupted/i);
      }

      // An unattended apply finishes the job, faults still on, without force-unlock.
      const again = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
      expect(again.code, `${context}: resume\n${again.stderr}`).toBe(0);
      emu.setFaults(NO_FAULTS);
      await expectConverged(emu, cwd, backend, context);
    }, 120_000);
  }
});

describe('concurrent applies', () => {
  for (const backend of ['local', 's3'] as const) {
    it(`two applies at once on ${backend} state: one waits for the other's lock; both succeed, nothing twice`, async () => {
      const { emu, cwd } = await faultyProject(7, backend);
      const [a, b] = await Promise.all([
        runCli(['apply', '--auto-approve', '--lock-timeout', '5m'], { cwd, endpoint: emu.url }),
        runCli(['apply', '--auto-approve', '--lock-timeout', '5m'], { cwd, endpoint: emu.url }),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      emu.setFaults(NO_FAULTS);
      await expectConverged(emu, cwd, backend, `concurrent on ${backend}`);
      // Whichever ran second planned from the first one's state and created nothing again.
      expect([a.stderr, b.stderr].filter((s) => s.includes('14 added'))).toHaveLength(1);
      expect((await readState(emu, cwd, backend))!.serial).toBeGreaterThan(0);
    }, 120_000);
  }
});
