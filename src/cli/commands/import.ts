/**
 * `s3repl import --bucket NAME...`: adopt replication set up by hand or by
 * scripts. Reads the live setup of the source buckets, writes a
 * replication.yaml that reproduces it exactly (checked like plan would check
 * it before anything is written) and records the adopted resources in state,
 * so that `s3repl plan` right after shows no changes and drift is detected
 * from then on. See docs/import.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import type { Diagnostic } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { discover } from '../../import/discover.js';
import { addComment, generate } from '../../import/generate.js';
import { checkGenerated, classify, compareWithLive } from '../../import/verify.js';
import { backendFor } from '../../state/index.js';
import { awsFor } from '../aws.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { lockTimeoutOption, parseDuration } from '../duration.js';
import { schemaRef } from '../schema-ref.js';
import type { Output } from '../output.js';
import type { CommandModule } from './types.js';
import { Interrupted, interruptible } from '../interrupt.js';
import { openLockedSession } from '../locking.js';

interface ImportArgs extends GlobalArgs {
  bucket: string[];
  out?: string;
  'adopt-role': boolean;
  force: boolean;
  'lock-timeout': string;
}

export const importCommand: CommandModule = {
  command: 'import',
  describe: 'Adopt replication set up by hand: write replication.yaml from the live setup of source buckets and record it in state',
  builder: (y: Argv) =>
    lockTimeoutOption(y)
      .option('bucket', {
        alias: 'b',
        type: 'string',
        array: true,
        demandOption: 'name at least one source bucket with --bucket',
        describe: 'A source bucket whose replication to import (repeat for several); destinations are found from its rules',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'Where to write the configuration (default: the --config path, replication.yaml). The state goes beside it (.s3repl/state.json)',
      })
      .option('adopt-role', {
        type: 'boolean',
        default: false,
        describe:
          'Manage the replication role from now on (name: in roles:): the next apply replaces its trust policy and inline policy with generated least-privilege ones. Default: use it as is (arn:), never changed',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite the output file if it exists' })
      .example('$0 import --bucket acme-orders', 'Write ./replication.yaml from acme-orders\' replication (regions, destinations, role, alarms found in AWS)')
      .example('$0 import -b app-a -b app-b --out prod/replication.yaml', 'Import two source buckets into prod/ (state in prod/.s3repl/)')
      .example('$0 import -b acme-orders --adopt-role', 'Also let s3repl manage the role (the next plan shows its new policies)')
      .example('$0 import -b acme-orders && $0 plan', 'Import, then check: the plan shows no changes')
      .epilogue(
        'import reads, never changes, AWS. It writes the file only once it validates and compiles to exactly the live setup ' +
          '(V1 rules are converted to the V2 form; the next plan shows format: V1 → V2). Settings replication.yaml cannot express stop the import with ' +
          'an error naming the bucket and rule; alarms it cannot express are listed as not imported. The adopted resources are recorded in state ' +
          '(the state lock is taken, see --lock-timeout). Exit codes: 0 imported, 1 error. Details: docs/import.md.',
      ),
  async run(raw) {
    const args = raw as unknown as ImportArgs;
    const o = outputFor(args);
    const out = path.resolve(args.out ?? args.config);
    const shown = path.relative(process.cwd(), out) || out;
    const buckets = [...new Set((args.bucket ?? []).map(String).filter((b) => b.trim() !== ''))];
    if (buckets.length === 0) throw new UserError('name at least one source bucket with --bucket', 'e.g. s3repl import --bucket acme-orders');
    if (existsSync(out) && !args.force) {
      throw new UserError(`${shown} already exists; s3repl import does not overwrite it`, 'pass --force to replace it, or --out to write another file');
    }
    const timeoutMs = parseDuration(args['lock-timeout'], '--lock-timeout');
    const aws = awsFor(args);
    try {
      const facts = await discover(aws, buckets, { log: (m) => o.err(o.c.dim(m)) });
      const gen = generate(facts, { adoptRole: args['adopt-role'], date: new Date().toISOString().slice(0, 10), schemaRef: schemaRef(out) });
      const { config } = checkGenerated(render(gen.doc), out);

      const backend = backendFor(config.state, {
        configDir: path.dirname(out),
        aws,
        onWarning: (m) => o.err(`${o.c.yellow('Warning:')} ${m}`),
      });
      const scope = interruptible({ firstMessage: 'nothing is written unless writing has started; the state lock is released.' });
      let warnings: Diagnostic[];
      let classified: ReturnType<typeof classify>;
      try {
        const session = await openLockedSession(backend, o, { operation: 'import', timeoutMs, scope });
        try {
          o.err(o.c.dim('Comparing the generated configuration with AWS, as plan will...'));
          const { comparisons } = await compareWithLive(config, aws, facts.accountId, session.lineage);
          classified = classify(comparisons, gen.report);
          for (const c of classified.ruleComments) {
            const rulePath = rulePathOf(config, c.source, c.ruleId);
            if (rulePath) addComment(gen.doc, [...rulePath, c.key], c.text);
          }
          const text = render(gen.doc);
          // Comments only were added; check the final text all the same.
          warnings = checkGenerated(text, out).warnings;

          // Resources recorded in this state that the file does not name would be deleted by the next apply.
          const names = new Set(comparisons.map((c) => c.desired.address));
          const foreign = session.addresses().filter((a) => !names.has(a));
          if (foreign.length) {
            throw new UserError(
              `the state at ${backend.describe()} already records ${foreign.length} resource${foreign.length === 1 ? '' : 's'} that ${shown} would not name (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); the next apply would delete ${foreign.length === 1 ? 'it' : 'them'}`,
              'import into another directory (--out other/replication.yaml), or add these buckets to the import with --bucket',
            );
          }
          if (scope.exitCode !== undefined) {
            throw new Interrupted(scope.exitCode, `import stopped before writing: ${shown} was not written and nothing was recorded in state; the state lock is released`);
          }
          mkdirSync(path.dirname(out), { recursive: true });
          try {
            writeFileSync(out, text, { flag: args.force ? 'w' : 'wx' });
          } catch (e) {
            if ((e as { code?: string }).code === 'EEXIST') {
              throw new UserError(`${shown} was created while import ran; not overwritten`, 'pass --force to replace it');
            }
            throw e;
          }
          for (const r of classified.record) session.put(r);
          await session.persist();
        } finally {
          await session.close();
        }
      } finally {
        scope.close();
      }
      printSummary(o, { out, shown, accountId: facts.accountId, gen, classified, warnings, stateAt: backend.describe(), config: args.out !== undefined || args.config !== 'replication.yaml' ? shown : undefined });
      if (o.debug) {
        const calls = [...aws.calls].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${op}=${n}`);
        o.err(o.c.dim(`AWS calls: ${aws.totalCalls()} (${calls.join(', ')})`));
      }
      return 0;
    } finally {
      aws.destroy();
    }
  },
};

function render(doc: ReturnType<typeof generate>['doc']): string {
  return doc.toString({ lineWidth: 0 });
}

function rulePathOf(config: { replications: Array<{ source: string; rules: Array<{ id: string }> }> }, source: string, ruleId: string) {
  const i = config.replications.findIndex((r) => r.source === source);
  if (i < 0) return undefined;
  const k = config.replications[i]!.rules.findIndex((r) => r.id === ruleId);
  return k < 0 ? undefined : ['replications', i, 'rules', k];
}

interface Summary {
  out: string;
  shown: string;
  accountId: string;
  gen: ReturnType<typeof generate>;
  classified: ReturnType<typeof classify>;
  warnings: Diagnostic[];
  stateAt: string;
  /** The -c value to suggest, when not the default file. */
  config?: string;
}

