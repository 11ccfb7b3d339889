#!/usr/bin/env node
/**
 * npm's `prepack` script: builds dist/ before `npm pack` and `npm publish` (and
 * when npm packs s3repl installed from git). On a fresh clone without
 * node_modules (`npm pack` straight away) it first installs the exact
 * dependencies of package-lock.json, without their install scripts, so the
 * compiler is there. Not `prepare`: npm flags a package with one as having an
 * install script, although installing the package never runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args) {
  const r = spawnSync(npm, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(path.join(root, 'node_modules', 'typescript'))) {
  console.error('s3repl prepack: installing the build dependencies (npm ci --ignore-scripts)');
  run(['ci', '--ignore-scripts', '--no-audit', '--no-fund']);
}
run(['run', 'build']);
