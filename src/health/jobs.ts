/**
 * The Batch Replication jobs s3repl starts (backfills from apply, retries from
 * `retry-failed`): listing them in every region of the configuration's source
 * buckets, describing them, and following them to a terminal state.
 *
 * s3repl recognises its jobs by their description, `s3repl:TOKEN PURPOSE`
 * (see src/resources/job/). PURPOSE starts with what the job is for and the
 * source bucket: `backfill SRC (RULES) → DSTS` (earlier versions: `backfill
 * SRC/RULE → DST`, one job per rule) or `retry-failed SRC`.
 */
import { UserError } from '../errors.js';
import { randomUUID } from 'node:crypto';
import { DescribeJobCommand, type JobDescriptor, type JobListDescriptor } from '@aws-sdk/client-s3-control';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config/types.js';
import { roleArn } from '../resources/arn.js';
import { createReplicationJob, JOB_DESCRIPTION_PREFIX, listS3replJobs, TERMINAL_JOB_STATUSES } from '../resources/operations.js';

export type JobKind = 'backfill' | 'retry-failed' | 'other';

export interface JobSummary {
  jobId: string;
  region: string;
  status: string;
  /** The description after the token, e.g. `retry-failed my-bucket`. */
  purpose: string;
  kind: JobKind;
  /** The source bucket the job replicates from, when the description names it. */
  source: string | null;
  /** The rule, for backfills. */
  ruleId: string | null;
  created: string | null;
  terminated: string | null;
  /** Null until S3 has built the job's manifest. */
  total: number | null;
  succeeded: number;
  failed: number;
}

export interface JobDetail extends JobSummary {
  /** Where S3 writes the completion report: `s3://bucket/prefix/job-ID/`. */
  report: string | null;
  failureReasons: string[];
}

export const isTerminal = (status: string): boolean => TERMINAL_JOB_STATUSES.includes(status);

/**
 * Where waiting ends: a terminal status, or Suspended — a job waiting for a
 * confirmation nobody will give while s3repl watches (s3repl's own jobs never ask for one).
 */
export const stopsWaiting = (status: string): boolean => isTerminal(status) || status === 'Suspended';

/** Parses `s3repl:TOKEN PURPOSE`. */
export function parseDescription(description: string | undefined): { purpose: string; kind: JobKind; source: string | null; ruleId: string | null } {
  const rest = (description ?? '').slice(JOB_DESCRIPTION_PREFIX.length);
  const purpose = rest.slice(rest.indexOf(' ') + 1 || rest.length).trim();
  const [word, target] = purpose.split(' ');
  if (word === 'backfill' && target) {
    const slash = target.indexOf('/');
    return { purpose, kind: 'backfill', source: slash > 0 ? target.slice(0, slash) : target, ruleId: slash > 0 ? target.slice(slash + 1) : null };
  }
  if (word === 'retry-failed' && target) return { purpose, kind: 'retry-failed', source: target, ruleId: null };
  return { purpose, kind: 'other', source: null, ruleId: null };
}

function summary(j: JobListDescriptor | JobDescriptor, region: string): JobSummary {
  const p = j.ProgressSummary;
  const status = String(j.Status ?? 'unknown');
  // Before the manifest exists S3 reports no tasks; show "unknown" rather than 0.
  const known = p?.TotalNumberOfTasks !== undefined && !['New', 'Preparing'].includes(status);
  return {
    jobId: j.JobId ?? '',
    region,
    status,
    ...parseDescription(j.Description),
    created: j.CreationTime?.toISOString() ?? null,
    terminated: j.TerminationDate?.toISOString() ?? null,
    total: known ? (p?.TotalNumberOfTasks ?? 0) : null,
    succeeded: p?.NumberOfTasksSucceeded ?? 0,
    failed: p?.NumberOfTasksFailed ?? 0,
  };
}

/** The regions s3repl starts jobs in: those of the configuration's source buckets (in this account). */
export function jobRegions(config: Config, accountId: string): string[] {
  const regions = new Set<string>();
  for (const rep of config.replications) {
    const b = config.buckets[rep.source]!;
    if (!b.account || b.account === accountId) regions.add(b.region);
  }
  return [...regions].sort();
}

/** Every job s3repl started in these regions, newest first. */
export async function listJobs(aws: AwsClients, accountId: string, regions: string[]): Promise<JobSummary[]> {
  const per = await Promise.all(regions.map(async (region) => (await listS3replJobs(aws, accountId, region)).map((j) => summary(j, region))));
  return per.flat().sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.jobId.localeCompare(b.jobId));
}

