/**
 * Runs s3repl against an emulator the way a user or CI would, two ways:
 * - `runCli`: in this process, through `main()` (src/cli/app.ts) with the
 *   environment, working directory and standard streams a spawned CLI would have.
 *   Every integration case uses it: a spawned node start costs most of a
 *   second on a shared two-core machine.
 * - `spawnCli`: the built executable (dist/, made by `npm run build`, which
 *   `npm test` runs first) as a child process, for the few cases that need a
 *   real process: smoke tests of the installed entry point, two processes racing
 *   for the state lock, a process killed mid-apply.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../../src/cli/app.js';
import { installRequestCheck } from '../conformance/install.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'dist/src/cli/main.js');

/** Checks every AWS request the CLI sends against AWS's API models (test/conformance). */
const CONFORMANCE = pathToFileURL(path.join(ROOT, 'test/conformance/register.mjs')).href;
let runs = 0;

export function conformanceEnv(): Record<string, string> {
  const dir = process.env.S3REPL_CONFORMANCE_DIR;
  return {
    NODE_OPTIONS: `--import=${CONFORMANCE}`,
    ...(dir ? { S3REPL_CONFORMANCE_LOG: path.join(dir, `${process.pid}-${++runs}.jsonl`) } : {}),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  endpoint: string;
  /** Access key id: 12 digits select the emulator account. */
  account?: string;
  env?: Record<string, string>;
}

export interface SpawnOptions extends RunOptions {
  input?: string;
}

export function awsEnv(endpoint: string, account = '111111111111'): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: account,
    AWS_SECRET_ACCESS_KEY: 'emulator',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: '/nonexistent/s3repl-test-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s3repl-test-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
  };
}

/** The environment a CLI run sees: nothing of the test runner's but PATH. */
function cliEnv(opts: RunOptions, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    // The test run's own temporary folder (test/setup/global.ts).
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    HOME: opts.cwd,
    // As bin/s3repl (src/cli/main.ts) sets it.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...awsEnv(opts.endpoint, opts.account),
    ...extra,
    ...opts.env,
  };
}

/** In-process runs share process.env, the working directory and the streams: one at a time. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `s3repl ARGS` in this process; resolves with its exit code and what it wrote. */
export function runCli(args: string[], opts: RunOptions): Promise<RunResult> {
  const run = queue.then(() => runInProcess(args, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runInProcess(args: string[], opts: RunOptions): Promise<RunResult> {
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const write = { out: process.stdout.write, err: process.stderr.write };
  let stdout = '';
  let stderr = '';
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  // A spawned CLI writes to pipes: no terminal, whatever runs the tests.
  const streams = [process.stdin, process.stdout, process.stderr] as Array<{ isTTY?: boolean }>;
  const tty = streams.map((s) => s.isTTY);
  for (const s of streams) s.isTTY = false;
  const uncheck = installRequestCheck(cliEnv(opts, conformanceEnv()).S3REPL_CONFORMANCE_LOG);
  for (const k of Object.keys(process.env)) if (!k.startsWith('VITEST')) delete process.env[k];
  Object.assign(process.env, cliEnv(opts));
  process.chdir(opts.cwd);
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    streams.forEach((s, i) => (s.isTTY = tty[i]));
    uncheck();
    process.chdir(savedCwd);
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
}

/** Runs the built executable as a child process. */
export function spawnCli(args: string[], opts: SpawnOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: cliEnv(opts, conformanceEnv()),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A fresh working directory holding replication.yaml with the given text. */
export function workdir(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 's3repl-test-'));
  writeFileSync(path.join(dir, 'replication.yaml'), yaml);
  return dir;
}
