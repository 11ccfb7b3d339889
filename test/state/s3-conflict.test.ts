/**
 * S3 answers 409 ConditionalRequestConflict (instead of 412) when another
 * conditional write to the same key is in flight. The emulator serialises
 * requests and never produces it, so this uses a scripted client.
 */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { S3Backend } from '../../src/state/s3.js';
import { StateLockedError, type LockInfo } from '../../src/state/types.js';

const HOLDER: LockInfo = {
  id: '6c1d1f0e-0000-4000-8000-000000000001',
  operation: 'apply',
  who: 'ci',
  host: 'runner-7',
  pid: 4242,
  created: '2026-01-01T00:00:00.000Z',
  s3replVersion: '0.1.0',
};

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** An AwsClients whose S3 client answers each command by name with the given handler. */
function scripted(handlers: Record<string, (input: Record<string, unknown>) => unknown>): { aws: AwsClients; sent: string[] } {
  const sent: string[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      sent.push(name);
      const h = handlers[name];
      if (!h) throw new Error(`unexpected ${name}`);
      return h(command.input);
    },
  };
  const aws = { s3: () => client, limit: <T>(fn: () => Promise<T>) => fn() } as unknown as AwsClients;
  return { aws, sent };
}

const lockBody = {
  Body: { transformToString: async () => JSON.stringify(HOLDER), transformToByteArray: async () => new TextEncoder().encode(JSON.stringify(HOLDER)) },
  ETag: '"abc"',
};

describe.each([
  ['409 ConditionalRequestConflict', sdkError('ConditionalRequestConflict', 409)],
  ['412 PreconditionFailed', sdkError('PreconditionFailed', 412)],
])('a lock PUT answered with %s', (_name, error) => {
  it('means locked: reads the lock object and names its holder', async () => {
    const { aws, sent } = scripted({
      PutObjectCommand: (input) => {
        expect(input.IfNoneMatch).toBe('*');
        throw error;
      },
      GetObjectCommand: () => lockBody,
    });
    const b = new S3Backend('state-bucket', 'prod/state.json', 'us-east-1', aws);
    const e = await b.lock('plan', 0).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateLockedError);
    expect((e as StateLockedError).holder).toEqual(HOLDER);
    expect((e as StateLockedError).message).toContain('ci@runner-7 (pid 4242)');
    expect(sent).toEqual(['PutObjectCommand', 'GetObjectCommand']);
  });
});

it('other errors on the lock PUT are not mistaken for a lock', async () => {
  const { aws } = scripted({
    PutObjectCommand: () => {
      throw sdkError('AccessDenied', 403);
    },
  });
  const b = new S3Backend('state-bucket', 'prod/state.json', 'us-east-1', aws);
  await expect(b.lock('plan', 0)).rejects.toThrow('AccessDenied');
});
