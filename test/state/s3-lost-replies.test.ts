/**
 * The S3 backend when replies are lost on the way back (the request reached S3,
 * the answer did not, and the SDK retried), and after another run broke the
 * lock: the run never mistakes its own lock for someone else's, never reports
 * its own write as a conflict, and never overwrites a newer state.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { UserError } from '../../src/errors.js';
import { newState, serializeState } from '../../src/state/document.js';
import { S3Backend } from '../../src/state/s3.js';
import { StateSession } from '../../src/state/session.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { startLossyProxy, type LossyProxy } from '../helpers/lossy-proxy.js';
import { resource } from './helpers.js';

const REGION = 'us-east-1';
const BUCKET = 's3repl-lost-replies';
let emu: Emulator;
let proxy: LossyProxy;
let direct: AwsClients;
let lossy: AwsClients;
let n = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emu = await startEmulator();
  proxy = await startLossyProxy(emu.url);
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOSTREPLY000';
  process.env.AWS_SECRET_ACCESS_KEY = 'lost-reply-secret-0000';
  delete process.env.AWS_PROFILE;
  direct = new AwsClients({ endpointUrl: emu.url, region: REGION, maxAttempts: 1 });
  lossy = new AwsClients({ endpointUrl: proxy.url, region: REGION, maxAttempts: 3 });
  await direct.s3(REGION).send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  lossy?.destroy();
  direct?.destroy();
  await proxy?.stop();
  await emu?.stop();
  process.env = savedEnv;
});

const nextKey = () => `lost/t${++n}/state.json`;

async function raw(key: string): Promise<string | null> {
  try {
    const r = await direct.s3(REGION).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return (await r.Body?.transformToString()) ?? '';
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return null;
    throw e;
  }
}

const isPut = (key: string) => (r: { method: string; path: string }) => r.method === 'PUT' && r.path.split('?')[0] === `/${BUCKET}/${key}`;

describe('S3 backend under lost replies', () => {
  it('takes the lock when the reply to its lock PUT is lost and the retry finds its own lock', async () => {
    const key = nextKey();
    proxy.dropNext(isPut(`${key}.lock`));
    const b = new S3Backend(BUCKET, key, REGION, lossy);
    const lock = await b.lock('apply', 0);
    expect(proxy.dropped.some(isPut(`${key}.lock`))).toBe(true);
    expect(JSON.parse((await raw(`${key}.lock`))!).id).toBe(lock.id);
    await b.unlock(lock);
    expect(await raw(`${key}.lock`)).toBeNull();
  });

  it('a session whose lock reply was lost still runs and leaves no lock behind', async () => {
    const key = nextKey();
    proxy.dropNext(isPut(`${key}.lock`));
    const b = new S3Backend(BUCKET, key, REGION, lossy);
    const s = await StateSession.open(b, { lock: { operation: 'apply', timeoutMs: 0 } });
    s.put(resource('bucket.a'));
    await s.close();
    expect(await raw(`${key}.lock`)).toBeNull();
    expect(Object.keys(JSON.parse((await raw(key))!).resources)).toEqual(['bucket.a']);
  });

  it('counts a state write whose reply was lost as written, and keeps writing after it', async () => {
    const key = nextKey();
    const b = new S3Backend(BUCKET, key, REGION, lossy);
    const s = await StateSession.open(b, { lock: { operation: 'apply', timeoutMs: 0 } });
    s.put(resource('bucket.a'));
    proxy.dropNext(isPut(key)); // the first state PUT (If-None-Match: *)
    await s.persist();
    s.put(resource('bucket.b'));
    proxy.dropNext(isPut(key)); // an update (If-Match)
    await s.persist();
    s.put(resource('bucket.c'));
    await s.close();
    const doc = JSON.parse((await raw(key))!);
    expect(Object.keys(doc.resources)).toEqual(['bucket.a', 'bucket.b', 'bucket.c']);
    expect(doc.serial).toBe(3);
    expect(proxy.dropped.filter(isPut(key))).toHaveLength(2);
  });
});

describe('S3 backend after its lock was broken', () => {
  it('never overwrites the state another run wrote: the conflict holds for every later write, close included', async () => {
    const key = nextKey();
    const seed = newState();
    seed.resources['bucket.a'] = resource('bucket.a');
    seed.resources['role.r'] = resource('role.r');
    await new S3Backend(BUCKET, key, REGION, direct).write(seed);

    // Run A holds the lock and has read the state.
    const a = await StateSession.open(new S3Backend(BUCKET, key, REGION, direct), { lock: { operation: 'apply', timeoutMs: 0 } });
    // Run B force-unlocks it and forgets role.r (state rm).
    const bBackend = new S3Backend(BUCKET, key, REGION, direct);
    await bBackend.forceUnlock(a.lockInfo!.id);
    const b = await StateSession.open(bBackend, { lock: { operation: 'state rm', timeoutMs: 0 } });
    b.remove('role.r');
    await b.close();
    const written = await raw(key);

    a.put(resource('bucket.z'));
    const first = await a.persist().then(() => null, (e: unknown) => e);
    expect(first).toBeInstanceOf(UserError);
    expect((first as Error).message).toContain('changed underneath');
    // A retry and the final flush are refused the same way: B's state stands.
    await expect(a.persist()).rejects.toBeInstanceOf(UserError);
    await expect(a.close()).rejects.toBeInstanceOf(UserError);
    expect(await raw(key)).toBe(written);
    expect(Object.keys(JSON.parse(written!).resources)).toEqual(['bucket.a']);
    expect(written).not.toBe(serializeState(seed));
  });
});
