import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { commandWord, suggestCommands, unknownCommandMessage } from '../../src/cli/help.js';

function s3repl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NAMES = ['validate', 'plan', 'apply', 'destroy', 'import', 'drift', 'state', 'force-unlock', 'status', 'jobs', 'retry-failed', 'failures'];

describe('command word', () => {
  it('skips global options and their values', () => {
    expect(commandWord(['-c', 'prod.yaml', '--no-color', 'plna', '--format', 'json'])).toBe('plna');
    expect(commandWord(['--config=prod.yaml', 'plan'])).toBe('plan');
    expect(commandWord(['--region', 'eu-west-1', '--profile', 'x', 'drift'])).toBe('drift');
    expect(commandWord(['--help'])).toBeUndefined();
  });

  it('suggests misspelt and abbreviated commands, closest first', () => {
    expect(suggestCommands('plna', NAMES)).toEqual(['plan']);
    expect(suggestCommands('val', NAMES)).toEqual(['validate']);
    expect(suggestCommands('stat', NAMES)).toEqual(['state', 'status']);
    expect(suggestCommands('frobnicate', NAMES)).toEqual([]);
    expect(unknownCommandMessage('aply', NAMES)).toBe(`unknown command "aply". Did you mean "apply"?\nCommands: ${NAMES.join(', ')}.`);
  });
});

describe('the command line', () => {
  it('takes -h as --help, for the program and for a command', () => {
    const root = s3repl('-h');
    expect(root.code).toBe(0);
    expect(root.stdout).toBe(s3repl('--help').stdout);
    expect(root.stdout).toContain('s3repl plan');
    const plan = s3repl('plan', '-h');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('--detailed-exitcode');
  });

  it('names an unknown command, with suggestions and the list of commands', () => {
    const r = s3repl('-c', 'x.yaml', 'plna');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error: unknown command "plna". Did you mean "plan"?');
    expect(r.stderr).toContain('Commands: init, validate, plan, apply');
  });

  it('prints every example command whole on a line of its own, its description as a comment above', () => {
    const r = s3repl('import', '--help');
    const lines = r.stdout.split('\n');
    const cmd = lines.findIndex((l) => l === '  s3repl import -b app-a -b app-b --out prod/replication.yaml');
    expect(cmd).toBeGreaterThan(0);
    expect(lines[cmd - 1]).toBe('  # Import two source buckets into prod/ (state in prod/.s3repl/)');
  });
});
