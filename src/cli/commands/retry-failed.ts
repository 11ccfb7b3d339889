/**
 * `s3repl retry-failed [--rule ID ...] [--since 24h] [--force] [--from-events] [--wait]`: starts
 * S3 Batch Replication jobs for the objects whose replication FAILED, one per
 * source bucket. First it reads OperationsFailedReplication over `--since`
 * (source region): where the rules publish metrics and nothing failed, it
 * says so and starts no job (a job costs money even with nothing to do),
 * unless `--force`.
 *
 * A Batch Replication job replicates each object according to its source
 * bucket's whole replication configuration; S3 cannot limit it to one rule,
 * only to one key prefix. `--rule` therefore picks source buckets, and narrows
 * the job to the chosen rules' prefix when they share one (KeyNameConstraint);
 * otherwise the job retries the failed objects of every rule of the bucket, and
 * says so.
 *
 * With `--from-events` the jobs replicate exactly the object versions whose
 * failure events `s3repl failures` recorded (src/failures/retry.ts): a CSV
 * manifest per source, and the events marked retried.
 */
import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { retryTargets, startRetryJob } from '../../health/jobs.js';
import { describeAwsError } from '../../aws/errors.js';
import type { GlobalArgs } from '../common.js';
import { openWorkspace } from '../workspace.js';
import { allSucceeded, followJobs, printOutcome, waitOptions } from './jobs.js';
import { parseSince } from '../../health/status.js';
import { failedOperations } from '../../health/failed.js';
import type { CommandModule } from './types.js';
import { interruptible } from '../interrupt.js';
import { eventQueues, receiveEvents } from '../../failures/receive.js';
import { storeOf } from '../../failures/store.js';
import { pendingFailures, retryFromEvents } from '../../failures/retry.js';
import type { Output } from '../output.js';
import type { AwsClients } from '../../aws/clients.js';
import type { Config } from '../../config/types.js';
import type { RetryTarget } from '../../health/jobs.js';

interface RetryArgs extends GlobalArgs {
  rule?: string[];
  since?: string;
  force: boolean;
  'from-events': boolean;
  wait: boolean;
  interval: string;
}

