#!/usr/bin/env node
/**
 * The s3repl GitHub Action's work (action.yml runs it): for every configuration
 * it was given,
 *
 * - plan:  `validate --format github` (errors annotated on their lines), then
 *          `plan --out` with `--detailed-exitcode`; the plan's Markdown in one
 *          pull-request comment per configuration (found by a hidden marker and
 *          updated in place) and in full in the job summary; the plan files in
 *          the plan folder, which action.yml uploads as an artifact;
 * - apply: `apply PLANFILE --format json` on the plan files of the reviewed
 *          run (downloaded by action.yml), so exactly what was reviewed is
 *          applied, or nothing when AWS or the state moved since;
 * - drift: `drift --format markdown` into the job summary.
 *
 * Outputs: has-changes, iam-broadened, exitcode. Settings come from the
 * environment action.yml sets (S3REPL_*) and the one GitHub Actions sets
 * (GITHUB_*).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMENT_LIMIT, SUMMARY_LIMIT, appendSummary, cut, githubClient, marker, setOutput, upsertComment } from './github.mjs';

const env = process.env;
const command = env.S3REPL_COMMAND || 'plan';
const configs = (env.S3REPL_CONFIG || 'replication.yaml').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
const planDir = path.resolve(env.S3REPL_PLAN_DIR || path.join(env.RUNNER_TEMP || '.', 's3repl-plan'));
const bin = env.S3REPL_BIN ? ['node', env.S3REPL_BIN] : ['s3repl'];
const runUrl = env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : '';
/** Plans with at most this many changes show their dependency graph in the comment. */
const GRAPH_MAX_CHANGES = Number(env.S3REPL_GRAPH_MAX_CHANGES || 25);

