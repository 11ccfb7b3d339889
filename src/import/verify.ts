/**
 * `s3repl import`, step 3: check the generated file the way plan will read
 * it. First the loader (schema and AWS rules: no errors, and no warnings but
 * those that describe the live setup itself); then compile it and compare each
 * resource with what AWS holds, exactly as plan does. Every difference must be
 * one import knows and explains (V1 → V2, an adopted role, an alarm rewritten
 * in s3repl's form, versioning that is not enabled); anything else means the
 * generated file does not reproduce the setup, a bug: nothing is written.
 */
import type { AwsClients } from '../aws/clients.js';
import { loadConfigText } from '../config/load.js';
import type { Config, Diagnostic } from '../config/types.js';
import { desiredResources } from '../engine/desired.js';
import { diffAttrs, observable } from '../engine/diff.js';
import { readLive } from '../engine/read.js';
import type { AttributeChange, Notice } from '../engine/types.js';
import { UserError } from '../errors.js';
import { kindOf } from '../resources/index.js';
import type { DesiredResource, LiveValue } from '../resources/types.js';
import type { StateResource } from '../state/types.js';
import type { ImportReport } from './generate.js';

/**
 * Warnings about the setup as it is in AWS (not about how import wrote it):
 * the file reports them, faithfully; the user decides.
 */
export const LIVE_SETUP_WARNINGS: ReadonlySet<string> = new Set([
  'two-way-without-replica-modifications',
  'chained-replication',
  'replica-key-without-sse-kms',
  'alarm-topic-region',
  // A destination in another account: the imported file cannot know how to reach it (accounts:).
  'account-without-credentials',
]);

/** The generated file does not reproduce the live setup: a bug in import, never the user's doing. */
export class ImportBugError extends UserError {
  constructor(details: string) {
    super(
      `s3repl import generated a configuration that does not reproduce the live setup (a bug in s3repl import); nothing was written:\n  ${details.split('\n').join('\n  ')}`,
      'please report it with this output (run with --debug for AWS call counts); meanwhile write replication.yaml by hand (docs/configuration.md)',
    );
    this.name = 'ImportBugError';
  }
}

export function checkGenerated(text: string, file: string): { config: Config; warnings: Diagnostic[] } {
  const load = loadConfigText(text, file);
  const fmt = (d: Diagnostic) => `line ${d.line}:${d.column}: ${d.severity}[${d.rule}]: ${d.message}`;
  const bad = load.diagnostics.filter((d) => d.severity === 'error' || !LIVE_SETUP_WARNINGS.has(d.rule));
  if (bad.length || !load.config) {
    throw new ImportBugError(`the generated file does not validate:\n${bad.map(fmt).join('\n')}`);
  }
  return { config: load.config, warnings: load.diagnostics };
}

export interface Comparison {
  desired: DesiredResource;
  live: LiveValue;
  /** As plan will show them: live → desired. */
  changes: AttributeChange[];
}

/** Compiles the configuration and reads every resource it names, as plan does. */
export async function compareWithLive(
  config: Config,
  aws: AwsClients,
  accountId: string,
  lineage: string,
): Promise<{ comparisons: Comparison[]; notices: Notice[] }> {
  const expanded = desiredResources(config, { accountId, lineage });
  const live = await readLive(aws, accountId, expanded.resources);
  const comparisons = expanded.resources.map((d): Comparison => {
    const l = live.get(d.address) ?? null;
    const changes = l ? diffAttrs(observable(l, d.attributes), observable(d.attributes, l)) : diffAttrs(null, d.attributes);
    return { desired: d, live: l, changes };
  });
  return { comparisons, notices: expanded.notices };
}

export interface Classified {
  /** Resources to record in state, with their live (normalised) attributes. */
  record: StateResource[];
  /** What the next plan will change beyond what generate already reported. */
  nextPlan: Array<{ address: string; what: string }>;
  /** Comments to write beside a rule's key in the generated file (e.g. an alarm the next plan rewrites). */
  ruleComments: Array<{ address: string; source: string; ruleId: string; key: string; text: string }>;
}

/**
 * Sorts each compared resource into recorded / explained change, or throws
 * ImportBugError for a difference import cannot explain. Which differences a
 * kind explains is the kind's to say (ResourceKind.importCheck).
 *
 * Recorded: every resource the file names that exists in AWS, with its live
 * value, the ones the next plan will update included. Those have to be: a
 * hand-made alarm that is not in state would stop the next plan (s3repl does
 * not take over alarms it did not create) and it is exactly what import adopts.
 */
export function classify(comparisons: Comparison[], report: ImportReport, now = new Date()): Classified {
  const out: Classified = { record: [], nextPlan: [], ruleComments: [] };
  const unexpected: string[] = [];
  const known = new Set(report.nextPlan.map((n) => n.address));
  const describe = (cs: AttributeChange[]) =>
    cs.map((c) => `${c.path}: ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ');

  for (const { desired: d, live, changes } of comparisons) {
    if (live === null || changes.length > 0) {
      const check = kindOf(d.kind).importCheck;
      const v = check?.({ desired: d, live, paths: changes.map((c) => c.path), known: known.has(d.address) }) ?? { verdict: 'unexpected' as const };
      if (v.verdict === 'skip') continue;
      if (v.verdict === 'unexpected') {
        unexpected.push(`${d.address}: ${live === null ? 'not found in AWS' : describe(changes)}`);
        continue;
      }
      if (v.nextPlan) out.nextPlan.push({ address: d.address, what: v.nextPlan });
      if (v.comment) out.ruleComments.push({ address: d.address, ...v.comment });
    }
    out.record.push({ address: d.address, kind: d.kind, id: d.id, attributes: live!, appliedAt: now.toISOString() });
  }
  if (unexpected.length) throw new ImportBugError(unexpected.join('\n'));
  return out;
}
