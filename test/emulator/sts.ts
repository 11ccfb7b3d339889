import type { Clock, EmuRequest, EmuResponse, ServiceModule } from './types.js';

function notImplemented(_req: EmuRequest): EmuResponse {
  return { status: 501, body: 'STS emulator: not implemented yet' };
}

export function createSts(_opts: { clock: Clock }): ServiceModule {
  return {
    handle: notImplemented,
    throttled: () => ({ status: 400, body: 'Throttling' }),
    internalError: () => ({ status: 500, body: 'InternalFailure' }),
    snapshot: () => ({}),
    restore: () => undefined,
  };
}
