/**
 * The state backend a configuration file names, for commands that need only
 * the state (force-unlock, state list/show/rm).
 *
 * The configuration is loaded with loadConfig like every other command. When
 * it has errors outside `state:` (a half-finished edit, a newer s3repl's
 * keys), these commands still work from the `state:` section alone: a stale
 * lock must be removable, and state inspectable, while the configuration is
 * being fixed. Errors in `state:` itself, or in the file as a whole (missing,
 * not YAML), are reported as diagnostics and stop the command.
 */
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFile } from 'node:fs/promises';
import type { AwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load.js';
import { DEFAULT_STATE_PATH } from '../config/resolve.js';
import type { Diagnostic, StateConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { backendFor } from '../state/index.js';
import type { StateBackend } from '../state/types.js';
import type { Output } from './output.js';

export async function stateBackendForConfig(configFile: string, aws: AwsClients, o: Output): Promise<StateBackend> {
  const configDir = path.dirname(path.resolve(configFile));
  const load = await loadConfig(configFile);
  if (load.config) return backendFor(load.config.state, { configDir, aws });

  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const blocking = errors.filter(aboutStateOrWholeFile);
  if (blocking.length > 0 || errors.length === 0) {
    for (const d of blocking) printDiagnostic(d, o);
    throw new UserError(
      `cannot tell where the state is: ${configFile} is not valid`,
      `Fix the ${blocking.length === 1 ? 'error' : 'errors'} above (s3repl validate -c ${configFile}).`,
    );
  }
  o.err(
    o.c.yellow(
      `warning: ${configFile} has ${errors.length} ${errors.length === 1 ? 'error' : 'errors'} (see s3repl validate); using its state: section, which is valid`,
    ),
  );
  return backendFor(await readStateSection(configFile), { configDir, aws });
}

/** A diagnostic that leaves the state location unknown. */
function aboutStateOrWholeFile(d: Diagnostic): boolean {
  if (d.line === 0 || d.rule === 'yaml-syntax') return true;
  const p = d.pointer;
  return p === undefined || p === '' || p === '/state' || p.startsWith('/state/');
}

function printDiagnostic(d: Diagnostic, o: Output): void {
  o.err(`${d.file}:${d.line}:${d.column}: ${o.c.red(`error[${d.rule}]`)}: ${d.message}`);
  if (d.hint) o.err(`  ${o.c.dim('hint:')} ${d.hint}`);
}

/** The `state:` section alone, when loadConfig found no error in it. Relative paths stay relative to the config's directory. */
async function readStateSection(configFile: string): Promise<StateConfig> {
  const doc = parseYaml(await readFile(configFile, 'utf8')) as { state?: Partial<Record<'backend' | 'path' | 'bucket' | 'key' | 'region', string>> } | null;
  const s = doc?.state ?? {};
  if (s.backend === 's3') return { backend: 's3', bucket: s.bucket ?? '', key: s.key ?? '', region: s.region ?? '' };
  return { backend: 'local', path: s.path ?? DEFAULT_STATE_PATH };
}
