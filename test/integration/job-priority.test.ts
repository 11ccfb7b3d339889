/**
 * A Batch Replication job's priority is read back while the job runs and
 * changed in place (UpdateJobPriority); a finished job reads back nothing that
 * could change, so a new priority waits for the next job.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeJobCommand } from '@aws-sdk/client-s3-control';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

const ACCOUNT = '111111111111';
const config = (priority: number) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  jp-src: { create: true }
  jp-dst: { region: us-west-2, create: true }
roles:
  replication: { name: jp-role }
jobs: { priority: ${priority} }
replications:
  - source: jp-src
    role: replication
    rules:
      - id: all
        destination: { bucket: jp-dst }
        existingObjects: replicate
`;

interface Change {
  address: string;
  action: string;
  before: Record<string, unknown> | null;
  changes: Array<{ path: string; before: unknown; after: unknown }>;
}

let emu: Emulator;
let cwd: string;
beforeEach(async () => {
  // Job steps slow enough that the backfill is still running when the next plan is made.
  emu = await startEmulator({ replicationDelayMs: 10, jobStepDelayMs: 60_000 });
  cwd = workdir(config(10));
  const applied = await runCli(['apply', '--auto-approve'], { cwd, endpoint: emu.url });
  expect(applied.code, applied.stderr).toBe(0);
});
afterEach(() => emu.stop());

const cli = (...args: string[]) => runCli(args, { cwd, endpoint: emu.url });
const jobChange = async (): Promise<Change> => {
  const r = await cli('plan', '--format', 'json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { changes: Change[] }).changes.find((c) => c.address === 'job.jp-src')!;
};

describe('a running Batch Replication job', () => {
  it('has its priority read back and changed in place', async () => {
    const before = await jobChange();
    expect(before.action).toBe('no-op');
    expect(before.before!.priority).toBe(10);

    writeFileSync(path.join(cwd, 'replication.yaml'), config(50));
    const change = await jobChange();
    expect(change.action).toBe('update');
    expect(change.changes).toEqual([expect.objectContaining({ path: 'priority', before: 10, after: 50 })]);
    const r = await cli('apply', '--auto-approve');
    expect(r.code, r.stderr).toBe(0);
    const jobId = String(change.before!.jobId);
    const described = await clients(emu.url).s3control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
    expect(described.Job?.Priority).toBe(50);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('once finished, reads back no priority: a new one changes nothing', async () => {
    emu.drain();
    writeFileSync(path.join(cwd, 'replication.yaml'), config(50));
    const change = await jobChange();
    expect(change.before!.priority).toBeUndefined();
    expect(change.action).toBe('no-op');
  });
});
