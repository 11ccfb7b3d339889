import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/app.js';
import { newState, serializeState } from '../../src/state/document.js';
import { LocalBackend } from '../../src/state/local.js';
import type { StateDocument } from '../../src/state/types.js';
import { resource, tempDir } from './helpers.js';

const CONFIG = `version: 1
state:
  backend: local
  path: state/s3repl.json
defaults:
  region: us-east-1
buckets:
  src-bucket-1: {}
  dst-bucket-1: { region: us-west-2 }
roles:
  replication: { name: s3repl-replication }
replications:
  - source: src-bucket-1
    role: replication
    rules:
      - id: all
        destination: { bucket: dst-bucket-1 }
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...argv: string[]): Promise<Run> {
  stdout = '';
  stderr = '';
  const code = await main([...argv, '--no-color']);
  return { code, stdout, stderr };
}

/** A config file (state path relative to it) and a state with three resources. */
async function workspace(config = CONFIG) {
  const dir = await tempDir();
  const configFile = path.join(dir, 'replication.yaml');
  await writeFile(configFile, config);
  const statePath = path.join(dir, 'state', 's3repl.json');
  const doc: StateDocument = { ...newState(), serial: 4 };
  for (const r of [
    resource('role.replication', { name: 's3repl-replication', path: '/' }),
    resource('bucket.src-bucket-1', { region: 'us-east-1' }),
    resource('replication.src-bucket-1', { rules: [{ id: 'all', priority: 1 }] }),
  ]) {
    doc.resources[r.address] = r;
  }
  await new LocalBackend(statePath).write(doc);
  return { dir, configFile, statePath, doc };
}

describe('s3repl state list', () => {
  it('prints every address with its kind, sorted, one per line', async () => {
    const ws = await workspace();
    const r = await run('state', 'list', '-c', ws.configFile);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'bucket.src-bucket-1       bucket',
      'replication.src-bucket-1  replication',
      'role.replication          role',
    ]);
  });

  it('--format json', async () => {
    const ws = await workspace();
    const r = await run('state', 'list', '-c', ws.configFile, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { address: 'bucket.src-bucket-1', kind: 'bucket', id: { name: 'src-bucket-1' } },
      { address: 'replication.src-bucket-1', kind: 'replication', id: { name: 'src-bucket-1' } },
      { address: 'role.replication', kind: 'role', id: { name: 'replication' } },
    ]);
  });

  it('says so when there is no state yet', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'replication.yaml'), CONFIG);
    const r = await run('state', 'list', '-c', path.join(dir, 'replication.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('No state at');
  });

  it('still works when the configuration is broken outside state:, with a warning', async () => {
    const ws = await workspace(CONFIG.replace('{ name: s3repl-replication }', '{}'));
    const r = await run('state', 'list', '-c', ws.configFile);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning');
    expect(r.stdout).toContain('role.replication');
  });

  it('refuses a configuration whose state: section is wrong, showing where', async () => {
    const ws = await workspace(CONFIG.replace('backend: local', 'backend: s3'));
    const r = await run('state', 'list', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('replication.yaml:2:1');
    expect(r.stderr).toContain('cannot tell where the state is');
  });

  it('refuses a corrupt state file without touching it', async () => {
    const ws = await workspace();
    await writeFile(ws.statePath, '{"formatVersion":1,');
    const r = await run('state', 'list', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: state at ${ws.statePath} is unusable`);
    expect(r.stderr).not.toContain('    at '); // no stack trace
    expect(await readFile(ws.statePath, 'utf8')).toBe('{"formatVersion":1,');
  });
});