/** A file name for a configuration path: prod/replication.yaml → prod-replication.yaml */
export function slug(config) {
  return config.replace(/^\.\//, '').replace(/[^A-Za-z0-9._-]+/g, '-');
}

function s3repl(args, { echo = true } = {}) {
  if (echo) console.log(`::group::s3repl ${args.join(' ')}`);
  const r = spawnSync(bin[0], [...bin.slice(1), ...args], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (echo) {
    // Workflow commands (::error file=…) in stdout are read by the runner from the log.
    if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
    if (r.stderr) process.stdout.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
    console.log('::endgroup::');
  }
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function pullRequestNumber() {
  if (env.S3REPL_PR) return Number(env.S3REPL_PR);
  if (!env.GITHUB_EVENT_PATH || !existsSync(env.GITHUB_EVENT_PATH)) return undefined;
  const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  return event.pull_request?.number ?? (event.issue?.pull_request ? event.issue.number : undefined);
}

const fence = (text) => `\`\`\`\n${text.replace(/```/g, '`\u200b``')}\n\`\`\``;

async function comment(config, body) {
  if (env.S3REPL_COMMENT === 'false') return;
  const issue = pullRequestNumber();
  if (!issue) {
    console.log(`not a pull request: no comment for ${config}`);
    return;
  }
  const request = githubClient({ apiUrl: env.GITHUB_API_URL, token: env.GITHUB_TOKEN });
  const mark = marker(config);
  const where = runUrl ? `[the job summary](${runUrl})` : 'the job summary';
  const note = `> [!NOTE]\n> The comment was cut to GitHub's size limit; the whole plan is in ${where} and in the plan artifact.`;
  const footer = `\n\n---\n<sub>s3repl · \`${config}\`${env.GITHUB_SHA ? ` · ${env.GITHUB_SHA.slice(0, 7)}` : ''}${runUrl ? ` · [run](${runUrl})` : ''}</sub>`;
  const text = `${mark}\n${cut(body, COMMENT_LIMIT - mark.length - footer.length - 2, note)}${footer}`;
  const r = await upsertComment(request, { repo: env.GITHUB_REPOSITORY, issue, marker: mark, body: text });
  console.log(`pull request #${issue}: comment ${r.action} for ${config} (id ${r.id})`);
}

async function plan() {
  mkdirSync(planDir, { recursive: true });
  const index = [];
  let hasChanges = false;
  let broadened = false;
  let failed = false;
  const perSummary = Math.floor(SUMMARY_LIMIT / configs.length) - 1000;
  for (const config of configs) {
    const heading = `## s3repl plan: \`${config}\``;
    const v = s3repl(['validate', '-c', config, '--format', 'github']);
    if (v.code !== 0) {
      failed = true;
      const text = s3repl(['validate', '-c', config], { echo: false });
      const body = `${heading}\n\n❌ **The configuration is not valid**; nothing was planned. The errors are annotated on their lines.\n\n${fence(text.stdout.trim())}`;
      appendSummary(body, '(cut)');
      await comment(config, body);
      continue;
    }
    const file = path.join(planDir, `${slug(config)}.plan.json`);
    const p = s3repl(['plan', '-c', config, '--out', file, '--detailed-exitcode'], { echo: false });
    if (p.code === 1) {
      failed = true;
      console.log(p.stderr);
      const body = `${heading}\n\n❌ **The plan failed.**\n\n${fence(p.stderr.trim())}`;
      appendSummary(body, '(cut)');
      await comment(config, body);
      continue;
    }
    console.log(p.stdout);
    const json = JSON.parse(s3repl(['show', file, '--format', 'json'], { echo: false }).stdout);
    const changes = p.code === 2;
    hasChanges ||= changes;
    broadened ||= Boolean(json.iam?.broadened);
    index.push({ config, plan: path.basename(file), hasChanges: changes, iamBroadened: Boolean(json.iam?.broadened) });

    const full = s3repl(['show', file, '--format', 'markdown', '--max-length', String(perSummary)], { echo: false }).stdout;
    writeFileSync(path.join(planDir, `${slug(config)}.plan.md`), full);
    appendSummary(`${heading}\n\n${full}`, '(cut to the job summary size limit; the whole plan is in the plan artifact)', undefined, perSummary + 2000);

    const commentMax = COMMENT_LIMIT - 6000;
    let body = full.length <= commentMax ? full : s3repl(['show', file, '--format', 'markdown', '--max-length', String(commentMax)], { echo: false }).stdout;
    const actionable = json.changes.filter((c) => c.action !== 'no-op').length;
    if (actionable > 0 && actionable <= GRAPH_MAX_CHANGES) {
      const g = s3repl(['graph', file, '--format', 'mermaid'], { echo: false });
      if (g.code === 0 && body.length + g.stdout.length < COMMENT_LIMIT - 3000) {
        body += `\n\n<details><summary>Dependency graph</summary>\n\n\`\`\`mermaid\n${g.stdout.trim()}\n\`\`\`\n</details>`;
      }
    }
    await comment(config, `${heading}\n\n${body}`);
  }
  writeFileSync(path.join(planDir, 'index.json'), `${JSON.stringify({ configs: index }, null, 2)}\n`);
  setOutput('has-changes', String(hasChanges));
  setOutput('iam-broadened', String(broadened));
  setOutput('exitcode', failed ? '1' : hasChanges ? '2' : '0');
  return failed ? 1 : 0;
}

function apply() {
  const indexFile = path.join(planDir, 'index.json');
  if (!existsSync(indexFile)) {
    console.log(`::error::no reviewed plan in ${planDir} (index.json missing): was the plan artifact downloaded?`);
    return 1;
  }
  const { configs: planned } = JSON.parse(readFileSync(indexFile, 'utf8'));
  let failed = false;
  let changed = false;
  for (const config of configs) {
    const entry = planned.find((p) => p.config === config);
    if (!entry) {
      console.log(`::error::the reviewed plan has no plan for ${config}`);
      failed = true;
      continue;
    }
    if (!entry.hasChanges) {
      console.log(`${config}: the reviewed plan has no changes; nothing to apply`);
      appendSummary(`## s3repl apply: \`${config}\`\n\nThe reviewed plan had no changes.`, '');
      continue;
    }
    changed = true;
    const r = s3repl(['apply', path.join(planDir, entry.plan), '-c', config, '--format', 'json']);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const done = events.filter((e) => e.type === 'done').map((e) => `- ${e.verb} \`${e.address}\``);
    const errors = events.filter((e) => e.type === 'error').map((e) => `- \`${e.address}\`: ${e.message}`);
    const status = r.code === 0 ? '✅ applied' : `❌ failed (exit ${r.code})`;
    appendSummary(
      [`## s3repl apply: \`${config}\` ${status}`, '', ...done, ...(errors.length ? ['', '**Errors**', ...errors] : []), r.code !== 0 ? `\n${fence(r.stderr.trim())}` : ''].join('\n'),
      '(cut)',
    );
    if (r.code !== 0) failed = true;
  }
  setOutput('has-changes', String(changed));
  setOutput('exitcode', failed ? '1' : '0');
  return failed ? 1 : 0;
}

function drift() {
  let found = false;
  let failed = false;
  for (const config of configs) {
    const r = s3repl(['drift', '-c', config, '--format', 'markdown']);
    if (r.code === 1) failed = true;
    if (r.code === 2) found = true;
    appendSummary(`## s3repl drift: \`${config}\`\n\n${r.code === 1 ? fence(r.stderr.trim()) : r.stdout}`, '(cut)');
  }
  setOutput('has-changes', String(found));
  setOutput('exitcode', failed ? '1' : found ? '2' : '0');
  if (failed) return 1;
  return found && env.S3REPL_FAIL_ON_DRIFT !== 'false' ? 2 : 0;
}

const main = { plan, apply, drift }[command];
if (!main) {
  console.log(`::error::unknown command "${command}": use plan, apply or drift`);
  process.exitCode = 1;
} else {
  process.exitCode = await main();
}
