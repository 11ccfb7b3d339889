/**
 * `npm run bench`: how fast and how lean `plan` is at 10, 100 and 1,000 source
 * buckets (each replicating to a destination in another region, with RTC and two
 * alarms), against the emulator with 20 ms of latency on every call.
 *
 * For each size: the emulator (a child process, so it does not share a core with
 * the planner) is filled through the SDK and by `s3repl apply`; then one plan is
 * measured in this process: wall time, AWS calls (by operation), calls per
 * resource, peak memory, and the ratio of wall time to the lower bound
 * (calls ÷ parallelism × latency). Targets (issue): ratio ≤ 1.3 at 1,000
 * sources, one read per resource (plus pages), peak memory under 300 MB.
 *
 * BENCH_SIZES=10,100 npm run bench   to run fewer sizes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsClients } from '../src/aws/clients.js';
import { loadConfig } from '../src/config/load.js';
import { makePlan } from '../src/engine/plan.js';
import { hasChanges } from '../src/engine/types.js';
import { LocalBackend } from '../src/state/local.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LATENCY_MS = 20;
const PARALLELISM = 16;
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: '111111111111', secretAccessKey: 'bench' };
// The planner uses the SDK's default credential chain, as in real use.
process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;

function startEmulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', '--replication-delay-ms', '50'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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

function configFor(n: number): string {
  const pad = (i: number) => String(i).padStart(4, '0');
  // One role per 25 sources: a role's inline policies are capped at 10,240 characters.
  const roles = Math.ceil(n / 25);
  const lines = ['version: 1', 'defaults: { region: us-east-1 }', 'roles:'];
  for (let r = 0; r < roles; r++) lines.push(`  repl-${r}: { name: s3repl-bench-${r} }`);
  lines.push('buckets:');
  for (let i = 0; i < n; i++) {
    lines.push(`  bench-src-${pad(i)}: {}`, `  bench-dst-${pad(i)}: { region: us-west-2 }`);
  }
  lines.push('replications:');
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - source: bench-src-${pad(i)}`,
      `    role: repl-${Math.floor(i / 25)}`,
      '    rules:',
      `      - id: dr`,
      `        destination: { bucket: bench-dst-${pad(i)}, storageClass: STANDARD_IA }`,
      '        rtc: true',
      '        alarms: { latencySeconds: 900, failedOperations: 1 }',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function createBuckets(url: string, n: number): Promise<void> {
  const east = new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials });
  const west = new S3Client({ region: 'us-west-2', endpoint: url, forcePathStyle: true, credentials });
  const limit = pLimit(32);
  const pad = (i: number) => String(i).padStart(4, '0');
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(async () => {
        const src = `bench-src-${pad(i)}`;
        const dst = `bench-dst-${pad(i)}`;
        await east.send(new CreateBucketCommand({ Bucket: src }));
        await west.send(new CreateBucketCommand({ Bucket: dst, CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
        await east.send(new PutBucketVersioningCommand({ Bucket: src, VersioningConfiguration: { Status: 'Enabled' } }));
        await west.send(new PutBucketVersioningCommand({ Bucket: dst, VersioningConfiguration: { Status: 'Enabled' } }));
      }),
    ),
  );
  east.destroy();
  west.destroy();
}

function applyWithCli(url: string, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli/main.ts'), 'apply', '--auto-approve', '--parallelism', '32'], {
      cwd,
      env: { ...process.env, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: url, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(Date.now() - started) : reject(new Error(`apply exited ${code}: ${err.slice(-2000)}`))));
  });
}

interface Row {
  sources: number;
  resources: number;
  applyS: number;
  wallS: number;
  calls: number;
  callsPerResource: number;
  boundS: number;
  ratio: number;
  peakMB: number;
  byOp: Record<string, number>;
}

async function measure(url: string, n: number): Promise<Row> {
  await admin(url, 'reset', {});
  await admin(url, 'faults', { latencyMs: 0 });
  const cwd = mkdtempSync(path.join(tmpdir(), `s3repl-bench-${n}-`));
  const file = path.join(cwd, 'replication.yaml');
  writeFileSync(file, configFor(n));
  await createBuckets(url, n);
  const applyMs = await applyWithCli(url, cwd);

  await admin(url, 'faults', { latencyMs: LATENCY_MS });
  const load = await loadConfig(file);
  if (!load.config) throw new Error(JSON.stringify(load.diagnostics.slice(0, 3)));
  const state = await new LocalBackend(path.join(cwd, '.s3repl/state.json')).read();
  // Three plans, each with fresh clients (as each CLI run has); the median is reported.
  const runs: Array<{ wall: number; calls: number; byOp: Record<string, number>; resources: number }> = [];
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  for (let i = 0; i < 3; i++) {
    const aws = new AwsClients({ endpointUrl: url, parallelism: PARALLELISM, env: { AWS_REGION: 'us-east-1' } });
    // Warm the credential chain outside the measurement; count that call.
    await aws.accountId();
    const profiler = process.env.BENCH_PROFILE && i === 2 ? await startProfile() : undefined;
    const started = performance.now();
    const plan = await makePlan({ config: load.config, configPath: file, configSha256: load.sha256, aws, state });
    const wall = performance.now() - started;
    if (profiler) await profiler.stop(`bench-${n}.cpuprofile`);
    aws.destroy();
    if (hasChanges(plan)) throw new Error(`plan at ${n} sources is not empty: ${JSON.stringify(plan.summary)}`);
    runs.push({ wall, calls: aws.totalCalls(), byOp: Object.fromEntries(aws.calls), resources: plan.changes.length });
  }
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const median = [...runs].sort((a, b) => a.wall - b.wall)[1]!;
  const { wall, resources, byOp } = median;
  const calls = median.calls;
  const bound = (calls / PARALLELISM) * LATENCY_MS;
  return {
    sources: n,
    resources,
    applyS: applyMs / 1000,
    wallS: wall / 1000,
    calls,
    callsPerResource: calls / resources,
    boundS: bound / 1000,
    ratio: wall / bound,
    peakMB: peak / 2 ** 20,
    byOp,
  };
}

/** BENCH_PROFILE=1: a CPU profile of the measured plan only, summarised by self time. */
async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }> } };
      writeFileSync(file, JSON.stringify(profile));
      const self = new Map<string, number>();
      let total = 0;
      for (const node of profile.nodes) {
        const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.replace(/^.*node_modules\//, '')}:${node.callFrame.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
        total += node.hitCount ?? 0;
      }
      const byPkg = new Map<string, number>();
      for (const [k, v] of self) {
        const pkg = /^\S+ (@[^/]+\/[^/]+|[^/:]+)/.exec(k)?.[1] ?? k;
        byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + v);
      }
      process.stderr.write(`profile (${file}), self time by package:\n`);
      for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stderr.write(`  ${((100 * v) / total).toFixed(1)}%  ${k}\n`);
      process.stderr.write('top functions:\n');
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stderr.write(`  ${((100 * v) / total).toFixed(1)}%  ${k}\n`);
      session.disconnect();
    },
  };
}

