/**
 * Paths s3repl writes to (saved plans, local state): a directory, a missing
 * parent directory or a dangling link is refused with the path named and
 * nothing left behind; a symbolic link is written through and stays a link.
 */
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { writeFileSafely } from '../../src/files.js';
import { serializeState } from '../../src/state/document.js';
import { LocalBackend } from '../../src/state/local.js';
import { newState } from '../../src/state/document.js';
import { tempDir } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('writing a file the user named', () => {
  it('refuses a directory, naming it, and leaves no temporary file', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'plans'));
    const e = await rejection(writeFileSafely(path.join(dir, 'plans'), '{}', 'the plan'));
    expect(e.message).toBe(`cannot write the plan to ${path.join(dir, 'plans')}: it is a directory`);
    expect(await readdir(dir)).toEqual(['plans']);
    expect(await readdir(path.join(dir, 'plans'))).toEqual([]);
  });

  it('refuses a missing parent directory, naming it', async () => {
    const dir = await tempDir();
    const e = await rejection(writeFileSafely(path.join(dir, 'nope/plan.json'), '{}', 'the plan'));
    expect(e.message).toBe(`cannot write the plan to ${path.join(dir, 'nope/plan.json')}: the directory ${path.join(dir, 'nope')} does not exist`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes through a symbolic link to a file: the link stays a link, the file gets the text', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'real.json'), 'old');
    await symlink('real.json', path.join(dir, 'link.json'));
    await writeFileSafely(path.join(dir, 'link.json'), 'new', 'the plan');
    expect((await lstat(path.join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dir, 'link.json'))).toBe('real.json');
    expect(await readFile(path.join(dir, 'real.json'), 'utf8')).toBe('new');
    expect((await readdir(dir)).sort()).toEqual(['link.json', 'real.json']);
  });

  it('writes straight into a pipe behind a link (like --out /dev/stdout), never replacing the link', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'pipe');
    await mkfifo(fifo);
    await symlink(fifo, path.join(dir, 'out'));
    const got = new Promise<string>((resolve) => {
      let s = '';
      createReadStream(fifo, 'utf8').on('data', (d) => (s += d)).on('end', () => resolve(s));
    });
    await writeFileSafely(path.join(dir, 'out'), 'through the pipe', 'the plan');
    expect(await got).toBe('through the pipe');
    expect((await lstat(path.join(dir, 'out'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a dangling link', async () => {
    const dir = await tempDir();
    await symlink('missing/target.json', path.join(dir, 'link.json'));
    const e = await rejection(writeFileSafely(path.join(dir, 'link.json'), '{}', 'the plan'));
    expect(e.message).toContain(`${path.join(dir, 'link.json')}: it is a symbolic link to missing/target.json, which does not exist`);
  });
});

describe('the local state path', () => {
  it('a directory where the state file should be is named, not a raw EISDIR', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'state.json'));
    const e = await rejection(new LocalBackend(path.join(dir, 'state.json')).read());
    expect(e.message).toBe(`cannot read the state at ${path.join(dir, 'state.json')}: it is a directory`);
  });

  it('a parent that is a file is named', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'notadir'), '');
    const b = new LocalBackend(path.join(dir, 'notadir/state.json'));
    const e = await rejection(b.lock('apply', 0));
    expect(e.message).toContain(path.join(dir, 'notadir'));
  });

  it('a state file that is a symbolic link is written through; the link survives every write', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'shared'));
    const first = newState();
    await writeFile(path.join(dir, 'shared/state.json'), serializeState(first));
    await symlink('shared/state.json', path.join(dir, 'state.json'));
    const b = new LocalBackend(path.join(dir, 'state.json'));
    const doc = (await b.read())!;
    await b.write({ ...doc, serial: 1 });
    await b.write({ ...doc, serial: 2 });
    expect((await lstat(path.join(dir, 'state.json'))).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(path.join(dir, 'shared/state.json'), 'utf8')).serial).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['shared', 'state.json', 'state.json.backup']);
  });
});

/** mkfifo(1): node:fs cannot make a named pipe. */
async function mkfifo(p: string): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [p]);
}

describe('plan --out', () => {
  it('a directory is refused before AWS is read, with the path named and nothing left behind', async () => {
    const { runCli } = await import('../config/cli-harness.js');
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'replication.yaml'),
      'version: 1\ndefaults: { region: us-east-1 }\nbuckets: { src-bucket: {}, dst-bucket: {} }\nroles: { r: { name: repl } }\n' +
        'replications: [{ source: src-bucket, role: r, rules: [{ id: all, destination: { bucket: dst-bucket } }] }]\n',
    );
    await mkdir(path.join(dir, 'out'));
    // Nothing listens at this endpoint: reaching AWS would fail differently.
    const r = await runCli(['plan', '-c', path.join(dir, 'replication.yaml'), '--out', path.join(dir, 'out'), '--endpoint-url', 'http://127.0.0.1:9', '--no-color'], {
      AWS_ACCESS_KEY_ID: 'AKIDPATHSTEST000',
      AWS_SECRET_ACCESS_KEY: 'paths-test',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: cannot write the plan to ${path.join(dir, 'out')}: it is a directory`);
    expect((await readdir(dir)).sort()).toEqual(['out', 'replication.yaml']);
    expect(await readdir(path.join(dir, 'out'))).toEqual([]);
  });
});
