import type { Clock, CloudWatchService, EmuRequest, EmuResponse } from './types.js';

function notImplemented(_req: EmuRequest): EmuResponse {
  return { status: 501, body: 'CloudWatch emulator: not implemented yet' };
}

export function createCloudWatch(_opts: { clock: Clock }): CloudWatchService {
  return {
    handle: notImplemented,
    throttled: () => ({ status: 400, body: 'Throttling' }),
    internalError: () => ({ status: 500, body: 'InternalServiceError' }),
    snapshot: () => ({}),
    restore: () => undefined,
    putMetricData: () => undefined,
  };
}
