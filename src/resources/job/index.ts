/**
 * S3 Batch Replication jobs: one per source bucket whose rules ask for
 * `existingObjects: replicate` (expand.ts says what one covers), replicating
 * the objects that existed before the rules (and those that failed), created
 * after the configuration is applied. S3 makes the manifest from the bucket's
 * replication configuration and writes a completion report.
 *
 * Idempotent twice over: the ClientRequestToken is derived from the source and
 * what shapes the job (AWS never makes a second job for one token), and the
 * token is also in the job's description, so a job is found by listing jobs, even
 * when state was lost between CreateJob and the state write.
 */
import {
  CreateJobCommand,
  paginateListJobs,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
  type JobListDescriptor,
  type ReplicationStatus,
} from '@aws-sdk/client-s3-control';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import { bucketArn } from '../arn.js';
import type { ApplyContext, Attrs, ResourceKind } from '../types.js';
import { expandJobs, settleJob } from './expand.js';
import { roleGrants } from './grants.js';

export { jobAddress, jobToken } from './expand.js';

export const JOB_DESCRIPTION_PREFIX = 's3repl:';
export const TERMINAL_JOB_STATUSES = ['Complete', 'Cancelled', 'Failed'];


export interface ReplicationJobSpec {
  accountId: string;
  region: string;
  sourceBucket: string;
  roleArn: string;
  token: string;
  /** What the job is for, after the token in its description. */
  purpose: string;
  statuses: ReplicationStatus[];
  /** Only keys starting with this (KeyNameConstraint.MatchAnyPrefix, which takes one prefix). */
  keyPrefix?: string;
  reportBucket: string;
  reportPrefix: string;
  priority: number;
  /**
   * A CSV manifest (Bucket,Key,VersionId) of exactly the versions to replicate,
   * instead of a manifest S3 generates from `statuses`/`keyPrefix`.
   */
  manifest?: { objectArn: string; etag: string };
}

/** Starts a Batch Replication job; returns its id (the existing one when the token was used before). */
export async function createReplicationJob(aws: AwsClients, spec: ReplicationJobSpec): Promise<string> {
  const r = await aws.s3control(spec.region).send(
    new CreateJobCommand({
      AccountId: spec.accountId,
      ConfirmationRequired: false,
      Operation: { S3ReplicateObject: {} },
      Report: {
        Enabled: true,
        Bucket: bucketArn(spec.reportBucket),
        Prefix: spec.reportPrefix.replace(/\/+$/, ''),
        Format: 'Report_CSV_20180820',
        ReportScope: 'AllTasks',
      },
      ClientRequestToken: spec.token,
      ...(spec.manifest
        ? {
            Manifest: {
              Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
              Location: { ObjectArn: spec.manifest.objectArn, ETag: spec.manifest.etag },
            },
          }
        : {
            ManifestGenerator: {
              S3JobManifestGenerator: {
                SourceBucket: bucketArn(spec.sourceBucket),
                EnableManifestOutput: false,
                Filter: {
                  EligibleForReplication: true,
                  ObjectReplicationStatuses: spec.statuses,
                  ...(spec.keyPrefix ? { KeyNameConstraint: { MatchAnyPrefix: [spec.keyPrefix] } } : {}),
                },
              },
            },
          }),
      Priority: spec.priority,
      RoleArn: spec.roleArn,
      Description: `${JOB_DESCRIPTION_PREFIX}${spec.token} ${spec.purpose}`.slice(0, 256),
    }),
  );
  if (!r.JobId) throw new Error('CreateJob returned no JobId');
  return r.JobId;
}

/** Every job s3repl started in a region (newest first), all pages. */
export async function listS3replJobs(aws: AwsClients, accountId: string, region: string): Promise<JobListDescriptor[]> {
  const out: JobListDescriptor[] = [];
  for await (const page of paginateListJobs({ client: aws.s3control(region), pageSize: 1000 }, { AccountId: accountId })) {
    for (const j of page.Jobs ?? []) if (j.Description?.startsWith(JOB_DESCRIPTION_PREFIX)) out.push(j);
  }
  return out.sort((a, b) => (b.CreationTime?.getTime() ?? 0) - (a.CreationTime?.getTime() ?? 0));
}

export function tokenOf(job: JobListDescriptor): string | undefined {
  return job.Description?.slice(JOB_DESCRIPTION_PREFIX.length).split(' ')[0];
}

