/** `s3repl init` on a terminal: it asks for what the flags did not say. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's3repl-init-tty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI under a pseudo-terminal (util-linux `script`), typing `input`. */
function onTerminal(args: string, input: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

it('asks for the buckets, regions, creation and RTC, taking the defaults shown for empty answers', async () => {
  // source, its region (default), destination, its region, create it?, RTC?
  const r = await onTerminal('init', 'acme-orders\n\nacme-orders-dr\nus-west-2\ny\n\n');
  expect(r.output).toContain('Source bucket (replicate from; it exists already):');
  expect(r.output).toContain('Its region [us-east-1]:');
  expect(r.output).toContain('Should s3repl create the destination bucket? [y/N]:');
  expect(r.code, r.output).toBe(0);
  const config = parse(readFileSync(path.join(dir, 'replication.yaml'), 'utf8'));
  expect(config.defaults.region).toBe('us-east-1');
  expect(config.buckets).toEqual({ 'acme-orders': {}, 'acme-orders-dr': { region: 'us-west-2', create: true } });
  expect(config.replications[0].rules[0].rtc).toBeUndefined();
});