const { url, child } = await startEmulatorProcess();
const rows: Row[] = [];
try {
  for (const n of SIZES) {
    process.stderr.write(`bench: ${n} sources...\n`);
    rows.push(await measure(url, n));
  }
} finally {
  child.kill();
}

console.log(`\ns3repl plan — ${LATENCY_MS} ms per AWS call, --parallelism ${PARALLELISM}, steady state (no changes)\n`);
console.log('| sources | resources | AWS calls | calls/resource | plan wall | lower bound | ratio | peak RSS | (apply from empty) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.sources} | ${r.resources} | ${r.calls} | ${r.callsPerResource.toFixed(2)} | ${r.wallS.toFixed(2)} s | ${r.boundS.toFixed(2)} s | ${r.ratio.toFixed(2)} | ${r.peakMB.toFixed(0)} MB | ${r.applyS.toFixed(1)} s |`,
  );
}
const last = rows[rows.length - 1]!;
console.log(`\nCalls by operation at ${last.sources} sources: ${Object.entries(last.byOp).map(([k, v]) => `${k}=${v}`).join(', ')}`);
console.log(
  `Reads per resource: versioning ${(last.byOp['s3:GetBucketVersioning'] ?? 0) / (2 * last.sources)}, replication ${(last.byOp['s3:GetBucketReplication'] ?? 0) / last.sources}, ` +
    `alarms ${((last.byOp['cloudwatch:DescribeAlarms'] ?? 0) / (2 * last.sources)).toFixed(3)} (batches of 100 names)`,
);
const ok = last.sources < 1000 || (last.ratio <= 1.3 && last.peakMB < 300);
console.log(`Targets at 1,000 sources (ratio ≤ 1.3, peak < 300 MB): ${last.sources < 1000 ? 'not measured' : ok ? 'met' : 'MISSED'}`);