export const job: ResourceKind = {
  kind: 'job',
  phase: 6,
  doc: { address: '`job.SOURCE`', resource: 'one S3 Batch Replication job per source bucket with a rule that has `existingObjects: replicate`', notes: 'covers the bucket\'s whole configuration, narrowed to the backfilling rules\' common prefix; idempotent: a token derived from its shape, also in the job description' },
  describe: (id) => `Batch Replication job ${id.token} (${id.region})`,
  expand: expandJobs,
  settle: settleJob,
  roleGrants,
  // The rules a backfill replicates existing objects for: `rules` (one job per source),
  // or `ruleId` (a job recorded before that, one per rule).
  costFacts(v) {
    if (typeof v.source !== 'string') return [];
    const source = v.source;
    const rules = Array.isArray(v.rules) ? v.rules.filter((r): r is string => typeof r === 'string') : typeof v.ruleId === 'string' ? [v.ruleId] : [];
    return rules.map((ruleId) => ({ fact: 'rule-backfill' as const, source, ruleId }));
  },
  normalize: (a) => a,
  async readMany(ctx, items) {
    const regions = [...new Set(items.map((i) => i.id.region!))];
    const byToken = new Map<string, JobListDescriptor>();
    await Promise.all(
      regions.map(async (region) => {
        // Newest first: the first job seen for a token is the current one.
        for (const j of await listS3replJobs(ctx.aws, ctx.accountId, region)) {
          const t = tokenOf(j);
          if (t && !byToken.has(`${region}/${t}`)) byToken.set(`${region}/${t}`, j);
        }
      }),
    );
    const out = new Map<string, Attrs | null>();
    for (const { address, id } of items) {
      const j = byToken.get(`${id.region}/${id.token}`);
      // A job that has not finished reads back its priority, the one thing about a job that
      // can change (docs/aws-behaviour.md, "Batch Operations: only the priority of a job
      // changes"); a finished one has nothing left to change.
      const active = j && !TERMINAL_JOB_STATUSES.includes(String(j.Status));
      out.set(address, j ? { token: id.token!, jobId: j.JobId ?? null, status: j.Status ?? null, ...(active && j.Priority !== undefined ? { priority: j.Priority } : {}) } : null);
    }
    return out;
  },
  async create(ctx: ApplyContext, r) {
    const a = r.attributes;
    const jobId = await createReplicationJob(ctx.aws, {
      accountId: ctx.accountId,
      region: r.id.region!,
      sourceBucket: a.source as string,
      roleArn: a.roleArn as string,
      token: r.id.token!,
      purpose: `backfill ${String(a.source)} (${(a.rules as string[]).join(', ')}) → ${(a.destinations as string[]).join(', ')}`,
      statuses: a.statuses as ReplicationStatus[],
      ...(a.keyPrefix ? { keyPrefix: a.keyPrefix as string } : {}),
      reportBucket: a.reportBucket as string,
      reportPrefix: a.reportPrefix as string,
      priority: a.priority as number,
    });
    ctx.log(`started Batch Replication job ${jobId} (${r.id.region!}); follow it with: s3repl jobs --wait`);
    return { jobId };
  },
  async update(ctx, r, live) {
    // Only a running job's priority can change; the rest of a job (what it covers, its
    // role, its report) is fixed at CreateJob, and what it covers is in its token: a
    // change there is a new job. A new role or report applies to the next job.
    if (live.priority !== undefined && live.priority !== r.attributes.priority && live.jobId) {
      await ctx.aws.s3control(r.id.region!).send(
        new UpdateJobPriorityCommand({ AccountId: ctx.accountId, JobId: String(live.jobId), Priority: r.attributes.priority as number }),
      );
    }
  },
  async delete(ctx, _address, id, last) {
    const live = (await job.readMany(ctx, [{ address: 'x', id }])).get('x');
    if (!live || TERMINAL_JOB_STATUSES.includes(String(live.status))) return;
    try {
      await ctx.aws.s3control(id.region!).send(
        new UpdateJobStatusCommand({
          AccountId: ctx.accountId,
          JobId: String(live.jobId ?? last.jobId),
          RequestedJobStatus: 'Cancelled',
          StatusUpdateReason: 'cancelled by s3repl: the rule no longer asks for existing objects',
        }),
      );
    } catch (e) {
      // It finished in the meantime.
      if (!isAwsError(e, 'JobStatusException')) throw e;
    }
  },
};
