/**
 * `s3repl jobs [--wait] [--format text|json]`: the Batch Replication jobs
 * s3repl started (apply's backfills, retry-failed's retries), in every region
 * of the configuration's source buckets; `--wait` follows the running ones.
 */
import type { Argv } from 'yargs';
import { isTerminal, jobRegions, listJobs, waitForJobs, type JobDetail, type JobSummary } from '../../health/jobs.js';
import { progressText, renderJobsJson, renderJobsText } from '../../render/health.js';
import type { GlobalArgs } from '../common.js';
import { parseDuration } from '../duration.js';
import { jobProgress } from '../job-progress.js';
import type { Output } from '../output.js';
import { openWorkspace, type Workspace } from '../workspace.js';
import type { CommandModule } from './types.js';
import { sleepUnlessAborted } from '../../abort.js';

interface JobsArgs extends GlobalArgs {
  wait: boolean;
  format: 'text' | 'json';
  interval: string;
}

/** `--wait` and `--interval`, shared with retry-failed. */
export function waitOptions<T>(y: Argv<T>, waitWhat: string) {
  return y
    .option('wait', { type: 'boolean', default: false, describe: waitWhat })
    .option('interval', { type: 'string', default: '5s', describe: 'With --wait: time between checks of a job (e.g. 2s, 1m)' });
}

/** Follows jobs to a terminal state with progress on stderr; returns their final description. */
/** Follows the jobs until they finish; when `signal` aborts, stops following (the abort reason is thrown). */
export async function followJobs(
  ws: Workspace,
  accountId: string,
  jobs: ReadonlyArray<{ region: string; jobId: string }>,
  interval: string,
  signal?: AbortSignal,
): Promise<JobDetail[]> {
  const intervalMs = parseDuration(interval, '--interval');
  const progress = jobProgress(ws.o);
  const sleep = (ms: number) => sleepUnlessAborted(ms, signal);
  try {
    return await waitForJobs(ws.aws, accountId, jobs, { intervalMs: Math.max(intervalMs, 100), onUpdate: (j) => progress.update(j), sleep });
  } finally {
    progress.done();
  }
}

/** Whether every job finished Complete with no failed task. */
export const allSucceeded = (jobs: JobDetail[]): boolean => jobs.every((j) => j.status === 'Complete' && j.failed === 0);

/** One line per finished job: counts and where its report is. */
export function printOutcome(o: Output, jobs: JobDetail[]): void {
  for (const j of jobs) {
    const status = j.status === 'Complete' && j.failed === 0 ? o.c.green(j.status) : o.c.red(j.status);
    o.out(`${j.jobId} (${j.region}) ${status}: ${progressText(j)}.`);
    if (j.report) o.out(`  report: ${j.report}`);
    for (const f of j.failureReasons) o.out(`  ${o.c.red('failure:')} ${f}`);
    if (j.status === 'Suspended') o.out(`  it waits for a confirmation: aws s3control update-job-status --account-id ACCOUNT --job-id ${j.jobId} --requested-job-status Ready`);
  }
  const succeeded = jobs.reduce((n, j) => n + j.succeeded, 0);
  const failed = jobs.reduce((n, j) => n + j.failed, 0);
  o.out(`${succeeded} succeeded, ${failed} failed${jobs.length > 1 ? ` across ${jobs.length} jobs` : ''}.`);
  if (failed > 0) o.out('The report lists each failed object with its error (ErrorCode, HTTPStatusCode, ResultMessage).');
}

export const jobsCommand: CommandModule = {
  command: 'jobs',
  describe: 'List the Batch Replication jobs s3repl started (backfills and retries) with status and progress',
  builder: (y: Argv) =>
    waitOptions(y, 'Follow the jobs that are still running until they finish; exit 2 if any had failed tasks or did not complete')
      .option('format', {
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'text: a table; json: {formatVersion, jobs: [...]} on stdout (see docs/health.md)',
      })
      .example('$0 jobs', 'Every job s3repl started, newest first')
      .example('$0 jobs --wait', 'Follow the running ones to the end (a progress bar on a terminal)')
      .example('$0 jobs --format json | jq \'.jobs[] | select(.status != "Complete")\'', 'Jobs that did not complete')
      .epilogue(
        'Looks in every region of the configuration\'s source buckets for jobs whose description starts with "s3repl:". ' +
          'S3 keeps finished jobs for 90 days. Exit codes: 0 success; with --wait, 2 when a followed job had failed tasks or ended Failed or Cancelled; 1 on error.',
      ),
  async run(raw) {
    const argv = raw as unknown as JobsArgs;
    const ws = await openWorkspace(argv);
    const { o } = ws;
    try {
      const accountId = await ws.aws.accountId();
      let jobs: Array<JobSummary | JobDetail> = await listJobs(ws.aws, accountId, jobRegions(ws.config, accountId));
      if (!argv.wait) {
        o.out(argv.format === 'json' ? renderJobsJson(jobs) : renderJobsText(jobs, o.c));
        return 0;
      }
      const running = jobs.filter((j) => !isTerminal(j.status));
      if (argv.format === 'text') o.out(renderJobsText(jobs, o.c));
      if (running.length === 0) {
        o.err('No job is running.');
        if (argv.format === 'json') o.out(renderJobsJson(jobs));
        return 0;
      }
      o.err(`Following ${running.length} running job${running.length === 1 ? '' : 's'}...`);
      const final = await followJobs(ws, accountId, running, argv.interval);
      const byId = new Map(final.map((j) => [j.jobId, j]));
      jobs = jobs.map((j) => byId.get(j.jobId) ?? j);
      if (argv.format === 'json') o.out(renderJobsJson(jobs));
      else {
        o.out('');
        printOutcome(o, final);
      }
      return allSucceeded(final) ? 0 : 2;
    } finally {
      ws.aws.destroy();
    }
  },
};
