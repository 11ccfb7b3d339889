/**
 * `npm run bench`: how s3repl scales, measured on the built CLI (dist/) against
 * the emulator (a child process) with 20 ms of latency on every AWS call.
 *
 * - apply from empty (buckets, versioning, roles, policies, replication, two
 *   alarms per source, everything created) at 1,000, 5,000 and 10,000 sources;
 * - plan at steady state (nothing to change) at 1,000, 5,000 and 10,000 sources
 *   (plans run with --no-cost: the plan itself, without the cost estimate's reads);
 * - config load and Markdown rendering of a plan from empty at those sizes;
 * - cold start of `--help`, `validate` of the root replication.yaml and a
 *   one-bucket plan, each against `node -e 0`.
 *
 * Every CLI run is its own process: its wall time is taken from spawn to exit,
 * its peak RSS is its own (`process.resourceUsage().maxRSS`, reported on exit by
 * a preload, with its CPU time), and its AWS calls are the emulator's count. Bounds:
 * - work bound: calls ÷ parallelism (16) × 20 ms;
 * - chain bound (apply): the longest dependency chain, one call after another:
 *   the account lookup and one round of reads, then a source bucket's creation
 *   calls, its versioning, its replication configuration;
 * the ratio is wall ÷ the larger bound.
 *
 *   npm run bench                  every size (takes a while: tens of minutes)
 *   npm run bench -- --quick       1,000 sources only, fewer cold-start runs
 *   npm run bench -- --plan 1000,2000 --apply 1000   chosen sizes
 *   npm run bench -- --profile     CPU profile of each measured CLI run (to ./bench-*.cpuprofile)
 *   npm run bench -- --skip-cold   no cold-start measurements
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');
const LATENCY_MS = 20;
const PARALLELISM = 16;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    plan: { type: 'string' },
    apply: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'skip-cold': { type: 'boolean', default: false },
  },
});
const sizes = (v: string | undefined, dflt: number[]) => (v === undefined ? dflt : v.split(',').filter(Boolean).map(Number));
const PLAN_SIZES = sizes(args.plan, args.quick ? [1000] : [1000, 5000, 10000]);
// Apply at 10,000 costs little more than the set-up apply the plan at 10,000 needs anyway.
const APPLY_SIZES = sizes(args.apply, args.quick ? [1000] : [1000, 5000, 10000]);
const COLD_RUNS = args.quick ? 5 : 11;

const work = mkdtempSync(path.join(tmpdir(), 's3repl-bench-'));
// Reports the process's own peak RSS on exit (KiB, as resourceUsage gives it).
const PRELOAD = path.join(work, 'report-rss.mjs');
writeFileSync(
  PRELOAD,
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`\\n[bench] maxRSS ${u.maxRSS} cpu ${u.userCPUTime + u.systemCPUTime}\\n`); });\n",
);
const credentials = { AWS_ACCESS_KEY_ID: '111111111111', AWS_SECRET_ACCESS_KEY: 'bench' };

// ---- the emulator -------------------------------------------------------------

function startEmulator(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'dist/test/emulator/cli.js'), '--port', '0', '--replication-delay-ms', '50', '--iam-propagation-delay-ms', '0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

async function admin(url: string, p: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${url}/_emulator/${p}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  return r.json();
}

async function callCounts(url: string): Promise<Record<string, number>> {
  return (await admin(url, 'calls')) as Record<string, number>;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

// ---- running the CLI ------------------------------------------------------------

interface Run {
  code: number | null;
  wallMs: number;
  rssMB: number;
  /** User + system CPU of the process, in seconds. */
  cpuS: number;
  stdout: string;
  stderrTail: string;
}

