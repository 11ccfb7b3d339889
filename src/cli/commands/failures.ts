/**
 * `s3repl failures [--rule ID ...] [--since 24h] [--format text|json|markdown]
 * [--no-receive]`: receives the replication events S3 sent to the queues of
 * `events:`, records them in s3repl's failure store (deleting each message
 * only once recorded), and shows the recorded events grouped by source, rule,
 * destination and failure reason, with what each reason means and how to fix
 * it. See docs/failure-events.md.
 */
import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { parseSince } from '../../health/status.js';
import { retryTargets } from '../../health/jobs.js';
import { eventQueues, receiveEvents } from '../../failures/receive.js';
import { listEvents, STORE_PREFIX, storeOf } from '../../failures/store.js';
import { failuresReport } from '../../failures/report.js';
import { renderFailuresJson, renderFailuresMarkdown, renderFailuresText } from '../../render/failures.js';
import type { GlobalArgs } from '../common.js';
import { openWorkspace } from '../workspace.js';
import { debugCalls } from './plan.js';
import type { CommandModule } from './types.js';

interface FailuresArgs extends GlobalArgs {
  rule?: string[];
  since?: string;
  format: 'text' | 'json' | 'markdown';
  receive: boolean;
}

export const failuresCommand: CommandModule = {
  command: 'failures',
  describe: 'Replication failure events from the events: queues, recorded and grouped by rule, destination and reason, with a fix for each',
  builder: (y: Argv) =>
    y
      .option('rule', { type: 'string', array: true, describe: 'Only these rules (RULE or SOURCE/RULE; repeatable). Default: every rule' })
      .option('since', { type: 'string', describe: 'Only events from this far back: a duration (30m, 6h, 2d) or an ISO 8601 time. Default: every recorded event' })
      .option('format', {
        choices: ['text', 'json', 'markdown'] as const,
        default: 'text' as const,
        describe: 'text for people, markdown for issues and chat, json (formatVersion 1, see docs/failure-events.md)',
      })
      .option('receive', { type: 'boolean', default: true, describe: 'Receive new events from the queues first (--no-receive: show the store only)' })
      .example('$0 failures', 'Receive new events and show every recorded failure')
      .example('$0 failures --rule orders-to-dr --since 6h', 'One rule, the last six hours')
      .example('$0 failures --format json | jq \'.groups[] | select(.pending > 0)\'', 'Failures not retried yet')
      .epilogue(
        `Events are recorded in the report bucket (jobs.reportBucket) under ${STORE_PREFIX}SOURCE/RULE/, one object per event; ` +
          'a message is deleted from its queue only after its events are recorded, so an interrupted run loses nothing (an event received ' +
          'twice is recorded once). Messages that are not replication events of this configuration stay in the queue. ' +
          'retry-failed --from-events replicates exactly the failed object versions recorded here. ' +
          'Exit codes: 0 no failed event waiting for a retry, 2 some failed object versions not retried yet, 1 on error.',
      ),
  async run(raw) {
    const argv = raw as unknown as FailuresArgs;
    const ws = await openWorkspace(argv);
    const { o } = ws;
    try {
      const accountId = await ws.aws.accountId();
      const store = storeOf(ws.config);
      const { targets, skipped } = retryTargets(ws.config, accountId, (argv.rule ?? []).map(String));
      for (const s of skipped) o.err(`${o.c.yellow('Skipped:')} ${s}`);
      if (targets.length === 0) throw new UserError('no replication in this account to show failures of');
      const withEvents = ws.config.replications.filter((r) => r.events?.length).map((r) => r.source);
      if (withEvents.length === 0) {
        throw new UserError('no replication has events:, so S3 sends no failure events', 'add events: with types: [failed] and a queue to the replications (docs/failure-events.md)');
      }
      const queues = eventQueues(ws.config);
      const received = argv.receive && queues.length
        ? await receiveEvents(ws.aws, store, queues, new Set(ws.config.replications.map((r) => r.source)), { log: (m) => o.err(m) })
        : null;
      const since = argv.since ? parseSince(argv.since, new Date()) : null;
      const everyRule = (argv.rule ?? []).length === 0;
      const events = (await Promise.all(targets.map((t) => listEvents(ws.aws, store, t.source, everyRule ? undefined : t.chosen))))
        .flat()
        .filter((e) => !since || e.eventTime >= since.toISOString());
      const report = failuresReport(`s3://${store.bucket}/${STORE_PREFIX}`, since, received, events);
      if (argv.format === 'json') o.out(renderFailuresJson(report));
      else if (argv.format === 'markdown') o.out(renderFailuresMarkdown(report));
      else o.out(renderFailuresText(report, o.c));
      debugCalls(ws);
      return report.total.pending > 0 ? 2 : 0;
    } finally {
      ws.aws.destroy();
    }
  },
};
