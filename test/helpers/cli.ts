/**
 * Runs the built CLI (dist/, made by `npm run build`, which `npm test` runs
 * first) as a child process against an emulator, the way a user or CI would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

export function runCli(args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd, ...awsEnv(opts.endpoint, opts.account), ...conformanceEnv(), ...opts.env },
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