describe('s3repl state show', () => {
  it('prints the resource as YAML, or JSON', async () => {
    const ws = await workspace();
    const y = await run('state', 'show', 'role.replication', '-c', ws.configFile);
    expect(y.code).toBe(0);
    expect(y.stdout).toContain('address: role.replication\n');
    expect(y.stdout).toContain('name: s3repl-replication\n');
    const j = await run('state', 'show', 'replication.src-bucket-1', '-c', ws.configFile, '--format', 'json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual(ws.doc.resources['replication.src-bucket-1']);
  });

  it('an unknown address is an error with suggestions', async () => {
    const ws = await workspace();
    const r = await run('state', 'show', 'bucket.src', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not in the state');
    expect(r.stderr).toContain('bucket.src-bucket-1');
  });
});

describe('s3repl state rm', () => {
  it('forgets the resources, bumps the serial once, keeps a backup, releases the lock', async () => {
    const ws = await workspace();
    const before = await readFile(ws.statePath, 'utf8');
    const r = await run('state', 'rm', 'role.replication', 'bucket.src-bucket-1', '-c', ws.configFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Removed role.replication\nRemoved bucket.src-bucket-1\n');
    expect(r.stderr).toContain('nothing in AWS was deleted');
    const after = await new LocalBackend(ws.statePath).read();
    expect(Object.keys(after!.resources)).toEqual(['replication.src-bucket-1']);
    expect(after!.serial).toBe(5);
    expect(after!.lineage).toBe(ws.doc.lineage);
    expect(await readFile(`${ws.statePath}.backup`, 'utf8')).toBe(before);
    expect(existsSync(`${ws.statePath}.lock`)).toBe(false);
  });

  it('--dry-run changes nothing', async () => {
    const ws = await workspace();
    const before = await readFile(ws.statePath, 'utf8');
    const r = await run('state', 'rm', 'role.replication', '--dry-run', '-c', ws.configFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Would remove role.replication\n');
    expect(await readFile(ws.statePath, 'utf8')).toBe(before);
  });

  it('all or nothing: one unknown address and nothing is removed', async () => {
    const ws = await workspace();
    const before = await readFile(ws.statePath, 'utf8');
    const r = await run('state', 'rm', 'role.replication', 'alarm.nope', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alarm.nope');
    expect(await readFile(ws.statePath, 'utf8')).toBe(before);
    expect(existsSync(`${ws.statePath}.lock`)).toBe(false);
  });

  it('takes the lock like apply: refused while another run holds it, naming the holder', async () => {
    const ws = await workspace();
    const held = await new LocalBackend(ws.statePath).lock('apply', 0);
    const before = await readFile(ws.statePath, 'utf8');
    const r = await run('state', 'rm', 'role.replication', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pid ${process.pid}`);
    expect(r.stderr).toContain('"apply"');
    expect(r.stderr).toContain(`s3repl force-unlock ${held.id}`);
    expect(await readFile(ws.statePath, 'utf8')).toBe(before);
  });

  it('rejects a malformed --lock-timeout', async () => {
    const ws = await workspace();
    const r = await run('state', 'rm', 'role.replication', '--lock-timeout', 'soon', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid --lock-timeout "soon"');
  });
});

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI under a pseudo-terminal (util-linux `script`), typing `input`. */
function onTerminal(args: string, input: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-qec', `${process.execPath} --import tsx src/cli/main.ts ${args}`, '/dev/null'], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('s3repl force-unlock', () => {
  it('requires --force when not on a terminal, and leaves the lock', async () => {
    const ws = await workspace();
    const held = await new LocalBackend(ws.statePath).lock('apply', 0);
    const r = await run('force-unlock', held.id, '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--force');
    expect(existsSync(`${ws.statePath}.lock`)).toBe(true);
  });

  it('refuses a wrong id, showing the actual holder', async () => {
    const ws = await workspace();
    const held = await new LocalBackend(ws.statePath).lock('apply', 0);
    const r = await run('force-unlock', 'not-the-id', '--force', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`lock id ${held.id}`);
    expect(existsSync(`${ws.statePath}.lock`)).toBe(true);
  });

  it('removes the lock with the matching id', async () => {
    const ws = await workspace();
    const held = await new LocalBackend(ws.statePath).lock('apply', 0);
    const r = await run('force-unlock', held.id, '--force', '-c', ws.configFile);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Removed the state lock ${held.id}`);
    expect(existsSync(`${ws.statePath}.lock`)).toBe(false);
  });

  it.each([
    ['yes', 0, false],
    ['no', 1, true],
  ])('on a terminal, asks first: answering %s exits %i', async (answer, code, lockRemains) => {
    const ws = await workspace();
    const held = await new LocalBackend(ws.statePath).lock('apply', 0);
    const r = await onTerminal(`force-unlock ${held.id} -c ${ws.configFile} --no-color`, `${answer}\n`);
    expect(r.output).toContain('locked by');
    expect(r.output).toContain(`Remove lock ${held.id}?`);
    expect(r.code).toBe(code);
    expect(existsSync(`${ws.statePath}.lock`)).toBe(lockRemains);
  });

  it('says when there is no lock', async () => {
    const ws = await workspace();
    const r = await run('force-unlock', 'some-id', '--force', '-c', ws.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not locked');
  });
});

it('state text written by the CLI is the stable serialisation', async () => {
  const ws = await workspace();
  await run('state', 'rm', 'role.replication', '-c', ws.configFile);
  const text = await readFile(ws.statePath, 'utf8');
  const doc = await new LocalBackend(ws.statePath).read();
  expect(text).toBe(serializeState(doc!));
});
