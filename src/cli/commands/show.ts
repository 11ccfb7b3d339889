/**
 * `s3repl show PLANFILE`: a saved plan (`plan --out`), rendered again in any
 * format, without AWS or the configuration. CI saves the plan once and shows it
 * as a comment (markdown), a log (text) and for tools (json).
 */
import type { Argv } from 'yargs';
import { readPlanFile } from '../../engine/saved.js';
import { renderPlanMarkdown, DEFAULT_MAX_LENGTH } from '../../render/markdown.js';
import { UserError } from '../../errors.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { renderPlan, type PlanFormat } from './plan.js';
import type { CommandModule } from './types.js';

interface ShowArgs extends GlobalArgs {
  planfile: string;
  format: PlanFormat;
  'max-length': number;
}

export const showCommand: CommandModule = {
  command: 'show <planfile>',
  describe: 'Show a saved plan (plan --out) as text, JSON or Markdown, without calling AWS',
  builder: (y: Argv) =>
    y
      .positional('planfile', { type: 'string', describe: 'A plan saved by `s3repl plan --out FILE`' })
      .option('format', { choices: ['text', 'json', 'markdown'] as const, default: 'text' as const, describe: 'Output format (json is formatVersion 1, see docs/plan-format.md)' })
      .option('max-length', {
        type: 'number',
        default: DEFAULT_MAX_LENGTH,
        describe: 'markdown: longest output in characters; details are dropped from the end, with a note, to fit (a PR comment: 65,000; a job summary: up to 1,000,000)',
      })
      .example('$0 plan --out plan.json && $0 show plan.json', 'Save a plan, then look at it again')
      .example('$0 show plan.json --format markdown > comment.md', 'A pull-request comment from the saved plan')
      .example('$0 show plan.json --format json | jq .iam.broadened', 'Whether the plan widens IAM permissions')
      .epilogue('Exit codes: 0 shown, 1 the file is missing, not a plan, or of a format version this s3repl does not read.'),
  async run(raw) {
    const argv = raw as unknown as ShowArgs;
    const o = outputFor(argv);
    if (!Number.isInteger(argv['max-length']) || argv['max-length'] < 1000) {
      throw new UserError(`--max-length must be a whole number of at least 1000 (got ${String(argv['max-length'])})`);
    }
    const plan = await readPlanFile(argv.planfile);
    o.out(argv.format === 'markdown' ? renderPlanMarkdown(plan, { maxLength: argv['max-length'] }) : renderPlan(plan, argv.format, o));
    return 0;
  },
};