export async function describeJob(aws: AwsClients, accountId: string, region: string, jobId: string): Promise<JobDetail> {
  const r = await aws.s3control(region).send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
  const j = r.Job;
  if (!j) throw new Error(`DescribeJob returned no job for ${jobId}`);
  const rep = j.Report;
  const bucket = rep?.Enabled && rep.Bucket ? rep.Bucket.slice(rep.Bucket.lastIndexOf(':') + 1) : null;
  const prefix = rep?.Prefix ? `${rep.Prefix.replace(/\/+$/, '')}/` : '';
  return {
    ...summary(j, region),
    report: bucket ? `s3://${bucket}/${prefix}job-${j.JobId ?? jobId}/` : null,
    failureReasons: (j.FailureReasons ?? []).map((f) => `${f.FailureCode ?? 'Failure'}: ${f.FailureReason ?? ''}`.trim()),
  };
}

export interface WaitOptions {
  /** Time between checks (ms). */
  intervalMs: number;
  /** Called after every round of checks with the current view of every job. */
  onUpdate?: (jobs: JobDetail[]) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Follows jobs until every one is Complete, Failed or Cancelled (or Suspended); returns their last description. */
export async function waitForJobs(
  aws: AwsClients,
  accountId: string,
  jobs: ReadonlyArray<{ region: string; jobId: string }>,
  opts: WaitOptions,
): Promise<JobDetail[]> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let current = await Promise.all(jobs.map((j) => describeJob(aws, accountId, j.region, j.jobId)));
  opts.onUpdate?.(current);
  while (current.some((j) => !stopsWaiting(j.status))) {
    await sleep(opts.intervalMs);
    current = await Promise.all(current.map((j) => (stopsWaiting(j.status) ? j : describeJob(aws, accountId, j.region, j.jobId))));
    opts.onUpdate?.(current);
  }
  return current;
}

/** The role ARN a replication of the configuration uses. */
export function replicationRoleArn(config: Config, roleKey: string, accountId: string): string {
  const role = config.roles[roleKey]!;
  return role.managed ? roleArn(accountId, role.path, role.name) : role.arn;
}

export interface RetryTarget {
  source: string;
  region: string;
  roleArn: string;
  /** Every rule of the source (a job covers them all). */
  rules: string[];
  /** The rules that were asked for. */
  chosen: string[];
  /**
   * The job only looks at keys under this prefix: set when some rules of the
   * bucket were chosen and they share one non-empty prefix (S3 filters a job by
   * one key prefix at most, never by rule or tag).
   */
  prefix: string | null;
}

/**
 * Starts a Batch Replication job for the objects whose replication FAILED in a
 * source bucket. The token is new on every call: each invocation is a new job.
 */
export async function startRetryJob(aws: AwsClients, config: Config, accountId: string, t: RetryTarget): Promise<string> {
  const token = `s3repl-retry-${randomUUID()}`;
  return createReplicationJob(aws, {
    accountId,
    region: t.region,
    sourceBucket: t.source,
    roleArn: t.roleArn,
    token,
    purpose: `retry-failed ${t.source}${t.prefix ? ` prefix ${t.prefix}` : ''}`,
    statuses: ['FAILED'],
    ...(t.prefix ? { keyPrefix: t.prefix } : {}),
    reportBucket: config.jobs.reportBucket ?? t.source,
    reportPrefix: config.jobs.reportPrefix,
    priority: config.jobs.priority,
  });
}

/** The source buckets to retry, from `--rule` values (`RULE` or `SOURCE/RULE`), or all of them. */
export function retryTargets(config: Config, accountId: string, wanted: string[]): { targets: RetryTarget[]; skipped: string[] } {
  const matched = new Set<string>();
  const targets: RetryTarget[] = [];
  const skipped: string[] = [];
  for (const rep of config.replications) {
    const rules = rep.rules.map((r) => r.id);
    const chosen = wanted.length === 0 ? rules : rules.filter((id) => wanted.some((w) => w === id || w === `${rep.source}/${id}`));
    for (const id of chosen) for (const w of wanted) if (w === id || w === `${rep.source}/${id}`) matched.add(w);
    if (chosen.length === 0) continue;
    const bucket = config.buckets[rep.source]!;
    if (bucket.account && bucket.account !== accountId) {
      skipped.push(`${rep.source} is in account ${bucket.account}: start its job with that account's credentials`);
      continue;
    }
    // Every role s3repl manages trusts Batch Operations and may initiate replication of
    // what its rules cover (docs/health.md, "Permissions"); a role you manage must too.
    // A job can be narrowed to one key prefix: that of the chosen rules, when they share one.
    const prefixes = new Set(rep.rules.filter((r) => chosen.includes(r.id)).map((r) => r.filter.prefix ?? ''));
    const [only] = prefixes;
    const prefix = chosen.length < rules.length && prefixes.size === 1 && only ? only : null;
    targets.push({ source: rep.source, region: bucket.region, roleArn: replicationRoleArn(config, rep.role, accountId), rules, chosen, prefix });
  }
  const unknown = wanted.filter((w) => !matched.has(w));
  if (unknown.length) {
    const known = config.replications.flatMap((rep) => rep.rules.map((r) => `${rep.source}/${r.id}`));
    throw new UserError(`no rule ${unknown.join(', ')} in the configuration`, `rules: ${known.join(', ') || '(none)'}`);
  }
  return { targets, skipped };
}
