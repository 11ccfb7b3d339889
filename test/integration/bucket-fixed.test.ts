/**
 * What a bucket cannot change once it exists, end to end against the emulator:
 * Object Lock is read back, can be turned on in place and never off (the plan
 * refuses, saying why), and a bucket's Region is fixed (the plan refuses to
 * treat a bucket in another Region as the one configured).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const config = (o: { lock: boolean; region?: string }) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  bf-src: { create: true }
  bf-dst: { region: ${o.region ?? 'us-west-2'}, create: true, objectLock: ${o.lock} }
roles:
  replication: { name: bf-role }
replications:
  - source: bf-src
    role: replication
    rules:
      - id: all
        destination: { bucket: bf-dst }
`;

let emu: Emulator;
let cwd: string;
beforeEach(async () => {
  emu = await startEmulator({ replicationDelayMs: 10 });
  cwd = workdir(config({ lock: false }));
  const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
  expect(applied.code, applied.stderr).toBe(0);
});
afterEach(() => emu.stop());

const cli = (...args: string[]) => runCli(args, { cwd, endpoint: emu.url });
const edit = (o: { lock: boolean; region?: string }) => writeFileSync(path.join(cwd, 'replication.yaml'), config(o));

interface Change {
  address: string;
  action: string;
  before: Record<string, unknown> | null;
  changes: Array<{ path: string; before: unknown; after: unknown }>;
}

describe('a bucket s3repl creates', () => {
  it('Object Lock is read back, turned on in place, and never turned off', async () => {
    const plan0 = await cli('plan', '--format', 'json');
    const bucket0 = (JSON.parse(plan0.stdout) as { changes: Change[] }).changes.find((c) => c.address === 'bucket.bf-dst')!;
    expect(bucket0.action).toBe('no-op');
    expect(bucket0.before!.objectLock).toBe(false);

    edit({ lock: true });
    const plan = await cli('plan', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(0);
    const bucket = (JSON.parse(plan.stdout) as { changes: Change[] }).changes.find((c) => c.address === 'bucket.bf-dst')!;
    expect(bucket.action).toBe('update');
    expect(bucket.changes).toEqual([expect.objectContaining({ path: 'objectLock', before: false, after: true })]);
    const applied = await cli('apply', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    const west = clients(emu.url, 'us-west-2');
    expect((await west.s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'bf-dst' }))).ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);

    edit({ lock: false });
    const refused = await cli('plan');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bucket s3://bf-dst (us-west-2): objectLock cannot be changed once it exists');
    expect(refused.stderr).toContain('S3 Object Lock cannot be turned off once a bucket has it');
    expect(refused.stderr).toContain('s3repl never deletes a bucket');
  });

  it("its Region is fixed: a configuration naming another Region is refused, naming the bucket's Region", async () => {
    edit({ lock: false, region: 'eu-west-1' });
    const r = await cli('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bucket bf-dst is in us-west-2, but the configuration says eu-west-1');
    expect(r.stderr).toContain('buckets.bf-dst.region: us-west-2');
  });
});
