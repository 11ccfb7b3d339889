/**
 * The S3 backend against the local emulator, through the real SDK over HTTP:
 * lock contention via If-None-Match, lost-update detection via If-Match, the
 * backup object, and the CLI reading state from S3.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { main } from '../../src/cli/app.js';
import { UserError } from '../../src/errors.js';
import { newState, serializeState } from '../../src/state/document.js';
import { S3Backend } from '../../src/state/s3.js';
import { StateSession } from '../../src/state/session.js';
import { StateLockedError, type StateDocument } from '../../src/state/types.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { deferred, resource } from './helpers.js';

const REGION = 'us-east-1';
const BUCKET = 's3repl-state-test';
let emu: Emulator;
let aws: AwsClients;
let n = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emu = await startEmulator();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDSTATETEST000';
  process.env.AWS_SECRET_ACCESS_KEY = 'state-test-secret-key-0000';
  delete process.env.AWS_PROFILE;
  aws = new AwsClients({ endpointUrl: emu.url, region: REGION, maxAttempts: 2 });
  await aws.s3(REGION).send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  aws?.destroy();
  await emu?.stop();
  process.env = savedEnv;
});

/** A fresh key per test, so tests share one bucket without sharing state. */
function backend(key = `env/t${++n}/state.json`): S3Backend {
  return new S3Backend(BUCKET, key, REGION, aws);
}

async function rawObject(key: string): Promise<string | null> {
  try {
    const r = await aws.s3(REGION).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return (await r.Body?.transformToString()) ?? '';
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return null;
    throw e;
  }
}

