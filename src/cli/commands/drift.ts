/**
 * `s3repl drift`: for scheduled runs. Reads live AWS and the state, makes the
 * plan (nothing is read or diffed anywhere else), and reports what changed
 * outside s3repl since the last apply apart from what apply would still do.
 * Exit 0: live matches the last apply and the configuration; 2: drift or
 * pending changes; 1: error. Read-only: takes no lock and writes nothing.
 */
import type { Argv } from 'yargs';
import { makeDriftReport, type DriftReport } from '../../engine/drift.js';
import { makePlan } from '../../engine/plan.js';
import { renderDriftReportJson, renderDriftReportMarkdown, renderDriftReportText } from '../../render/drift.js';
import type { GlobalArgs } from '../common.js';
import type { Output } from '../output.js';
import { newStateLineage, openWorkspace } from '../workspace.js';
import { debugCalls } from './plan.js';
import type { CommandModule } from './types.js';

export type DriftFormat = 'text' | 'json' | 'markdown';

interface DriftArgs extends GlobalArgs {
  format: DriftFormat;
}

export function renderDriftReport(report: DriftReport, format: DriftFormat, o: Output): string {
  switch (format) {
    case 'json':
      return renderDriftReportJson(report);
    case 'markdown':
      return renderDriftReportMarkdown(report);
    default:
      return renderDriftReportText(report, { color: o.c, ...(process.stdout.isTTY && process.stdout.columns ? { width: process.stdout.columns } : {}) });
  }
}

export const driftCommand: CommandModule = {
  command: 'drift',
  describe: 'Report changes made outside s3repl since the last apply, and changes the configuration asks for that are not applied yet',
  builder: (y: Argv) =>
    y
      .option('format', {
        choices: ['text', 'json', 'markdown'] as const,
        default: 'text' as const,
        describe: 'Output format (json is formatVersion 1, see docs/drift-format.md)',
      })
      .example('$0 drift', 'Check now; exit 0 in sync, 2 drift or pending changes, 1 error')
      .example('$0 drift --format json > drift.json', 'For alerting: .hasDrift, .summary, .drift[], .pending[]')
      .example('$0 drift --format markdown > drift.md', 'An issue or chat message')
      .example(
        '17 * * * * cd /srv/repl && s3repl drift --no-color > drift.txt || mail -s "S3 replication drift" ops@example.com < drift.txt',
        'Hourly from cron: mail when it exits non-zero',
      )
      .example(
        's3repl drift --format markdown > drift.md; [ $? -eq 2 ] && gh issue create --title "S3 replication drift" --body-file drift.md',
        'Scheduled CI job: open an issue on drift',
      )
      .epilogue(
        'Exit codes: 0 live AWS matches the last apply and the configuration; 2 drift found (changed or deleted outside s3repl) or changes pending; 1 error. ' +
          'Read-only: drift takes no lock and never writes state.',
      ),
  async run(raw) {
    const argv = raw as unknown as DriftArgs;
    const ws = await openWorkspace(argv);
    try {
      const state = await ws.backend.read();
      const plan = await makePlan({
        config: ws.config,
        configPath: ws.configPath,
        configSha256: ws.configSha256,
        aws: ws.aws,
        state,
        // With no state yet, the lineage a first apply would create: the same report on every run.
        lineage: state ? undefined : await newStateLineage(ws),
        // A bucket deleted outside s3repl is drift to report, not an error.
        missingBuckets: 'report',
      });
      const report = makeDriftReport(plan, state);
      ws.o.out(renderDriftReport(report, argv.format, ws.o));
      // Where the state was looked for, in case it is the wrong place (stderr: stdout holds only the report).
      if (!state) ws.o.err(`No state at ${ws.backend.describe()}: nothing is managed by s3repl yet.`);
      debugCalls(ws);
      return report.hasDrift ? 2 : 0;
    } finally {
      ws.aws.destroy();
    }
  },
};
