import type { EmuRequest, EmuResponse, IamOptions, IamService } from './types.js';

function notImplemented(_req: EmuRequest): EmuResponse {
  return { status: 501, body: 'IAM emulator: not implemented yet' };
}

export function createIam(_opts: IamOptions): IamService {
  return {
    handle: notImplemented,
    throttled: () => ({ status: 400, body: 'Throttling' }),
    internalError: () => ({ status: 500, body: 'ServiceFailure' }),
    snapshot: () => ({}),
    restore: () => undefined,
    isRoleUsable: () => false,
    roleExists: () => false,
    rolePolicyDocuments: () => [],
    roleTrustPolicy: () => null,
  };
}