function runCli(cliArgs: string[], cwd: string, env: Record<string, string>, opts: { profile?: string } = {}): Promise<Run> {
  const nodeArgs = ['--import', pathToFileURL(PRELOAD).href];
  if (opts.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${ROOT}`, `--cpu-prof-name=${opts.profile}`);
  return runProcess(process.execPath, [...nodeArgs, BIN, ...cliArgs], cwd, env);
}

function runProcess(cmd: string, argv: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-1_000_000)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const rss = /\[bench\] maxRSS (\d+) cpu (\d+)/.exec(stderr);
      resolve({ code, wallMs, rssMB: rss ? Number(rss[1]) / 1024 : NaN, cpuS: rss ? Number(rss[2]) / 1e6 : NaN, stdout, stderrTail: stderr });
    });
  });
}

function must(run: Run, what: string, codes: number[] = [0]): Run {
  if (!codes.includes(run.code ?? -1)) throw new Error(`${what} exited ${run.code}: ${run.stderrTail.slice(-3000)}`);
  return run;
}

// ---- configurations ---------------------------------------------------------------

const pad = (i: number) => String(i).padStart(5, '0');

/** n sources, each replicating to its own destination in another region (RTC, two alarms); one role per 25 sources. */
function configFor(n: number): string {
  // One role per 25 sources: a role's inline policies are capped at 10,240 characters.
  const roles = Math.ceil(n / 25);
  const lines = ['version: 1', 'defaults: { region: us-east-1 }', 'roles:'];
  for (let r = 0; r < roles; r++) lines.push(`  repl-${r}: { name: s3repl-bench-${r} }`);
  lines.push('buckets:');
  for (let i = 0; i < n; i++) {
    lines.push(`  bench-src-${pad(i)}: { create: true }`, `  bench-dst-${pad(i)}: { region: us-west-2, create: true }`);
  }
  lines.push('replications:');
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - source: bench-src-${pad(i)}`,
      `    role: repl-${Math.floor(i / 25)}`,
      '    rules:',
      '      - id: dr',
      `        destination: { bucket: bench-dst-${pad(i)}, storageClass: STANDARD_IA }`,
      '        rtc: true',
      '        alarms: { latencySeconds: 900, failedOperations: 1 }',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The calls one after another on the longest chain of an apply from empty (see the file comment). */
function chainCalls(calls: Record<string, number>): number {
  const per = (ops: string[], of: string) => ops.reduce((n, op) => n + (calls[op] ?? 0), 0) / Math.max(1, calls[of] ?? 1);
  const bucket = per(['s3:CreateBucket', 's3:PutPublicAccessBlock', 's3:PutBucketEncryption', 's3:PutBucketTagging', 's3:PutBucketOwnershipControls'], 's3:CreateBucket');
  const versioning = per(['s3:PutBucketVersioning'], 's3:PutBucketVersioning');
  const replication = per(['s3:PutBucketReplication'], 's3:PutBucketReplication');
  return 2 + bucket + versioning + replication;
}

// ---- measurements -------------------------------------------------------------------

interface PlanRow {
  sources: number;
  resources: number;
  calls: number;
  wallS: number;
  cpuS: number;
  boundS: number;
  rssMB: number;
}
interface ApplyRow extends PlanRow {
  chainS: number;
}
interface RenderRow {
  sources: number;
  loadS: number;
  markdownS: number;
  markdownChars: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { buildPlanMarkdown, loadConfigFile } = await inProcess();
  const { url, child } = await startEmulator();
  const env = { ...credentials, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: url };
  const planRows: PlanRow[] = [];
  const applyRows: ApplyRow[] = [];
  const renderRows: RenderRow[] = [];
  try {
    for (const n of [...new Set([...PLAN_SIZES, ...APPLY_SIZES])].sort((a, b) => a - b)) {
      const cwd = mkdtempSync(path.join(work, `n${n}-`));
      const file = path.join(cwd, 'replication.yaml');
      writeFileSync(file, configFor(n));
      await admin(url, 'reset', {});
      await admin(url, 'faults', { latencyMs: 0 });

      // Config load, in this process (the same function every command calls).
      const loads: number[] = [];
      for (let i = 0; i < 3; i++) loads.push(await loadConfigFile(file));

      // Markdown of the plan from empty (everything to create), rendered in this process.
      progress(`${n} sources: plan from empty (for Markdown)`);
      must(await runCli(['plan', '--no-cost', '--out', 'empty-plan.json', '--parallelism', String(PARALLELISM)], cwd, env), 'plan from empty');
      const md = await buildPlanMarkdown(path.join(cwd, 'empty-plan.json'));
      renderRows.push({ sources: n, loadS: median(loads) / 1000, markdownS: md.ms / 1000, markdownChars: md.chars });

      // Apply from empty: measured at 20 ms, or only to set up the plan measurement.
      const measured = APPLY_SIZES.includes(n);
      await admin(url, 'faults', { latencyMs: measured ? LATENCY_MS : 0 });
      progress(`${n} sources: apply from empty${measured ? ` (measured, ${LATENCY_MS} ms per call)` : ' (set-up)'}`);
      const before = await callCounts(url);
      const apply = must(
        await runCli(['apply', '--auto-approve', '--parallelism', String(PARALLELISM)], cwd, env, { profile: args.profile && measured ? `bench-apply-${n}.cpuprofile` : undefined }),
        'apply',
      );
      const applyCalls = diff(await callCounts(url), before);
      const resources = Object.keys((JSON.parse(readFileSync(path.join(cwd, '.s3repl/state.json'), 'utf8')) as { resources: object }).resources).length;
      if (measured) {
        const calls = total(applyCalls);
        applyRows.push({
          sources: n,
          resources,
          calls,
          wallS: apply.wallMs / 1000,
          cpuS: apply.cpuS,
          boundS: ((calls / PARALLELISM) * LATENCY_MS) / 1000,
          chainS: (chainCalls(applyCalls) * LATENCY_MS) / 1000,
          rssMB: apply.rssMB,
        });
      }

      if (PLAN_SIZES.includes(n)) {
        await admin(url, 'faults', { latencyMs: LATENCY_MS });
        const runs: Array<{ run: Run; calls: number }> = [];
        for (let i = 0; i < (n <= 1000 ? 3 : 1); i++) {
          progress(`${n} sources: plan, no changes (${LATENCY_MS} ms per call)${i > 0 ? `, run ${i + 1}` : ''}`);
          const b = await callCounts(url);
          const run = must(
            await runCli(['plan', '--no-cost', '--detailed-exitcode', '--parallelism', String(PARALLELISM)], cwd, env, { profile: args.profile && i === 0 ? `bench-plan-${n}.cpuprofile` : undefined }),
            'plan at steady state',
          );
          runs.push({ run, calls: total(diff(await callCounts(url), b)) });
        }
        const mid = [...runs].sort((a, b) => a.run.wallMs - b.run.wallMs)[Math.floor(runs.length / 2)]!;
        planRows.push({
          sources: n,
          resources,
          calls: mid.calls,
          wallS: mid.run.wallMs / 1000,
          cpuS: mid.run.cpuS,
          boundS: ((mid.calls / PARALLELISM) * LATENCY_MS) / 1000,
          rssMB: Math.max(...runs.map((r) => r.run.rssMB)),
        });
      }
    }

    // Cold start, against bare Node, in turns (A B A B ...), median of each.
    await admin(url, 'reset', {});
    await admin(url, 'faults', { latencyMs: 0 });
    const one = mkdtempSync(path.join(work, 'one-'));
    writeFileSync(path.join(one, 'replication.yaml'), 'version: 1\ndefaults: { region: us-east-1 }\nbuckets:\n  bench-one: { create: true }\n');
    const cases: Array<[string, string[], string, number[]]> = [
      ['s3repl --help', ['--help'], ROOT, [0]],
      ['s3repl validate (replication.yaml)', ['validate'], ROOT, [0]],
      ['s3repl plan (one bucket, no latency)', ['plan', '--no-cost'], one, [0]],
    ];
    const cold: Array<{ what: string; ms: number; nodeMs: number; rssMB: number }> = [];
    for (const [what, argv, cwd, codes] of args['skip-cold'] ? [] : cases) {
      progress(`cold start: ${what}`);
      const a: number[] = [];
      const b: number[] = [];
      let rss = 0;
      for (let i = 0; i < COLD_RUNS; i++) {
        const r = must(await runCli(argv, cwd, env), what, codes);
        a.push(r.wallMs);
        rss = Math.max(rss, r.rssMB);
        b.push(must(await runProcess(process.execPath, ['-e', '0'], cwd, {}), 'node -e 0').wallMs);
      }
      cold.push({ what, ms: median(a), nodeMs: median(b), rssMB: rss });
    }

    print(applyRows, planRows, renderRows, cold);
  } finally {
    child.kill();
    // States and saved plans of 10,000 sources are hundreds of megabytes.
    rmSync(work, { recursive: true, force: true });
  }
}

/** The in-process parts: config loading and Markdown rendering, from the build. */
async function inProcess() {
  const load = (await import(pathToFileURL(path.join(ROOT, 'dist/src/config/load.js')).href)) as typeof import('../src/config/load.js');
  const saved = (await import(pathToFileURL(path.join(ROOT, 'dist/src/engine/saved.js')).href)) as typeof import('../src/engine/saved.js');
  const markdown = (await import(pathToFileURL(path.join(ROOT, 'dist/src/render/markdown.js')).href)) as typeof import('../src/render/markdown.js');
  return {
    async loadConfigFile(file: string): Promise<number> {
      const started = performance.now();
      const r = await load.loadConfig(file);
      const ms = performance.now() - started;
      if (!r.config) throw new Error(`bench configuration is invalid: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
      return ms;
    },
    async buildPlanMarkdown(planFile: string): Promise<{ ms: number; chars: number }> {
      const plan = await saved.readPlanFile(planFile);
      const times: number[] = [];
      let chars = 0;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        chars = markdown.renderPlanMarkdown(plan).length;
        times.push(performance.now() - started);
      }
      return { ms: median(times), chars };
    },
  };
}

function progress(what: string): void {
  process.stderr.write(`bench: ${what}...\n`);
}

const n = (x: number) => x.toLocaleString('en-US');
const s = (x: number) => `${x.toFixed(2)} s`;
const mb = (x: number) => `${x.toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function print(applyRows: ApplyRow[], planRows: PlanRow[], renderRows: RenderRow[], cold: Array<{ what: string; ms: number; nodeMs: number; rssMB: number }>): void {
  const out: string[] = [];
  out.push(`s3repl bench: ${LATENCY_MS} ms per AWS call, --parallelism ${PARALLELISM}; wall, CPU and peak RSS of the s3repl process alone`);
  // The targets assume an otherwise idle machine: say how busy it was.
  out.push(`load average at the end (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(1)).join(', ')}`, '');
  if (applyRows.length) {
    out.push('apply from empty (everything created):', '');
    out.push('| sources | resources | AWS calls | wall | work bound | chain bound | ratio | CPU | peak RSS |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of applyRows) {
      const bound = Math.max(r.boundS, r.chainS);
      out.push(`| ${n(r.sources)} | ${n(r.resources)} | ${n(r.calls)} | ${s(r.wallS)} | ${s(r.boundS)} | ${s(r.chainS)} | ${(r.wallS / bound).toFixed(2)} | ${s(r.cpuS)} | ${mb(r.rssMB)} |`);
    }
    out.push('');
  }
  if (planRows.length) {
    out.push('plan, no changes (steady state):', '');
    out.push('| sources | resources | AWS calls | calls/resource | wall | bound | ratio | CPU | peak RSS |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of planRows) {
      out.push(`| ${n(r.sources)} | ${n(r.resources)} | ${n(r.calls)} | ${(r.calls / r.resources).toFixed(2)} | ${s(r.wallS)} | ${s(r.boundS)} | ${(r.wallS / r.boundS).toFixed(2)} | ${s(r.cpuS)} | ${mb(r.rssMB)} |`);
    }
    out.push('');
  }
  if (renderRows.length) {
    out.push('in process (median of 3):', '');
    out.push('| sources | config load | Markdown of the plan from empty |', '|---:|---:|---:|');
    for (const r of renderRows) out.push(`| ${n(r.sources)} | ${s(r.loadS)} | ${s(r.markdownS)} (${n(r.markdownChars)} characters) |`);
    out.push('');
  }
  out.push(`cold start (median of ${COLD_RUNS}, in turns with node -e 0):`, '');
  out.push('| command | wall | node -e 0 | difference | peak RSS |', '|---|---:|---:|---:|---:|');
  for (const c of cold) out.push(`| ${c.what} | ${(c.ms / 1000).toFixed(3)} s | ${(c.nodeMs / 1000).toFixed(3)} s | ${((c.ms - c.nodeMs) / 1000).toFixed(3)} s | ${mb(c.rssMB)} |`);
  out.push('');

  const targets: string[] = [];
  const applyAt = (k: number) => applyRows.find((r) => r.sources === k);
  const planAt = (k: number) => planRows.find((r) => r.sources === k);
  const renderAt = (k: number) => renderRows.find((r) => r.sources === k);
  const a1 = applyAt(1000);
  if (a1) targets.push(`apply from empty at 1,000 within 1.3× of its bound: ${(a1.wallS / Math.max(a1.boundS, a1.chainS)).toFixed(2)}× — ${verdict(a1.wallS / Math.max(a1.boundS, a1.chainS) <= 1.3)}`);
  const a10 = applyAt(10000);
  if (a10) targets.push(`apply from empty at 10,000 within 1.5× of its bound: ${(a10.wallS / Math.max(a10.boundS, a10.chainS)).toFixed(2)}× — ${verdict(a10.wallS / Math.max(a10.boundS, a10.chainS) <= 1.5)}`);
  const p10 = planAt(10000);
  if (p10) targets.push(`plan at 10,000 within 1.3× of its bound, under 400 MB: ${(p10.wallS / p10.boundS).toFixed(2)}×, ${mb(p10.rssMB)} — ${verdict(p10.wallS / p10.boundS <= 1.3 && p10.rssMB < 400)}`);
  const r10 = renderAt(10000);
  if (r10) {
    targets.push(`config load of 10,000 sources under 1.5 s: ${s(r10.loadS)} — ${verdict(r10.loadS < 1.5)}`);
    targets.push(`Markdown at 10,000 under 1 s: ${s(r10.markdownS)} — ${verdict(r10.markdownS < 1)}`);
  }
  for (const c of cold.slice(0, 2)) targets.push(`${c.what} within 0.2 s of node -e 0: +${((c.ms - c.nodeMs) / 1000).toFixed(3)} s — ${verdict(c.ms - c.nodeMs <= 200)}`);
  out.push('Targets:', ...targets.map((t) => `- ${t}`));
  console.log(out.join('\n'));
}

await main();
