/**
 * action.yml and the example workflows agree: every input a workflow passes
 * exists, every output a workflow reads is declared and set by the script,
 * and apply-on-merge looks for the plan workflow by its file name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
  run?: string;
}

const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};
const dir = path.join(ROOT, 'examples/workflows');
const workflows = readdirSync(dir).map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
const runScript = readFileSync(path.join(ROOT, 'action/run.mjs'), 'utf8');

describe('action.yml', () => {
  it('is a composite action whose outputs come from the script', () => {
    expect(action.runs.using).toBe('composite');
    for (const [name, out] of Object.entries(action.outputs)) {
      const m = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(out.value);
      expect(m, name).not.toBeNull();
      expect(action.runs.steps.some((s) => s.id === m![1])).toBe(true);
      if (m![1] === 'run') expect(runScript).toContain(`setOutput('${m![2]}'`);
    }
    // Credentials are the workflow's business (aws-actions/configure-aws-credentials, OIDC).
    expect(JSON.stringify(action)).not.toMatch(/AWS_ACCESS_KEY_ID|aws-secret-access-key/i);
  });
});

describe('example workflows', () => {
  it('are plan on pull requests, apply on merge and nightly drift', () => {
    expect(workflows.map((w) => w.file).sort()).toEqual(['s3repl-apply.yml', 's3repl-drift.yml', 's3repl-plan.yml']);
  });

  for (const { file, text } of workflows) {
    it(`${file}: passes only inputs the action has and reads only outputs it declares`, () => {
      const wf = parse(text) as { on: unknown; permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
      expect(wf.permissions['id-token']).toBe('write');
      const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
      const ours = steps.filter((s) => s.uses?.startsWith('s3repl/s3repl@'));
      expect(ours).toHaveLength(1);
      for (const key of Object.keys(ours[0]!.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
      expect(steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))).toBe(true);
      for (const m of text.matchAll(/steps\.s3repl\.outputs\.([\w-]+)/g)) expect(Object.keys(action.outputs)).toContain(m[1]);
    });
  }

  it('apply-on-merge downloads the artifact of the plan workflow, by its file name', () => {
    const apply = workflows.find((w) => w.file === 's3repl-apply.yml')!.text;
    expect(apply).toContain('actions/workflows/s3repl-plan.yml/runs');
    expect(parse(apply).permissions.actions).toBe('read');
  });
});
