/**
 * Request conformance across the whole run: every CLI process the tests start
 * (test/helpers/cli.ts) loads register.mjs, which checks each AWS request
 * against AWS's API models and logs it under the directory made here. At the
 * end, any request that did not conform fails the run, with what was wrong.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CONFORMANCE_DIR_ENV = 'S3REPL_CONFORMANCE_DIR';

interface Entry {
  service: string;
  operation: string;
  violations: string[];
}

export function readConformanceLogs(dir: string): Entry[] {
  const out: Entry[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.trim()) out.push(JSON.parse(line) as Entry);
  }
  return out;
}

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 's3repl-conformance-'));
  process.env[CONFORMANCE_DIR_ENV] = dir;
  return () => {
    const entries = readConformanceLogs(dir);
    rmSync(dir, { recursive: true, force: true });
    const bad = entries.filter((e) => e.violations.length > 0);
    if (entries.length > 0) console.log(`request conformance: ${entries.length} AWS requests from CLI runs checked against AWS's API models`);
    if (bad.length > 0) {
      // An error thrown here is printed but does not change vitest's exit code.
      process.exitCode = 1;
      const lines = bad.map((e) => `${e.service}:${e.operation}\n    ${e.violations.join('\n    ')}`);
      throw new Error(`request conformance: ${bad.length} of ${entries.length} AWS requests sent by s3repl do not match AWS's API models:\n  ${lines.join('\n  ')}`);
    }
  };
}
