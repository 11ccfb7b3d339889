/**
 * `s3repl validate`: checks replication.yaml against the schema and AWS's
 * rules without calling AWS. Exit 0 when valid, 1 when not (warnings count
 * only with --strict).
 */
import type { Argv } from 'yargs';
import { loadConfig } from '../../config/load.js';
import type { Diagnostic, LoadResult } from '../../config/types.js';
import { outputFor, type GlobalArgs } from '../common.js';
import type { Output } from '../output.js';
import type { CommandModule } from './types.js';

interface ValidateArgs extends GlobalArgs {
  format: 'text' | 'json';
  strict: boolean;
}

/** The `--format json` document. */
export interface ValidateReport {
  file: string;
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

export function validateReport(result: LoadResult, strict: boolean): ValidateReport {
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  return { file: result.file, valid: errors === 0 && (!strict || warnings === 0), errors, warnings, diagnostics: result.diagnostics };
}

/** `file:line:col: error[rule]: message` and an indented hint; no line:col for file-level problems. */
export function formatDiagnostic(d: Diagnostic, o: Pick<Output, 'c'>): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const label = d.severity === 'error' ? o.c.red.bold(`error[${d.rule}]`) : o.c.yellow.bold(`warning[${d.rule}]`);
  let text = `${o.c.bold(where)}: ${label}: ${d.message}`;
  if (d.hint) text += `\n    ${o.c.cyan('hint:')} ${d.hint}`;
  return text;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(result: LoadResult, report: ValidateReport, o: Pick<Output, 'c'>): string {
  if (report.valid) {
    const reps = result.config?.replications ?? [];
    const rules = reps.reduce((n, r) => n + r.rules.length, 0);
    const warned = report.warnings > 0 ? `, ${plural(report.warnings, 'warning')}` : '';
    return `${o.c.green('✓')} ${result.file} is valid (${plural(reps.length, 'replication')}, ${plural(rules, 'rule')})${warned}`;
  }
  const why = report.errors === 0 ? ' (warnings fail under --strict)' : '';
  return `${o.c.red('✗')} ${result.file}: ${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}${why}`;
}

export const validateCommand: CommandModule = {
  command: 'validate',
  describe: 'Check replication.yaml against the schema and AWS\'s replication rules (no AWS calls)',
  builder: (y: Argv) =>
    y
      .option('format', {
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'text: file:line:col diagnostics with hints; json: {file, valid, errors, warnings, diagnostics} on stdout',
      })
      .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings as errors (exit 1 when there are any)' })
      .example('$0 validate', 'Check ./replication.yaml')
      .example('$0 validate -c prod/replication.yaml --strict', 'Check another file; warnings fail too')
      .example('$0 validate --format json | jq .diagnostics', 'Diagnostics for tools and editors')
      .epilogue(
        'Prints one line per problem, file:line:col: error[rule-id]: message, then a hint. ' +
          'Rule ids are listed in docs/configuration.md. Exit codes: 0 valid, 1 invalid (or, with --strict, warnings).',
      ),
  async run(args) {
    const argv = args as unknown as ValidateArgs;
    const o = outputFor(argv);
    const result = await loadConfig(argv.config);
    const report = validateReport(result, argv.strict);
    if (argv.format === 'json') {
      o.out(JSON.stringify(report, null, 2));
    } else {
      const lines = result.diagnostics.map((d) => formatDiagnostic(d, o));
      lines.push(summaryLine(result, report, o));
      o.out(lines.join('\n'));
    }
    return report.valid ? 0 : 1;
  },
};
