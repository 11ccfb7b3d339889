/**
 * What the reliability scenarios share: a configuration with every kind of
 * resource, the two state backends, and the checks every scenario ends with:
 * converged (plan shows no changes), nothing created twice, every resource
 * recorded in state, no lock left behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mulberry32 } from '../emulator/faults.js';
import type { Emulator } from '../emulator/server.js';
import { clients } from '../helpers/aws.js';
import { runCli, workdir } from '../helpers/cli.js';

export const CONFIG = `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  rel-orders: { create: true }
  rel-orders-dr: { region: us-west-2, create: true }
  rel-logs: { create: true }
  rel-log-archive: { create: true }
roles:
  replication: { name: s3repl-reliability }
replications:
  - source: rel-orders
    role: replication
    rules:
      - id: orders-to-dr
        destination: { bucket: rel-orders-dr }
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
  - source: rel-logs
    role: replication
    rules:
      - id: logs
        destination: { bucket: rel-log-archive }
`;
/** 4 buckets, 4 versionings, role, role policy, 2 replications, 2 alarms. */
export const RESOURCES = 14;
export const BUCKETS = ['rel-log-archive', 'rel-logs', 'rel-orders', 'rel-orders-dr'];
export const STATE_BUCKET = 'rel-tfstate';
export const STATE_KEY = 'reliability/state.json';

export type BackendName = 'local' | 's3';

/** A working directory with the configuration and its state on the given backend. */
export async function project(emu: Emulator, backend: BackendName): Promise<string> {
  if (backend === 'local') return workdir(CONFIG);
  const s3 = clients(emu.url).s3;
  await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch((e: { name?: string }) => {
    if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
  });
  return workdir(`${CONFIG}\nstate: { backend: s3, bucket: ${STATE_BUCKET}, key: ${STATE_KEY}, region: us-east-1 }\n`);
}

export async function readState(emu: Emulator, cwd: string, backend: BackendName): Promise<{ serial: number; resources: Record<string, unknown> } | null> {
  if (backend === 'local') {
    const p = path.join(cwd, '.s3repl/state.json');
    return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
  }
  try {
    const r = await clients(emu.url).s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }));
    return JSON.parse(await r.Body!.transformToString());
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return null;
    throw e;
  }
}

export async function lockLeft(emu: Emulator, cwd: string, backend: BackendName): Promise<boolean> {
  if (backend === 'local') return existsSync(path.join(cwd, '.s3repl/state.json.lock'));
  const r = await clients(emu.url).s3.send(new ListObjectsV2Command({ Bucket: STATE_BUCKET }));
  return (r.Contents ?? []).some((o) => o.Key === `${STATE_KEY}.lock`);
}

/** Everything in the emulator, listed: a duplicate would show here. */
export async function inventory(emu: Emulator) {
  const east = clients(emu.url, 'us-east-1');
  const buckets = ((await east.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!).filter((n) => n !== STATE_BUCKET);
  const roles = ((await east.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName!);
  // Alarms stand in their metric's region: failed operations in the source's, latency in the destination's.
  const alarms: string[] = [];
  for (const region of ['us-east-1', 'us-west-2']) {
    const cw = region === 'us-east-1' ? east.cloudwatch : clients(emu.url, region).cloudwatch;
    alarms.push(...((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((a) => a.AlarmName!));
  }
  return { buckets: buckets.sort(), roles: roles.sort(), alarms: alarms.sort() };
}

/** Converged: no changes planned, each thing exactly once, all of it in state, no lock. */
export async function expectConverged(emu: Emulator, cwd: string, backend: BackendName, context: string): Promise<void> {
  const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, endpoint: emu.url });
  expect(plan.code, `${context}: plan\n${plan.stdout}\n${plan.stderr}`).toBe(0);
  const inv = await inventory(emu);
  expect(inv.buckets, context).toEqual(BUCKETS);
  expect(inv.roles, context).toEqual(['s3repl-reliability']);
  expect(inv.alarms, context).toHaveLength(2);
  const state = await readState(emu, cwd, backend);
  expect(Object.keys(state?.resources ?? {}), context).toHaveLength(RESOURCES);
  expect(await lockLeft(emu, cwd, backend), `${context}: lock left behind`).toBe(false);
}

/** A seeded sequence of choices, so a failing round can be replayed exactly. */
export function chooser(seed: number) {
  const random = mulberry32(seed);
  return {
    int: (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!,
  };
}
