import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAIN, runCli } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 's3repl-validate-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const VALID = `version: 1
defaults: { region: us-east-1 }
buckets:
  src-bucket: {}
  dst-bucket: { region: us-west-2 }
roles: { r: { name: repl } }
replications:
  - source: src-bucket
    role: r
    rules:
      - id: one
        destination: { bucket: dst-bucket }
      - id: two
        filter: { prefix: b/ }
        destination: { bucket: dst-bucket }
`;

const INVALID = `version: 1
defaults: { region: us-east-1 }
buckets:
  src-bucket: {}
roles: { r: { name: repl } }
replications:
  - source: src-bucket
    role: r
    rules:
      - id: one
        destination: { bucket: src-bucket }
        statuss: enabled
`;

// A warning only: a disabled rule asked to backfill.
const WARNING = VALID.replace("        filter: { prefix: b/ }\n", "        filter: { prefix: b/ }\n        status: disabled\n        existingObjects: replicate\n");

describe('s3repl validate (text)', () => {
  it('prints a summary and exits 0 for a valid file', async () => {
    const f = file('valid.yaml', VALID);
    const r = await runCli(['validate', '-c', f], PLAIN);
    expect(r).toEqual({ code: 0, stdout: `✓ ${f} is valid (1 replication, 2 rules)\n`, stderr: '' });
  });

  it('prints file:line:col: error[rule]: message with hints and exits 1', async () => {
    const f = file('invalid.yaml', INVALID);
    const r = await runCli(['validate', '--config', f], PLAIN);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${f}:12:9: error[schema]: unknown key "statuss" (did you mean "status"?)\n✗ ${f}: 1 error, 0 warnings\n`);
  });

  it('reports AWS-rule errors with their hint, indented', async () => {
    const f = file('same.yaml', INVALID.replace('        statuss: enabled\n', ''));
    const r = await runCli(['validate', '-c', f], PLAIN);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      `${f}:11:32: error[source-equals-destination]: rule "one" replicates bucket "src-bucket" to itself`,
      '    hint: a destination must be another bucket',
      `✗ ${f}: 1 error, 0 warnings`,
      '',
    ]);
  });

  it('passes with warnings, and fails with them under --strict', async () => {
    const f = file('warning.yaml', WARNING);
    const lax = await runCli(['validate', '-c', f], PLAIN);
    expect(lax.code).toBe(0);
    expect(lax.stdout).toContain(`${f}:16:26: warning[existing-objects-disabled-rule]: `);
    expect(lax.stdout).toContain(`✓ ${f} is valid (1 replication, 2 rules), 1 warning`);
    const strict = await runCli(['validate', '-c', f, '--strict'], PLAIN);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(`✗ ${f}: 0 errors, 1 warning (warnings fail under --strict)`);
  });

  it('reports a missing file without line:col, exit 1', async () => {
    const f = join(dir, 'missing.yaml');
    const r = await runCli(['validate', '-c', f], PLAIN);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(`${f}: error[config-not-found]: ${f} not found`);
  });

  it('defaults to replication.yaml in the current directory', async () => {
    const cwd = process.cwd();
    process.chdir(resolve(__dirname, '../..'));
    try {
      const r = await runCli(['validate'], PLAIN);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^✓ replication\.yaml is valid \(2 replications, 2 rules\)\n$/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('colours output when forced, and not under NO_COLOR or --no-color', async () => {
    const f = file('colour.yaml', INVALID);
    const forced = await runCli(['validate', '-c', f], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[');
    const noColor = await runCli(['validate', '-c', f], { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(noColor.stdout).not.toContain('\u001b[');
    const flag = await runCli(['validate', '-c', f, '--no-color'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(flag.stdout).not.toContain('\u001b[');
  });
});

describe('s3repl validate --format json', () => {
  it('prints only the JSON document on stdout', async () => {
    const f = file('invalid.json.yaml', INVALID);
    const r = await runCli(['validate', '-c', f, '--format', 'json'], { FORCE_COLOR: '1', NO_COLOR: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toEqual({
      file: f,
      valid: false,
      errors: 1,
      warnings: 0,
      diagnostics: [
        {
          file: f,
          line: 12,
          column: 9,
          severity: 'error',
          rule: 'schema',
          message: 'unknown key "statuss" (did you mean "status"?)',
          pointer: '/replications/0/rules/0/statuss',
        },
      ],
    });
  });

  it('reports a valid file', async () => {
    const f = file('valid.json.yaml', VALID);
    const r = await runCli(['validate', '-c', f, '--format', 'json'], PLAIN);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file: f, valid: true, errors: 0, warnings: 0, diagnostics: [] });
  });

  it('counts warnings, and --strict makes them invalid', async () => {
    const f = file('warning.json.yaml', WARNING);
    const lax = JSON.parse((await runCli(['validate', '-c', f, '--format', 'json'], PLAIN)).stdout) as { valid: boolean; warnings: number };
    expect(lax).toMatchObject({ valid: true, warnings: 1 });
    const strict = await runCli(['validate', '-c', f, '--format', 'json', '--strict'], PLAIN);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ valid: false, errors: 0, warnings: 1 });
  });

  it('rejects an unknown format as a usage error', async () => {
    const r = await runCli(['validate', '--format', 'xml'], PLAIN);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Invalid values');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('s3repl validate --help', () => {
  it('documents the options and gives examples', () => {
    const root = resolve(__dirname, '../..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', '--help'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(0);
    for (const text of ['--format', '--strict', '--config', 'Examples:', 'validate -c prod/replication.yaml --strict', 'Exit codes']) {
      expect(r.stdout).toContain(text);
    }
  });
});
