/**
 * Commands are loaded only when named (src/cli/commands/index.ts), so that
 * `--help` and `validate` start without the AWS SDK. These run the built CLI
 * with a preload that reports, on exit, which SDK modules were loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandName, commands } from '../../src/cli/commands/index.js';
import { BIN, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's3repl-lazy-'));
const preload = path.join(dir, 'report-sdk.mjs');
writeFileSync(
  preload,
  [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    "process.on('exit', () => {",
    "  const sdk = Object.keys(require.cache).filter((k) => k.includes(`${'/node_modules/'}@aws-sdk/`));",
    "  process.stderr.write(`\\nSDK modules loaded: ${sdk.length}\\n`);",
    "  const yaml = Object.keys(require.cache).filter((k) => k.includes(`${'/node_modules/'}yaml/`));",
    "  process.stderr.write(`\\nyaml modules loaded: ${yaml.length}\\n`);",
    '});',
  ].join('\n'),
);

function sdkModulesLoaded(args: string[]): { count: number; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const m = /SDK modules loaded: (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no report from the preload: ${r.stderr}`);
  return { count: Number(m[1]), status: r.status };
}

/** How many modules of the full YAML parser (the `yaml` package) a run loaded. */
function yamlModulesLoaded(args: string[], cwd = ROOT): number {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  const m = /yaml modules loaded: (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no report from the preload: ${r.stderr}`);
  return Number(m[1]);
}

describe('lazy command loading', () => {
  it('validate of a valid file does not load the full YAML parser; a problem to locate does', () => {
    expect(yamlModulesLoaded(['validate', '-c', 'replication.yaml'])).toBe(0);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nbuckets:\n  a: { create: maybe }\n');
    expect(yamlModulesLoaded(['validate', '-c', bad])).toBeGreaterThan(0);
  });

  it('--help and validate do not load the AWS SDK', () => {
    expect(sdkModulesLoaded(['--help'])).toEqual({ count: 0, status: 0 });
    expect(sdkModulesLoaded(['validate', '-c', 'replication.yaml'])).toEqual({ count: 0, status: 0 });
    expect(sdkModulesLoaded(['validate', '--help'])).toEqual({ count: 0, status: 0 });
  });

  it('a command that calls AWS loads it (so the check above can see it)', () => {
    // No credentials or endpoint needed: loading the module is enough, whatever the run does next.
    expect(sdkModulesLoaded(['plan', '--help']).count).toBeGreaterThan(0);
  });

  it("the registry's names and descriptions are the modules' own", async () => {
    for (const entry of commands) {
      const module = await entry.load();
      expect({ command: module.command, describe: module.describe }).toEqual({ command: entry.command, describe: entry.describe });
    }
    expect(new Set(commands.map(commandName)).size).toBe(commands.length);
  });
});
