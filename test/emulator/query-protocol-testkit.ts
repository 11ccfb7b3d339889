/** Test helpers shared by the IAM, CloudWatch and STS emulator tests. */
import { expect } from 'vitest';

export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';

/** Client options for the emulator: the access key id picks the account. */
export function clientConfig(endpoint: string, accountId = ACCOUNT_A, region = 'us-east-1') {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: accountId, secretAccessKey: 'emulator-secret' },
    maxAttempts: 1,
  };
}

interface SdkError {
  name: string;
  message: string;
  Code?: string;
  $metadata: { httpStatusCode?: number };
}

/**
 * Awaits a call that must fail, and checks the SDK-visible error name, the
 * AWS error code (for query-compatible errors the SDK keeps it in `Code`),
 * the HTTP status and optionally the message.
 */
export async function expectAwsError(
  call: Promise<unknown>,
  expected: { name: string; code?: string; status: number; message?: string | RegExp },
): Promise<SdkError> {
  let caught: unknown;
  try {
    await call;
  } catch (e) {
    caught = e;
  }
  expect(caught, 'the call should have failed').toBeInstanceOf(Error);
  const err = caught as SdkError;
  expect(err.name).toBe(expected.name);
  expect(err.$metadata.httpStatusCode).toBe(expected.status);
  if (expected.code !== undefined) expect(err.Code).toBe(expected.code);
  if (typeof expected.message === 'string') expect(err.message).toBe(expected.message);
  else if (expected.message instanceof RegExp) expect(err.message).toMatch(expected.message);
  return err;
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2030, 0, 15, 12, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
