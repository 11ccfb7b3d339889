/**
 * What plan, apply, destroy and drift share: the loaded configuration (errors
 * reported as diagnostics, never stack traces), AWS clients, the state backend.
 */
import * as path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load.js';
import type { Config, LoadResult } from '../config/types.js';
import { UserError } from '../errors.js';
import { backendFor } from '../state/index.js';
import type { StateBackend } from '../state/types.js';
import { awsFor } from './aws.js';
import { outputFor, type GlobalArgs } from './common.js';
import type { Output } from './output.js';
import { formatDiagnostic } from './commands/validate.js';

export interface Workspace {
  o: Output;
  aws: AwsClients;
  configPath: string;
  load: LoadResult;
  config: Config;
  backend: StateBackend;
}

export async function openWorkspace(argv: GlobalArgs): Promise<Workspace> {
  const o = outputFor(argv);
  const configPath = argv.config;
  const load = await loadConfig(configPath);
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const unreadable = errors.find((d) => d.rule === 'config-not-found' || d.rule === 'config-unreadable');
  if (unreadable) throw new UserError(unreadable.message, unreadable.hint);
  if (errors.length || !load.config) {
    for (const d of errors) o.err(formatDiagnostic(d, o));
    throw new UserError(
      `${configPath} is not valid (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`,
      `run s3repl validate -c ${configPath}`,
    );
  }
  const aws = awsFor(argv);
  const backend = backendFor(load.config.state, {
    configDir: path.dirname(path.resolve(configPath)),
    aws,
    onWarning: (m) => o.err(`${o.c.yellow('Warning:')} ${m}`),
  });
  return { o, aws, configPath, load, config: load.config, backend };
}
