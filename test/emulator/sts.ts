/**
 * STS emulator (AWS query protocol, version 2011-06-15): GetCallerIdentity,
 * answering for the account the core selected from the access key, and
 * AssumeRole (sts-assume-role.ts), whose credentials then act in the role's
 * account.
 */
import { createHash } from 'node:crypto';
import { AwsError, dispatchQuery, newRequestId, queryErrorResponse } from './query-protocol.js';
import { SessionStore, type Session } from './sts-assume-role.js';
import type { Clock, EmuRequest, EmuResponse, IamService, ServiceModule } from './types.js';

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

export interface StsService extends ServiceModule {
  /** The assumed-role session an access key id belongs to (credentials AssumeRole issued and not expired). */
  session(accessKeyId: string): Session | undefined;
}

export function createSts(opts: { clock: Clock; iam: IamService }): StsService {
  const sessions = new SessionStore(opts.iam, opts.clock);
  const actions = {
    GetCallerIdentity: (_tree: unknown, req: EmuRequest) => {
      const s = sessions.find(req.accessKeyId);
      if (s) return { UserId: s.userId, Account: s.accountId, Arn: s.arn };
      return { UserId: userIdFor(req.accountId), Account: req.accountId, Arn: `arn:aws:iam::${req.accountId}:user/emulator` };
    },
    AssumeRole: (tree: Record<string, unknown>, req: EmuRequest) => sessions.assumeRole(tree, req),
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
    snapshot: () => ({ sessions: sessions.snapshot() }),
    restore: (snap: unknown) => sessions.restore((snap as { sessions?: Session[] } | null)?.sessions ?? []),
    session: (accessKeyId) => sessions.find(accessKeyId),
  };
}
