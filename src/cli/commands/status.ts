/**
 * `s3repl status [--since 1h] [--format text|json|markdown] [--strict]`:
 * replication health per rule from CloudWatch metrics and alarms and the last
 * Batch Replication job, with a verdict per rule. Exit 0 when every rule is
 * healthy, 2 otherwise (rules without metrics count only with --strict), 1 on
 * error.
 */
import type { Argv } from 'yargs';
import { collectStatus, parseSince } from '../../health/status.js';
import { renderStatusJson, renderStatusMarkdown, renderStatusText } from '../../render/health.js';
import type { GlobalArgs } from '../common.js';
import { openWorkspace } from '../workspace.js';
import { debugCalls } from './plan.js';
import type { CommandModule } from './types.js';

interface StatusArgs extends GlobalArgs {
  since: string;
  format: 'text' | 'json' | 'markdown';
  strict: boolean;
}

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'Replication health per rule: CloudWatch metrics and alarms, the last Batch Replication job, a verdict',
  builder: (y: Argv) =>
    y
      .option('since', { type: 'string', default: '1h', describe: 'Start of the window: a duration back from now (30m, 6h, 2d) or an ISO 8601 time' })
      .option('format', {
        choices: ['text', 'json', 'markdown'] as const,
        default: 'text' as const,
        describe: 'text for people, markdown for issues and chat, json (formatVersion 1, see docs/status-format.md)',
      })
      .option('strict', { type: 'boolean', default: false, describe: 'Count rules without metrics as unhealthy (exit 2)' })
      .example('$0 status', 'Health over the last hour')
      .example('$0 status --since 24h --format markdown', 'A report for an incident channel')
      .example('$0 status --format json | jq \'.rules[] | select(.verdict != "healthy")\'', 'Rules that need attention')
      .example('$0 status --since 2024-05-01T10:00:00Z --strict', 'Since a point in time; no metrics is unhealthy too')
      .epilogue(
        'Verdicts: failing (operations failed in the window, or a failedOperations alarm is in ALARM); lagging (latency over ' +
          "RTC's 15 minutes or the rule's latencySeconds alarm threshold, pending over the pendingBytes/pendingOperations thresholds, " +
          'or, without those, operations pending for the whole window, or a latency/pending alarm in ALARM); no metrics (metrics off, ' +
          'or no datapoints in the window); healthy. Exit codes: 0 every rule healthy, 2 some rule lagging or failing (or, with --strict, ' +
          'without metrics), 1 on error. See docs/health.md.',
      ),
  async run(raw) {
    const argv = raw as unknown as StatusArgs;
    const ws = await openWorkspace(argv);
    const { o } = ws;
    try {
      const end = new Date();
      const start = parseSince(argv.since, end);
      const accountId = await ws.aws.accountId();
      const report = await collectStatus({ config: ws.config, configPath: ws.configPath, aws: ws.aws, accountId, start, end, strict: argv.strict });
      if (argv.format === 'json') o.out(renderStatusJson(report));
      else if (argv.format === 'markdown') o.out(renderStatusMarkdown(report));
      else o.out(renderStatusText(report, o.c));
      debugCalls(ws);
      return report.healthy ? 0 : 2;
    } finally {
      ws.aws.destroy();
    }
  },
};