function printSummary(o: Output, s: Summary): void {
  const { report } = s.gen;
  const c = o.c;
  const lines: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(c.bold(`Imported ${plural(report.sources.length, 'source bucket')} from account ${s.accountId} into ${s.shown}:`));
  for (const src of report.sources) {
    lines.push(`  ${c.green('+')} ${src.bucket} (${src.region}): ${plural(src.rules.length, 'rule')}: ${src.rules.join(', ')}`);
    if (src.v1Rules.length) lines.push(`      V1 ${src.v1Rules.length === 1 ? 'rule' : 'rules'} converted to the V2 form: ${src.v1Rules.join(', ')}`);
  }
  for (const r of report.roles) {
    lines.push(`  ${c.green('+')} role ${r.arn}: ${r.adopted ? `adopted as roles.${r.key} (name:), managed by s3repl from now on` : `used as is (roles.${r.key}.arn); s3repl never changes it`}`);
    for (const n of r.notes) lines.push(`      ${c.yellow('note:')} ${n}`);
  }
  const alarms = Object.entries(report.alarms);
  if (alarms.length) lines.push(`  ${c.green('+')} ${plural(alarms.length, 'CloudWatch alarm')}: ${alarms.map(([, n]) => n).join(', ')}`);

  if (report.notImported.length) {
    lines.push('', c.bold('Not imported:'));
    for (const n of report.notImported) lines.push(`  ${c.yellow('-')} ${n.what}: ${n.why}`);
  }

  lines.push('', c.bold(`Recorded in state (${s.stateAt}), so drift is detected from now on:`));
  for (const a of s.classified.record.map((r) => r.address).sort()) lines.push(`  ${a}`);

  const next = [...report.nextPlan, ...s.classified.nextPlan];
  if (next.length) {
    lines.push('', c.bold('The next plan shows these changes; they are expected:'));
    for (const n of next) lines.push(`  ${c.yellow('~')} ${n.address}: ${n.what}`);
  }
  if (report.notes.length) {
    lines.push('', c.bold('Notes:'));
    for (const n of report.notes) lines.push(`  - ${n}`);
  }
  if (s.warnings.length) {
    lines.push('', c.bold('Warnings about the setup as it is in AWS (the file keeps it as it is):'));
    for (const w of s.warnings) {
      lines.push(`  ${s.shown}:${w.line}:${w.column}: ${c.yellow(`warning[${w.rule}]`)}: ${w.message}`);
      if (w.hint) lines.push(`    ${c.dim('hint:')} ${w.hint}`);
    }
  }
  const cfg = s.config ? ` -c ${s.config}` : '';
  lines.push('', `Next: review ${s.shown}, then run ${c.bold(`s3repl plan${cfg}`)}${next.length ? ' (it shows the changes above)' : ' (it should show no changes)'}.`);
  o.out(lines.join('\n'));
}