export const retryFailedCommand: CommandModule = {
  command: 'retry-failed',
  describe: 'Replicate again the objects whose replication failed (an S3 Batch Replication job per source bucket)',
  builder: (y: Argv) =>
    waitOptions(
      y.option('rule', {
        type: 'string',
        array: true,
        describe: 'Only the source buckets of these rules (RULE or SOURCE/RULE; repeatable). Default: every replication',
      })
        .option('since', {
          type: 'string',
          describe: 'Look for failures this far back: a duration (30m, 6h, 2d) or an ISO 8601 time. Default: 24h of OperationsFailedReplication; with --from-events, every recorded failure not retried yet',
        })
        .option('from-events', {
          type: 'boolean',
          default: false,
          describe: 'Retry exactly the object versions whose failure events s3repl failures recorded (a CSV manifest per source) instead of scanning for FAILED objects',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'Start the jobs even when the metrics say nothing failed in the window',
        }),
      'Follow the jobs until they finish and print succeeded/failed counts and the report location',
    )
      .example('$0 retry-failed', 'One job per source bucket of the configuration')
      .example('$0 retry-failed --rule orders-to-dr --wait', 'Retry the bucket of rule orders-to-dr and follow the job')
      .example('$0 retry-failed -c prod.yaml --rule shop-logs/logs', 'A rule named with its source bucket')
      .example('$0 retry-failed --from-events --rule orders-to-dr --wait', 'Exactly the versions recorded as failed for orders-to-dr')
      .epilogue(
        'Each job replicates the objects of its source bucket whose replication status is FAILED, according to the bucket\'s whole ' +
          'replication configuration. S3 cannot limit a job to a rule, only to one key prefix: --rule chooses buckets, and narrows each job ' +
          'to the chosen rules\' prefix when they share one (otherwise the job covers every rule of the bucket). The job uses the ' +
          'replication\'s role and the jobs: settings (report bucket, prefix, priority). Before starting a job it reads the rules\' ' +
          'OperationsFailedReplication metric over --since: when every chosen rule publishes metrics and none failed, it says ' +
          '"nothing failed" and starts no job (--force starts it anyway); rules without metrics cannot tell, so their bucket gets a job. ' +
          'Every run that starts jobs starts new ones. ' +
          'With --from-events (needs events: with a queue and jobs.reportBucket): it first receives new events into the failure store ' +
          '(as s3repl failures does), writes a CSV manifest (Bucket,Key,VersionId) of the failed versions of the chosen rules not yet retried ' +
          'under the report prefix (manifests/SOURCE/), starts one job per source with that manifest and marks those events retried; ' +
          'a run repeated after an interruption finds the same job again. Without events recorded, use it without --from-events. ' +
          'Exit codes: 0 jobs started (with --wait: every task succeeded), 2 with --wait when some tasks failed or a job did not complete, 1 on error.',
      ),
  async run(raw) {
    const argv = raw as unknown as RetryArgs;
    const ws = await openWorkspace(argv);
    const { o } = ws;
    const scope = interruptible({ firstMessage: 'starting no new jobs; the jobs already started run on in S3.' });
    try {
      const accountId = await ws.aws.accountId();
      const { targets: all, skipped } = retryTargets(ws.config, accountId, (argv.rule ?? []).map(String));
      for (const s of skipped) o.err(`${o.c.yellow('Skipped:')} ${s}`);
      if (all.length === 0) throw new UserError('no replication to retry in this account');
      if (argv['from-events']) return await fromEvents(ws.aws, ws.config, accountId, all, argv, o, async (jobs) => {
        if (scope.exitCode !== undefined) {
          o.err(`Interrupted: ${jobs.length} job(s) started and run on in S3; follow them with: s3repl jobs --wait`);
          return scope.exitCode;
        }
        if (!argv.wait) {
          if (jobs.length) o.err('Follow them with: s3repl jobs --wait');
          return 0;
        }
        const final = await followJobs(ws, accountId, jobs, argv.interval, scope.signal);
        printOutcome(o, final);
        return allSucceeded(final) ? 0 : 2;
      });
      const end = new Date();
      const start = parseSince(argv.since ?? '24h', end);
      const counts = await Promise.all(all.map((t) => failedOperations(ws.aws, ws.config, t.source, t.chosen, start, end)));
      const targets = all.filter((t, i) => {
        const c = counts[i]!;
        const window = `since ${start.toISOString()}`;
        if (c.unmeasured.length > 0) {
          o.err(`  ${t.source}: rule${c.unmeasured.length === 1 ? '' : 's'} ${c.unmeasured.join(', ')} publish${c.unmeasured.length === 1 ? 'es' : ''} no replication metrics, so s3repl cannot tell whether anything failed: starting the job.`);
          return true;
        }
        if (c.failed > 0) {
          o.err(`  ${t.source}: ${c.failed} replication operation${c.failed === 1 ? '' : 's'} failed ${window} (OperationsFailedReplication).`);
          return true;
        }
        if (argv.force) {
          o.err(`  ${t.source}: nothing failed ${window} (OperationsFailedReplication); starting the job anyway (--force).`);
          return true;
        }
        o.out(`Nothing failed to replicate from ${t.source} ${window} (OperationsFailedReplication of ${c.measured.join(', ')}): no job started. Use --force to start one anyway, or --since to look further back.`);
        return false;
      });
      if (targets.length === 0) return 0;
      const started = await Promise.allSettled(targets.map((t) => startRetryJob(ws.aws, ws.config, accountId, t)));
      const jobs: Array<{ region: string; jobId: string }> = [];
      let errors = 0;
      started.forEach((r, i) => {
        const t = targets[i]!;
        if (r.status === 'rejected') {
          errors++;
          o.err(`${o.c.red('Error:')} could not start a job for ${t.source}: ${describeAwsError(r.reason)}`);
          return;
        }
        jobs.push({ region: t.region, jobId: r.value });
        o.out(`Started Batch Replication job ${r.value} (${t.region}) to retry failed replication from ${t.source}.`);
        const others = t.rules.filter((id) => !t.chosen.includes(id));
        if (t.prefix) {
          o.err(
            `  note: the job looks only at keys under "${t.prefix}" (the prefix of ${t.chosen.join(', ')}); ` +
              `a failed object there is replicated by every rule of ${t.source} that matches it.`,
          );
        } else if (others.length) {
          o.err(
            `  note: the job covers every rule of ${t.source}, also ${others.join(', ')}: ` +
              'Batch Replication cannot be limited to a rule, only to one key prefix, and the chosen rules do not share one.',
          );
        }
      });
      if (errors) {
        o.err('The jobs that started run on; follow them with: s3repl jobs --wait');
        return 1;
      }
      if (scope.exitCode !== undefined) {
        o.err(`Interrupted: ${jobs.length} job(s) started and run on in S3; follow them with: s3repl jobs --wait`);
        return scope.exitCode;
      }
      if (!argv.wait) {
        o.err('Follow them with: s3repl jobs --wait');
        return 0;
      }
      let final;
      try {
        final = await followJobs(ws, accountId, jobs, argv.interval, scope.signal);
      } catch (e) {
        if (scope.exitCode === undefined) throw e;
        o.err(`\nStopped following (interrupted): the jobs run on in S3; follow them with: s3repl jobs --wait`);
        return scope.exitCode;
      }
      printOutcome(o, final);
      return allSucceeded(final) ? 0 : 2;
    } finally {
      scope.close();
      ws.aws.destroy();
    }
  },
};

