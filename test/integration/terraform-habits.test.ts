/**
 * The commands and options Terraform users reach for, end to end against the
 * emulator: show PLANFILE, --target, apply --format json, graph, and
 * validate --format github.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, workdir } from '../helpers/cli.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const config = (s: string) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  orders-${s}: { create: true }
  orders-dr-${s}: { region: us-west-2, create: true }
  logs-${s}: { create: true }
  logs-archive-${s}: { create: true }
roles:
  replication: { name: s3repl-${s} }
replications:
  - source: orders-${s}
    role: replication
    rules:
      - id: to-dr
        destination: { bucket: orders-dr-${s} }
        rtc: true
        alarms: { latencySeconds: 900 }
  - source: logs-${s}
    role: replication
    rules:
      - id: to-archive
        destination: { bucket: logs-archive-${s} }
`;

const run = (args: string[], cwd: string) => runCli(args, { cwd, endpoint: emu.url });

describe('show PLANFILE', () => {
  it('renders a saved plan in text, JSON and Markdown without AWS, as plan did', async () => {
    const cwd = workdir(config('show'));
    const planned = await run(['plan', '--out', 'plan.json', '--format', 'markdown'], cwd);
    expect(planned.code, planned.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8'));

    // No endpoint at all: show must not call AWS.
    const offline = { cwd, endpoint: 'http://127.0.0.1:9' };
    const md = await runCli(['show', 'plan.json', '--format', 'markdown'], offline);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toBe(planned.stdout);
    const json = await runCli(['show', 'plan.json', '--format', 'json'], offline);
    expect(JSON.parse(json.stdout)).toMatchObject({ formatVersion: 1, summary: saved.summary, liveFingerprint: saved.liveFingerprint });
    const text = await runCli(['show', 'plan.json'], offline);
    expect(text.stdout).toContain(`Plan: ${saved.summary.add} to add, 0 to change, 0 to destroy.`);

    const short = await runCli(['show', 'plan.json', '--format', 'markdown', '--max-length', '2000'], offline);
    expect(short.stdout.length).toBeLessThanOrEqual(2000);

    writeFileSync(path.join(cwd, 'not-a-plan.json'), '{"hello": 1}');
    const bad = await runCli(['show', 'not-a-plan.json'], offline);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not-a-plan.json is not an s3repl plan file');
  });
});

describe('--target', () => {
  it('plans only the targeted resource and what it depends on, with the warning; apply of that plan says it may be incomplete', async () => {
    const cwd = workdir(config('tgt'));
    const p = await run(['plan', '--target', 'replication.logs-tgt', '--out', 'plan.json', '--format', 'json'], cwd);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toContain('Warning: Resource targeting is in effect');
    const plan = JSON.parse(p.stdout);
    expect(plan.targets).toEqual(['replication.logs-tgt']);
    expect(plan.changes.map((c: { address: string }) => c.address).sort()).toEqual([
      'bucket.logs-archive-tgt',
      'bucket.logs-tgt',
      'replication.logs-tgt',
      'role-policy.replication',
      'role.replication',
      'versioning.logs-archive-tgt',
      'versioning.logs-tgt',
    ]);
    expect(plan.summary).toEqual({ add: 7, change: 0, destroy: 0, forget: 0, adopt: 0, noop: 0 });

    const a = await run(['apply', 'plan.json'], cwd);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain('Warning: Applied changes may be incomplete');
    expect(a.stderr).toContain('Resources: 7 added, 0 changed, 0 destroyed');

    // The rest is still to do; a target inside a kind's addresses (all alarms of a source) works too.
    const rest = await run(['plan', '--target', 'alarm.orders-tgt', '--format', 'json'], cwd);
    expect(rest.code, rest.stderr).toBe(0);
    const addrs = JSON.parse(rest.stdout).changes.map((c: { address: string; action: string }) => `${c.address} ${c.action}`);
    expect(addrs).toContain('alarm.orders-tgt.to-dr.latency create');
    expect(addrs).toContain('replication.orders-tgt create');
    expect(addrs).toContain('role.replication no-op');
    expect(addrs).not.toContain('replication.logs-tgt no-op');
  });

  it('names the closest address when a target matches nothing, and refuses --target with a saved plan', async () => {
    const cwd = workdir(config('tgt2'));
    const r = await run(['plan', '--target', 'replication.log-tgt2'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--target replication.log-tgt2 matches no resource of this plan (did you mean replication.logs-tgt2?)');
    const a = await run(['apply', 'plan.json', '--target', 'role.replication'], cwd);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('--target applies to a new plan, not a saved one');
  });
});

describe('apply --format json', () => {
  it('prints one JSON event per line on stdout and nothing else: plan, start/done per step, result', async () => {
    const cwd = workdir(config('events'));
    expect((await run(['plan', '--out', 'plan.json'], cwd)).code).toBe(0);
    const r = await run(['apply', 'plan.json', '--format', 'json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'plan', formatVersion: 1, mode: 'apply', planfile: 'plan.json', iamBroadened: true });
    expect(events[0].summary.add).toBeGreaterThan(0);
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'result', ok: true, added: events[0].summary.add, changed: 0, destroyed: 0, errors: [] });
    const started = events.filter((e) => e.type === 'start').map((e) => e.address).sort();
    const done = events.filter((e) => e.type === 'done').map((e) => e.address).sort();
    expect(done).toEqual(started);
    expect(done).toContain('replication.orders-events');
    for (const e of events) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    // Each step's done comes after its start, in the order they happened.
    const at = (type: string, addr: string) => events.findIndex((e) => e.type === type && e.address === addr);
    for (const a of done) expect(at('start', a)).toBeLessThan(at('done', a));
  });

  it('does not ask: without a plan file it needs --auto-approve', async () => {
    const cwd = workdir(config('noask'));
    const r = await run(['apply', '--format', 'json'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--format json does not ask for confirmation');
  });
});

describe('graph', () => {
  it('draws the configuration without AWS, and a saved plan with each action', async () => {
    const cwd = workdir(config('graph'));
    const dot = await runCli(['graph'], { cwd, endpoint: 'http://127.0.0.1:9' });
    expect(dot.code, dot.stderr).toBe(0);
    expect(dot.stdout).toMatch(/^digraph s3repl \{/);
    expect(dot.stdout).toContain('"replication.orders-graph" -> "versioning.orders-dr-graph";');
    expect(dot.stdout).toContain('"alarm.orders-graph.to-dr.latency" -> "replication.orders-graph";');

    expect((await run(['plan', '--out', 'plan.json'], cwd)).code).toBe(0);
    const mermaid = await runCli(['graph', 'plan.json', '--format', 'mermaid'], { cwd, endpoint: 'http://127.0.0.1:9' });
    expect(mermaid.code, mermaid.stderr).toBe(0);
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart RL');
    expect(mermaid.stdout).toMatch(/n\d+\["role\.replication<br\/>\+ create"\]:::create/);
  });
});

describe('validate --format github', () => {
  it('prints workflow commands that annotate the offending lines, relative to the repository', async () => {
    const cwd = workdir('version: 1\nbuckets:\n  Bad_Name: { create: true }\nreplications: []\n');
    const r = await runCli(['validate', '--format', 'github'], { cwd, endpoint: emu.url, env: { GITHUB_WORKSPACE: path.dirname(cwd) } });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.startsWith('::error '));
    expect(line).toMatch(new RegExp(`^::error file=${path.basename(cwd)}/replication\\.yaml,line=3,col=3,title=s3repl invalid-bucket-name::invalid bucket name "Bad_Name"`));
    // Newlines inside the message are escaped, so each annotation is one line.
    expect(line).toContain('%0Ahint: ');
  });
});
