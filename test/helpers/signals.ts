/**
 * Runs the built CLI and sends it signals when its stderr shows something, the
 * way a person pressing Ctrl-C (or a CI runner cancelling a job) would.
 */
import { spawn } from 'node:child_process';
import { BIN, awsEnv, type RunResult } from './cli.js';

export interface SignalPlan {
  /** Send `signal` once stderr (so far) satisfies `when`. Steps run in order, each once. */
  steps: Array<{ when: (stderr: string) => boolean; signal: NodeJS.Signals }>;
  /** Also check the next step when this settles (for commands that print nothing while they work). */
  trigger?: Promise<unknown>;
}

export interface SignalledRun extends RunResult {
  /** The signal that ended the process, if it died of one (no handler). */
  killedBy: NodeJS.Signals | null;
  /** How many of the planned signals were sent. */
  sent: number;
}

export function runCliSignalled(args: string[], opts: { cwd: string; endpoint: string; env?: Record<string, string> }, plan: SignalPlan): Promise<SignalledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd, ...awsEnv(opts.endpoint), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = 0;
    const check = () => {
      const step = plan.steps[sent];
      if (step && step.when(stderr)) {
        sent++;
        child.kill(step.signal);
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => {
      stderr += d;
      check();
    });
    void plan.trigger?.then(() => check());
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, stdout, stderr, killedBy: signal, sent }));
  });
}
