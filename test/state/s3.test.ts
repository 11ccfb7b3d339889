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
import type { StateDocument } from '../../src/state/types.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { backendConformance } from './conformance.js';
import { resource } from './helpers.js';

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

backendConformance('S3Backend', async () => {
  const key = `env/t${++n}/state.json`;
  return {
    backend: () => backend(key),
    raw: (suffix) => rawObject(key + suffix),
    putRaw: async (suffix, text) => {
      await aws.s3(REGION).send(new PutObjectCommand({ Bucket: BUCKET, Key: key + suffix, Body: text }));
    },
  };
});

describe('S3Backend state object', () => {
  it('is described as s3://bucket/key', () => {
    const b = backend();
    expect(b.describe()).toBe(`s3://${BUCKET}/${b.key}`);
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
