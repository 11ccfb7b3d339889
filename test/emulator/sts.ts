/**
 * STS emulator (AWS query protocol, version 2011-06-15): GetCallerIdentity,
 * answering for the account the core selected from the access key.
 */
import { createHash } from 'node:crypto';
import { AwsError, dispatchQuery, newRequestId, queryErrorResponse } from './query-protocol.js';
import type { Clock, EmuRequest, EmuResponse, ServiceModule } from './types.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const XML_OPTS = { millis: false };

/** A stable IAM user id (AIDA + 17 characters) for the emulator's user in an account. */
function userIdFor(accountId: string): string {
  const digest = createHash('sha256').update(`user/emulator@${accountId}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] ?? 0) % alphabet.length];
  return id;
}

export function createSts(_opts: { clock: Clock }): ServiceModule {
  const actions = {
    GetCallerIdentity: (_tree: unknown, req: EmuRequest) => ({
      UserId: userIdFor(req.accountId),
      Account: req.accountId,
      Arn: `arn:aws:iam::${req.accountId}:user/emulator`,
    }),
  };
  return {
    handle: (req: EmuRequest): Promise<EmuResponse> => dispatchQuery(req, XMLNS, XML_OPTS, '2011-06-15', actions),
    throttled: () => queryErrorResponse(new AwsError('Throttling', 400, 'Rate exceeded'), XMLNS, newRequestId()),
    internalError: () =>
      queryErrorResponse(
        new AwsError('InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.'),
        XMLNS,
        newRequestId(),
      ),
    snapshot: () => ({}),
    restore: () => undefined,
  };
}
