/**
 * The state backend a configuration file names, for commands that need only
 * the state (force-unlock, state list/show/rm). It reads nothing but the
 * `state:` section, so a configuration that is otherwise broken (mid-edit, or
 * from a newer s3repl) still lets you inspect state and remove a stale lock.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AwsClients } from '../aws/clients.js';
import type { StateConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { backendFor } from '../state/index.js';
import type { StateBackend } from '../state/types.js';

/** Where state lives when the configuration has no `state:` section (see the schema). */
export const DEFAULT_STATE_PATH = '.s3repl/state.json';

export async function readStateConfig(configFile: string): Promise<StateConfig> {
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`configuration file ${configFile} not found`, 'Pass the configuration with -c FILE; its `state:` section says where the state is.');
    }
    throw e;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UserError(`${configFile}: not valid YAML: ${(e as Error).message}`);
  }
  const state = (doc as { state?: unknown } | null | undefined)?.state;
  if (state === undefined || state === null) return { backend: 'local', path: DEFAULT_STATE_PATH };
  if (typeof state !== 'object' || Array.isArray(state)) throw new UserError(`${configFile}: \`state\` must be a mapping`);
  const s = state as Record<string, unknown>;
  const str = (k: string): string => {
    const v = s[k];
    if (typeof v !== 'string' || v === '') throw new UserError(`${configFile}: \`state.${k}\` must be a non-empty string for backend ${String(s.backend ?? 'local')}`);
    return v;
  };
  const backend = s.backend ?? 'local';
  if (backend === 'local') return { backend: 'local', path: s.path === undefined ? DEFAULT_STATE_PATH : str('path') };
  if (backend === 's3') return { backend: 's3', bucket: str('bucket'), key: str('key'), region: str('region') };
  throw new UserError(`${configFile}: \`state.backend\` must be local or s3, not ${JSON.stringify(backend)}`);
}

/** The backend for the configuration at `configFile`; a local path is relative to that file's directory. */
export async function stateBackendForConfig(configFile: string, aws: AwsClients): Promise<StateBackend> {
  const stateConfig = await readStateConfig(configFile);
  return backendFor(stateConfig, { configDir: path.dirname(path.resolve(configFile)), aws });
}
