/**
 * The Action's script (action/run.mjs) as a workflow runs it, against the AWS
 * emulator and a local stand-in for the GitHub API: plan on a pull request
 * with two configurations, plan again after a push, apply the reviewed plan
 * files, and a configuration with errors.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { awsEnv, BIN, ROOT } from '../helpers/cli.js';
import { startGitHub, type StandIn } from './github-standin.js';

let emu: Emulator;
let gh: StandIn;
beforeAll(async () => {
  [emu, gh] = await Promise.all([startEmulator(), startGitHub('gh-token')]);
});
afterAll(async () => {
  await Promise.all([emu.stop(), gh.stop()]);
});

const config = (s: string) => `version: 1
defaults: { region: us-east-1 }
buckets:
  orders-${s}: { create: true }
  orders-dr-${s}: { region: us-west-2, create: true }
roles:
  replication: { name: s3repl-${s} }
replications:
  - source: orders-${s}
    role: replication
    rules:
      - id: to-dr
        destination: { bucket: orders-dr-${s} }
        deleteMarkers: true
`;

interface Run {
  code: number | null;
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs action/run.mjs in `cwd` as the composite action's step would. */
function runAction(cwd: string, env: Record<string, string>): Promise<Run> {
  const runner = mkdtempSync(path.join(tmpdir(), 's3repl-runner-'));
  const files = { GITHUB_OUTPUT: path.join(runner, 'output'), GITHUB_STEP_SUMMARY: path.join(runner, 'summary') };
  writeFileSync(path.join(runner, 'event.json'), JSON.stringify({ pull_request: { number: 42 } }));
  for (const f of Object.values(files)) writeFileSync(f, '');
  const child = spawn(process.execPath, [path.join(ROOT, 'action/run.mjs')], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      ...awsEnv(emu.url),
      ...files,
      GITHUB_EVENT_PATH: path.join(runner, 'event.json'),
      GITHUB_API_URL: gh.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'acme/infra',
      GITHUB_RUN_ID: '1234',
      GITHUB_SHA: 'abcdef1234567890',
      GITHUB_WORKSPACE: cwd,
      GITHUB_TOKEN: 'gh-token',
      RUNNER_TEMP: runner,
      S3REPL_BIN: BIN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const outputs = Object.fromEntries(
        readFileSync(files.GITHUB_OUTPUT, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      resolve({ code, log, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') });
    }),
  );
}

describe('the s3repl Action', () => {
  it('plans each configuration into its own PR comment, updates them in place, and applies exactly the reviewed plan files', { timeout: 300_000 }, async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 's3repl-action-'));
    for (const env of ['prod', 'dev']) {
      mkdirSync(path.join(cwd, env));
      writeFileSync(path.join(cwd, env, 'replication.yaml'), config(`act-${env}`));
    }
    const planDir = path.join(cwd, 'plan-artifact');
    const configs = 'prod/replication.yaml\ndev/replication.yaml';

    const first = await runAction(cwd, { S3REPL_COMMAND: 'plan', S3REPL_CONFIG: configs, S3REPL_PLAN_DIR: planDir });
    expect(first.code, first.log).toBe(0);
    expect(first.outputs).toEqual({ 'has-changes': 'true', 'iam-broadened': 'true', exitcode: '2' });
    const comments = () => gh.comments.filter((c) => c.issue === 42);
    expect(comments()).toHaveLength(2);
    const prod = comments().find((c) => c.body.startsWith('<!-- s3repl:plan config="prod/replication.yaml" -->'))!;
    expect(prod.body).toContain('## s3repl plan: `prod/replication.yaml`');
    expect(prod.body).toContain('IAM permissions will be broadened');
    expect(prod.body).toContain('<summary>Dependency graph</summary>');
    expect(prod.body).toContain('```mermaid\nflowchart RL');
    expect(prod.body).toContain('[run](https://github.example/acme/infra/actions/runs/1234)');
    expect(prod.body).not.toContain('orders-act-dev');
    // The job summary has both plans in full; the log the text plan.
    expect(first.summary).toContain('## s3repl plan: `prod/replication.yaml`');
    expect(first.summary).toContain('## s3repl plan: `dev/replication.yaml`');
    expect(first.log).toContain('Plan: 7 to add, 0 to change, 0 to destroy.');
    // The artifact: a plan file per configuration and the index apply reads.
    const index = JSON.parse(readFileSync(path.join(planDir, 'index.json'), 'utf8'));
    expect(index.configs).toEqual([
      { config: 'prod/replication.yaml', plan: 'prod-replication.yaml.plan.json', hasChanges: true, iamBroadened: true },
      { config: 'dev/replication.yaml', plan: 'dev-replication.yaml.plan.json', hasChanges: true, iamBroadened: true },
    ]);

    // A second push: the same two comments, updated in place.
    const ids = comments().map((c) => c.id).sort();
    const second = await runAction(cwd, { S3REPL_COMMAND: 'plan', S3REPL_CONFIG: configs, S3REPL_PLAN_DIR: planDir });
    expect(second.code, second.log).toBe(0);
    expect(comments().map((c) => c.id).sort()).toEqual(ids);
    expect(second.log).toMatch(/comment (updated|unchanged) for prod\/replication\.yaml/);

    // After merge: apply exactly those plan files, as JSON events summarised.
    const apply = await runAction(cwd, { S3REPL_COMMAND: 'apply', S3REPL_CONFIG: configs, S3REPL_PLAN_DIR: planDir });
    expect(apply.code, apply.log).toBe(0);
    expect(apply.outputs['has-changes']).toBe('true');
    expect(apply.summary).toContain('## s3repl apply: `prod/replication.yaml` ✅ applied');
    expect(apply.summary).toContain('- create `replication.orders-act-prod`');

    // Applying the same plans again is refused: the state and AWS moved on.
    const stale = await runAction(cwd, { S3REPL_COMMAND: 'apply', S3REPL_CONFIG: configs, S3REPL_PLAN_DIR: planDir });
    expect(stale.code).toBe(1);
    expect(stale.summary).toContain('the saved plan is stale and was not applied');

    // A new plan: nothing to do, and the comment says so.
    const clean = await runAction(cwd, { S3REPL_COMMAND: 'plan', S3REPL_CONFIG: configs, S3REPL_PLAN_DIR: planDir });
    expect(clean.code, clean.log).toBe(0);
    expect(clean.outputs).toEqual({ 'has-changes': 'false', 'iam-broadened': 'false', exitcode: '0' });
    expect(comments()).toHaveLength(2);
    expect(comments().find((c) => c.id === prod.id)!.body).not.toContain('Dependency graph');
  });

  it('annotates an invalid configuration, says so in its comment, and fails', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 's3repl-action-'));
    writeFileSync(path.join(cwd, 'replication.yaml'), 'version: 1\nbuckets:\n  Bad_Name: { create: true }\nreplications: []\n');
    const r = await runAction(cwd, { S3REPL_COMMAND: 'plan', S3REPL_PLAN_DIR: path.join(cwd, 'plans'), S3REPL_PR: '43' });
    expect(r.code).toBe(1);
    expect(r.log).toContain('::error file=replication.yaml,line=3,col=3,title=s3repl invalid-bucket-name::');
    expect(r.outputs.exitcode).toBe('1');
    const c = gh.comments.filter((x) => x.issue === 43);
    expect(c).toHaveLength(1);
    expect(c[0]!.body).toContain('The configuration is not valid');
    expect(c[0]!.body).toContain('replication.yaml:3:3: error[invalid-bucket-name]');
    expect(existsSync(path.join(cwd, 'plans', 'replication.yaml.plan.json'))).toBe(false);
  });
});
