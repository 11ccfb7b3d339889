/**
 * `s3repl init`: a starter replication.yaml for one source bucket replicating
 * to one destination, from flags or, on a terminal, a few questions. It is
 * checked like `validate` would before it is written, and an existing file is
 * never overwritten.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { stringify } from 'yaml';
import { loadConfigText } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { schemaRef } from '../schema-ref.js';
import { formatDiagnostic } from './validate.js';
import type { CommandModule } from './types.js';

interface InitArgs extends GlobalArgs {
  source?: string;
  destination?: string;
  'destination-region'?: string;
  'create-destination'?: boolean;
  rtc?: boolean;
  prefix?: string;
}

/** What the starter configuration says. */
export interface InitAnswers {
  source: string;
  region: string;
  destination: string;
  destinationRegion: string;
  createDestination: boolean;
  rtc: boolean;
  prefix?: string;
}

/** A YAML scalar, quoted only when it has to be (a bucket called `1234` or `true`). */
function scalar(v: string): string {
  return stringify(v).trimEnd();
}

/** IAM role names: up to 64 of `\w+=,.@-`. */
function roleName(source: string): string {
  return `s3repl-${source}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** A line with a comment after it, the comments of a block lined up. */
function note(line: string, comment: string): string {
  return `${line.padEnd(34)} # ${comment}`;
}