/** retry-failed --from-events: receive, then one manifest job per source with failures waiting. */
async function fromEvents(
  aws: AwsClients,
  config: Config,
  accountId: string,
  targets: RetryTarget[],
  argv: RetryArgs,
  o: Output,
  follow: (jobs: Array<{ region: string; jobId: string }>) => Promise<number>,
): Promise<number> {
  const store = storeOf(config);
  const queues = eventQueues(config);
  if (queues.length === 0) {
    throw new UserError('no replication sends its events to an SQS queue, so there are no recorded failures to retry', 'add events: with types: [failed] and a queue (docs/failure-events.md), or run retry-failed without --from-events');
  }
  const got = await receiveEvents(aws, store, queues, new Set(config.replications.map((r) => r.source)), { log: (m) => o.err(m) });
  if (got.recorded) o.err(`Recorded ${got.recorded} new event${got.recorded === 1 ? '' : 's'} from the queues.`);
  const since = argv.since ? parseSince(argv.since, new Date()) : null;
  const pending = await Promise.all(targets.map((t) => pendingFailures(aws, store, t, since)));
  const jobs: Array<{ region: string; jobId: string }> = [];
  let errors = 0;
  for (const [i, t] of targets.entries()) {
    const events = pending[i]!;
    if (events.length === 0) {
      o.out(`No recorded replication failures of ${t.source} (${t.chosen.join(', ')}) wait for a retry: no job started.`);
      continue;
    }
    try {
      const r = await retryFromEvents(aws, config, accountId, store, t, events);
      jobs.push({ region: r.region, jobId: r.jobId });
      o.out(`Started Batch Replication job ${r.jobId} (${r.region}) for ${r.versions} failed object version${r.versions === 1 ? '' : 's'} of ${t.source} (${r.rules.join(', ')}); manifest ${r.manifest}.`);
    } catch (e) {
      errors++;
      o.err(`${o.c.red('Error:')} could not start a job for ${t.source}: ${describeAwsError(e)}`);
    }
  }
  if (errors) {
    o.err('The jobs that started run on; follow them with: s3repl jobs --wait');
    return 1;
  }
  return follow(jobs);
}
