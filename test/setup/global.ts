/**
 * Vitest global setup: every test run gets a temporary folder of its own,
 * handed to the test processes as TMPDIR (os.tmpdir() reads it), and removes
 * it when the run ends, so the folders tests make with mkdtemp (working
 * directories, fake homes, state files) never pile up in the system's /tmp.
 *
 * It also turns off the AWS SDK's notice about Node 20 support ending, which
 * tests that create SDK clients in-process would otherwise print; the CLI
 * turns it off for itself in main.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(tmpdir(), 's3repl-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
