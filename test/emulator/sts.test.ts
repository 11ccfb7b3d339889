import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT_A, ACCOUNT_B, clientConfig, expectAwsError } from './query-protocol-testkit.js';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu.stop();
});

describe('STS GetCallerIdentity', () => {
  it('answers for the account the access key selects', async () => {
    for (const account of [ACCOUNT_A, ACCOUNT_B]) {
      const sts = new STSClient(clientConfig(emu.url, account));
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me.Account).toBe(account);
      expect(me.Arn).toBe(`arn:aws:iam::${account}:user/emulator`);
      expect(me.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
      sts.destroy();
    }
  });

  it('gives each account its own stable user id', async () => {
    const a = new STSClient(clientConfig(emu.url, ACCOUNT_A));
    const b = new STSClient(clientConfig(emu.url, ACCOUNT_B));
    const [a1, a2, b1] = await Promise.all([a.send(new GetCallerIdentityCommand({})), a.send(new GetCallerIdentityCommand({})), b.send(new GetCallerIdentityCommand({}))]);
    expect(a1.UserId).toBe(a2.UserId);
    expect(a1.UserId).not.toBe(b1.UserId);
    a.destroy();
    b.destroy();
  });

  it('throttles with Throttling 400 and fails with InternalFailure 500 in the query format', async () => {
    const sts = new STSClient(clientConfig(emu.url));
    emu.setFaults({ throttleRate: 1, targets: ['sts:*'] });
    await expectAwsError(sts.send(new GetCallerIdentityCommand({})), { name: 'Throttling', code: 'Throttling', status: 400, message: 'Rate exceeded' });
    emu.setFaults({ throttleRate: 0, internalErrorRate: 1, targets: ['sts:*'] });
    await expectAwsError(sts.send(new GetCallerIdentityCommand({})), { name: 'InternalFailure', code: 'InternalFailure', status: 500 });
    emu.setFaults({ internalErrorRate: 0 });
    sts.destroy();
  });
});
