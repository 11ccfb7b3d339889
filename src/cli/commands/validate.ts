/**
 * `s3repl validate`: checks replication.yaml against the schema and AWS's
 * rules without calling AWS. Exit 0 when valid, 1 when not (warnings count
 * only with --strict).
 */
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { loadConfig } from '../../config/load.js';
import type { Diagnostic, LoadResult } from '../../config/types.js';
import { outputFor, type GlobalArgs } from '../common.js';
import type { Output } from '../output.js';
import type { CommandModule } from './types.js';

interface ValidateArgs extends GlobalArgs {
  format: 'text' | 'json' | 'github';
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

/** Escapes a GitHub workflow command's message (`%`, CR, LF) or, with `property`, a property value (also `:` and `,`). */
export function escapeWorkflow(text: string, property = false): string {
  let out = text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  if (property) out = out.replace(/:/g, '%3A').replace(/,/g, '%2C');
  return out;
}

/**
 * A diagnostic as a GitHub Actions workflow command, which the runner turns into
 * an annotation on the offending line of the pull request's diff:
 * `::error file=F,line=L,col=C,title=T::message`. The file is made relative to
 * the repository (GITHUB_WORKSPACE) when it is inside it.
 */
export function githubAnnotation(d: Diagnostic, workspace = process.env.GITHUB_WORKSPACE): string {
  let file = d.file;
  if (workspace) {
    const rel = path.relative(workspace, path.resolve(d.file));
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) file = rel.split(path.sep).join('/');
  }
  const props = [`file=${escapeWorkflow(file, true)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
  props.push(`title=${escapeWorkflow(`s3repl ${d.rule}`, true)}`);
  const message = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeWorkflow(message)}`;
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
        choices: ['text', 'json', 'github'] as const,
        default: 'text' as const,
        describe:
          'text: file:line:col diagnostics with hints; json: {file, valid, errors, warnings, diagnostics} on stdout; ' +
          'github: GitHub Actions workflow commands (::error file=…,line=…,col=…::), annotations on the offending lines',
      })
      .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings as errors (exit 1 when there are any)' })
      .example('$0 validate', 'Check ./replication.yaml')
      .example('$0 validate -c prod/replication.yaml --strict', 'Check another file; warnings fail too')
      .example('$0 validate --format json | jq .diagnostics', 'Diagnostics for tools and editors')
      .example('$0 validate --format github', 'In a GitHub Actions step: errors annotated on their lines in the pull request')
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
    } else if (argv.format === 'github') {
      const lines = result.diagnostics.map((d) => githubAnnotation(d));
      lines.push(summaryLine(result, report, o));
      o.out(lines.join('\n'));
    } else {
      const lines = result.diagnostics.map((d) => formatDiagnostic(d, o));
      lines.push(summaryLine(result, report, o));
      o.out(lines.join('\n'));
    }
    return report.valid ? 0 : 1;
  },
};