function stateWith(...addresses: string[]): StateDocument {
  const d = newState();
  for (const a of addresses) d.resources[a] = resource(a);
  return d;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('S3Backend state object', () => {
  it('reads null when absent; writes the stable text; reads it back', async () => {
    const b = backend();
    expect(b.describe()).toBe(`s3://${BUCKET}/${b.key}`);
    expect(await b.read()).toBeNull();
    const d = stateWith('bucket.a', 'role.r');
    await b.write(d);
    expect(await rawObject(b.key)).toBe(serializeState(d));
    expect(await backend(b.key).read()).toEqual(d);
  });

  it('copies the version it replaces to <key>.backup', async () => {
    const b = backend();
    await b.read();
    const first = stateWith('bucket.a');
    await b.write(first);
    expect(await rawObject(`${b.key}.backup`)).toBeNull();
    const second = { ...first, serial: 2, resources: { ...first.resources, ...stateWith('bucket.b').resources } };
    await b.write(second);
    expect(await rawObject(`${b.key}.backup`)).toBe(serializeState(first));
    expect(await rawObject(b.key)).toBe(serializeState(second));
  });

  it('detects a concurrent writer (If-Match) and does not overwrite it', async () => {
    const a = backend();
    await a.write(stateWith('bucket.a'));
    const b = backend(a.key);
    const seenByA = await a.read();
    const seenByB = await b.read();
    await b.write({ ...seenByB!, serial: 2, resources: { ...seenByB!.resources, ...stateWith('bucket.b').resources } });
    const bText = await rawObject(a.key);
    const e = await errorOf(a.write({ ...seenByA!, serial: 2 }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('changed underneath');
    expect(e.message).toContain(`s3://${BUCKET}/${a.key}`);
    expect(await rawObject(a.key)).toBe(bText);
  });

  it('two runs creating the first state: the second is refused (If-None-Match)', async () => {
    const a = backend();
    const b = backend(a.key);
    expect(await a.read()).toBeNull();
    expect(await b.read()).toBeNull();
    const winner = stateWith('bucket.a');
    await a.write(winner);
    const e = await errorOf(b.write(stateWith('bucket.b')));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('changed underneath');
    expect(await rawObject(a.key)).toBe(serializeState(winner));
  });

  it('refuses a corrupt object and leaves it untouched', async () => {
    const b = backend();
    await aws.s3(REGION).send(new PutObjectCommand({ Bucket: BUCKET, Key: b.key, Body: '{"formatVersion": 1, "lin' }));
    const e = await errorOf(StateSession.open(b, { lock: { operation: 'apply', timeoutMs: 0 } }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain(`s3://${BUCKET}/${b.key}`);
    expect((e as UserError).hint).toContain(`s3://${BUCKET}/${b.key}.backup`);
    expect(await rawObject(b.key)).toBe('{"formatVersion": 1, "lin');
    expect(await rawObject(`${b.key}.lock`)).toBeNull();
  });
});

describe('S3Backend lock', () => {
  it('writes LockInfo to <key>.lock; a second locker fails fast naming the holder', async () => {
    const a = backend();
    const lock = await a.lock('apply', 0);
    expect(JSON.parse((await rawObject(`${a.key}.lock`))!)).toEqual(lock);
    const e = await errorOf(backend(a.key).lock('plan', 0));
    expect(e).toBeInstanceOf(StateLockedError);
    expect((e as StateLockedError).holder).toEqual(lock);
    expect(e.message).toContain(`s3://${BUCKET}/${a.key}.lock`);
    expect(e.message).toContain('"apply"');
    await a.unlock(lock);
    expect(await rawObject(`${a.key}.lock`)).toBeNull();
    const again = await backend(a.key).lock('plan', 0);
    expect(again.operation).toBe('plan');
  });

  it('with a timeout, waits and takes the lock once it is released', async () => {
    const holder = backend();
    const held = await holder.lock('apply', 0);
    const waiter = backend(holder.key);
    const polled = deferred();
    const readLock = waiter.readLock.bind(waiter);
    waiter.readLock = async () => {
      const r = await readLock();
      if (r) polled.resolve();
      return r;
    };
    const taking = waiter.lock('apply', 60_000);
    await polled.promise;
    await holder.unlock(held);
    const got = await taking;
    expect(JSON.parse((await rawObject(`${holder.key}.lock`))!)).toEqual(got);
  });

  it('unlock and forceUnlock check the id', async () => {
    const b = backend();
    expect((await errorOf(b.forceUnlock('x'))).message).toContain('not locked');
    const lock = await b.lock('apply', 0);
    const e1 = await errorOf(b.unlock({ ...lock, id: 'someone-else' }));
    expect(e1).toBeInstanceOf(UserError);
    const e2 = await errorOf(b.forceUnlock('wrong-id'));
    expect(e2.message).toContain(`lock id ${lock.id}`);
    expect(await rawObject(`${b.key}.lock`)).not.toBeNull();
    await b.forceUnlock(lock.id);
    expect(await rawObject(`${b.key}.lock`)).toBeNull();
  });

  it('a StateSession over S3: locked while open, group-committed writes, unlocked on close', async () => {
    const b = backend();
    const s = await StateSession.open(b, { lock: { operation: 'apply', timeoutMs: 0 } });
    await expect(StateSession.open(backend(b.key), { lock: { operation: 'apply', timeoutMs: 0 } })).rejects.toBeInstanceOf(StateLockedError);
    const writes = vi.spyOn(b, 'write');
    const calls = Array.from({ length: 10 }, (_, i) => {
      s.put(resource(`bucket.b${i}`));
      return s.persist();
    });
    await Promise.all(calls);
    expect(writes.mock.calls.length).toBeLessThan(10);
    await s.close();
    const read = await backend(b.key).read();
    expect(Object.keys(read!.resources)).toHaveLength(10);
    expect(read!.serial).toBe(writes.mock.calls.length);
    expect(await rawObject(`${b.key}.lock`)).toBeNull();
    const text = [await rawObject(b.key), await rawObject(`${b.key}.backup`)].join('');
    expect(text).not.toContain(process.env.AWS_SECRET_ACCESS_KEY);
  });
});

describe('state commands with an S3 backend', () => {
  let stdout = '';
  let stderr = '';
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('state list / rm / force-unlock find the state through the config', async () => {
    const key = `cli/t${++n}/state.json`;
    const b = backend(key);
    await b.write(stateWith('bucket.a', 'role.r'));
    const dir = await mkdtemp(path.join(tmpdir(), 's3repl-s3cli-'));
    const config = path.join(dir, 'replication.yaml');
    await writeFile(
      config,
      `version: 1\nstate: { backend: s3, bucket: ${BUCKET}, key: ${key}, region: ${REGION} }\ndefaults: { region: us-east-1 }\n` +
        `buckets: { src-bucket-1: {}, dst-bucket-1: {} }\nroles: { r: { name: r } }\n` +
        `replications: [{ source: src-bucket-1, role: r, rules: [{ id: all, destination: { bucket: dst-bucket-1 } }] }]\n`,
    );
    const common = ['-c', config, '--endpoint-url', emu.url, '--no-color'];
    expect(await main(['state', 'list', ...common])).toBe(0);
    expect(stdout).toContain('bucket.a');
    expect(stdout).toContain('role.r');

    const held = await backend(key).lock('apply', 0);
    stderr = '';
    expect(await main(['state', 'rm', 'role.r', ...common])).toBe(1);
    expect(stderr).toContain(held.id);
    expect(await main(['force-unlock', held.id, '--force', ...common])).toBe(0);
    expect(await main(['state', 'rm', 'role.r', ...common])).toBe(0);
    const after = await backend(key).read();
    expect(Object.keys(after!.resources)).toEqual(['bucket.a']);
    expect(after!.serial).toBe(1);
  });
});
