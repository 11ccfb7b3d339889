/** Picks the state backend a configuration names. */
import * as path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import type { StateConfig } from '../config/types.js';
import { LocalBackend } from './local.js';
import { S3Backend } from './s3.js';
import type { StateBackend } from './types.js';

export { LocalBackend } from './local.js';
export { S3Backend } from './s3.js';
export { StateSession, type SessionOptions } from './session.js';
export { newState, parseState, serializeState, stateEquals } from './document.js';
export * from './types.js';

/** A local path is relative to the directory of the configuration file. */
export function backendFor(
  stateConfig: StateConfig,
  opts: { configDir: string; aws: AwsClients; onWarning?: (message: string) => void },
): StateBackend {
  switch (stateConfig.backend) {
    case 'local':
      return new LocalBackend(path.resolve(opts.configDir, stateConfig.path), { onWarning: opts.onWarning });
    case 's3':
      return new S3Backend(stateConfig.bucket, stateConfig.key, stateConfig.region, opts.aws);
  }
}
