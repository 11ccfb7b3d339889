/**
 * What plan, apply, destroy and drift share: the loaded configuration (errors
 * reported as diagnostics, never stack traces), AWS clients, the state backend.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
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
  /** SHA-256 of the configuration file's bytes. */
  configSha256: string;
  config: Config;
  backend: StateBackend;
}

export async function openWorkspace(argv: GlobalArgs): Promise<Workspace> {
  const o = outputFor(argv);
  const configPath = argv.config;
  const load = await loadConfig(configPath);
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const unreadable = errors.find((d) => d.rule === 'config-not-found' || d.rule === 'config-unreadable' || d.rule === 'config-too-large');
  if (unreadable) throw new UserError(unreadable.message, unreadable.hint);
  if (errors.length || !load.config) {
    for (const d of errors) o.err(formatDiagnostic(d, o));
    throw new UserError(
      `${configPath} is not valid (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`,
      `run s3repl validate -c ${configPath}`,
    );
  }
  const aws = awsFor(argv, { allowUnknownRegions: load.config.defaults.allowUnknownRegions });
  aws.setAccountAccess(load.config.accounts);
  const backend = backendFor(load.config.state, {
    configDir: path.dirname(path.resolve(configPath)),
    aws,
    onWarning: (m) => o.err(`${o.c.yellow('Warning:')} ${m}`),
  });
  // Not the load result: its positions hold the file's text, which a plan no longer needs.
  return { o, aws, configPath, configSha256: load.sha256, config: load.config, backend };
}

/**
 * The lineage a state created by this workspace gets. Derived from the account,
 * the configuration's content and where its state lives, so that plans made
 * before any state exists are the same on every run (a pull-request comment
 * does not change with a random id), while two configurations, or two state
 * locations, never share a lineage. Formatted as a UUID (version 8: custom).
 */
export async function newStateLineage(ws: Workspace): Promise<string> {
  const account = await ws.aws.accountId();
  const h = createHash('sha256').update(`s3repl-lineage\n${account}\n${ws.configSha256}\n${JSON.stringify(ws.config.state)}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