/** The text of the starter replication.yaml. */
export function starterConfig(a: InitAnswers, schema: string): string {
  const same = a.region === a.destinationRegion;
  const lines = [
    `# yaml-language-server: $schema=${schema}`,
    '#',
    `# s3repl configuration: ${a.source} replicates to ${a.destination} (${same ? 'Same-Region' : 'Cross-Region'} Replication).`,
    '# Every key: https://github.com/s3repl/s3repl/blob/main/docs/configuration.md',
    '# Check it with `s3repl validate`, preview with `s3repl plan`, apply with `s3repl apply`.',
    'version: 1',
    '',
    '# State (what s3repl manages) is kept beside this file in .s3repl/state.json.',
    '# Use `backend: s3` once several people or CI run s3repl.',
    'state:',
    '  backend: local',
    '',
    'defaults:',
    `  region: ${scalar(a.region)}`,
    '',
    'buckets:',
    note(`  ${scalar(a.source)}: {}`, 'exists already: s3repl turns on versioning, never deletes it'),
    `  ${scalar(a.destination)}:`,
  ];
  if (!same) lines.push(`    region: ${scalar(a.destinationRegion)}`);
  lines.push(
    a.createDestination
      ? note('    create: true', 's3repl creates it (versioned, encrypted, public access blocked)')
      : note('    create: false', 'exists already'),
    '',
    'roles:',
    '  replication:',
    note(`    name: ${scalar(roleName(a.source))}`, 'created with a least-privilege policy from the rules'),
    '',
    'replications:',
    `  - source: ${scalar(a.source)}`,
    '    role: replication',
    '    rules:',
    `      - id: ${scalar(`to-${a.destination}`.slice(0, 255))}`,
  );
  if (a.prefix) lines.push('        filter:', `          prefix: ${scalar(a.prefix)}`);
  lines.push('        destination:', `          bucket: ${scalar(a.destination)}`, note('        deleteMarkers: true', 'a delete in the source hides the object in the copy too'));
  if (a.rtc) {
    lines.push(
      note('        rtc: true', 'Replication Time Control: 15-minute SLA, billed per GB'),
      '        alarms:',
      note('          latencySeconds: 900', 'alarm when the 15-minute SLA is missed'),
      note('          failedOperations: 1', 'any failed replication needs a look'),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function ask(questions: Array<{ key: keyof InitAnswers; text: string; fallback?: string; yesNo?: boolean }>, got: Partial<InitAnswers>) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Lines typed ahead of a question are queued by the iterator, not lost.
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (const q of questions) {
      if (got[q.key] !== undefined) continue;
      const fallback = q.key === 'destinationRegion' ? got.region : q.fallback;
      for (;;) {
        const hint = q.yesNo ? ' [y/N]' : fallback ? ` [${fallback}]` : '';
        process.stderr.write(`${q.text}${hint}: `);
        const next = await lines.next();
        if (next.done) throw new UserError('init: the terminal closed before every question was answered');
        const answer = String(next.value).trim();
        if (q.yesNo) {
          (got as Record<string, unknown>)[q.key] = /^y(es)?$/i.test(answer);
          break;
        }
        const value = answer || fallback;
        if (value) {
          (got as Record<string, unknown>)[q.key] = value;
          break;
        }
      }
    }
  } finally {
    rl.close();
  }
}

export const initCommand: CommandModule = {
  command: 'init',
  describe: 'Write a starter replication.yaml: one source bucket replicating to one destination (asks on a terminal)',
  builder: (y: Argv) =>
    y
      .option('source', { type: 'string', describe: 'The bucket to replicate from (it exists already)' })
      .option('destination', { type: 'string', describe: 'The bucket to replicate to' })
      .option('destination-region', { type: 'string', describe: 'Region of the destination bucket (default: the source region, --region)' })
      .option('create-destination', { type: 'boolean', describe: 'Let s3repl create the destination bucket (default: it exists already)' })
      .option('rtc', { type: 'boolean', describe: 'Replication Time Control (15-minute SLA, billed per GB) with latency and failure alarms' })
      .option('prefix', { type: 'string', describe: 'Replicate only keys starting with this prefix (default: every object)' })
      .example('$0 init', 'Answer a few questions on the terminal')
      .example(
        '$0 init --source acme-orders --destination acme-orders-dr --region us-east-1 --destination-region us-west-2',
        'No questions: Cross-Region Replication from an existing bucket to another existing bucket',
      )
      .example('$0 init -c prod/replication.yaml --source logs --destination logs-archive --create-destination', 'Same-Region, s3repl creates the destination')
      .epilogue(
        'Writes the file given by -c (default replication.yaml) and refuses to overwrite one that exists. ' +
          'Without a terminal, --source and --destination are required; the source region is --region, else AWS_REGION, else us-east-1. ' +
          'The file is checked as `s3repl validate` would before it is written. Exit codes: 0 written, 1 error.',
      ),
  async run(raw) {
    const argv = raw as unknown as InitArgs;
    const o = outputFor(argv);
    const out = argv.config;
    if (existsSync(out)) {
      throw new UserError(`${out} exists already; s3repl init never overwrites a configuration`, 'edit it, remove it first, or write another file with -c PATH');
    }
    const got: Partial<InitAnswers> = {
      source: argv.source,
      destination: argv.destination,
      region: argv.region ?? (argv.source && argv.destination ? process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1' : undefined),
      destinationRegion: argv['destination-region'],
      createDestination: argv['create-destination'],
      rtc: argv.rtc,
      prefix: argv.prefix,
    };
    const missing = (['source', 'destination'] as const).filter((k) => !got[k]);
    if (missing.length > 0) {
      if (!o.interactive) {
        throw new UserError(
          `init needs ${missing.map((m) => `--${m}`).join(' and ')} when there is no terminal to ask on`,
          'e.g. s3repl init --source my-bucket --destination my-bucket-copy --destination-region us-west-2',
        );
      }
      await ask(
        [
          { key: 'source', text: 'Source bucket (replicate from; it exists already)' },
          { key: 'region', text: 'Its region', fallback: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1' },
          { key: 'destination', text: 'Destination bucket (replicate to)' },
          { key: 'destinationRegion', text: 'Its region' },
          { key: 'createDestination', text: 'Should s3repl create the destination bucket?', yesNo: true },
          { key: 'rtc', text: 'Replication Time Control (15-minute SLA, billed per GB) and alarms?', yesNo: true },
        ],
        got,
      );
    }
    const answers: InitAnswers = {
      source: got.source!,
      destination: got.destination!,
      region: got.region!,
      destinationRegion: got.destinationRegion ?? got.region!,
      createDestination: got.createDestination ?? false,
      rtc: got.rtc ?? false,
      ...(got.prefix ? { prefix: got.prefix } : {}),
    };
    const text = starterConfig(answers, schemaRef(out));
    const check = loadConfigText(text, out);
    if (check.diagnostics.some((d) => d.severity === 'error')) {
      // Positions would point into a file that was not written: the messages alone.
      for (const d of check.diagnostics) o.err(formatDiagnostic({ ...d, file: 'init', line: 0, column: 0 }, o));
      throw new UserError(`the configuration from these answers is not valid, so ${out} was not written`, 'fix the values named above and run s3repl init again');
    }
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeFileSync(out, text, { flag: 'wx' });
    o.err(`Wrote ${out}: ${answers.source} (${answers.region}) → ${answers.destination} (${answers.destinationRegion}).`);
    const c = out === 'replication.yaml' ? '' : ` -c ${out}`;
    o.err(`Next: s3repl validate${c}, then s3repl plan${c} to see what s3repl would change.`);
    return 0;
  },
};
