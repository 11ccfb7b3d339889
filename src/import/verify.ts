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
import { compile } from '../engine/compile.js';
import { diffAttrs, observable } from '../engine/diff.js';
import { readLive } from '../engine/read.js';
import type { AttributeChange, Notice } from '../engine/types.js';
import { UserError } from '../errors.js';
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
  const compiled = compile(config, { accountId, lineage });
  const live = await readLive(
    aws,
    accountId,
    compiled.resources.map((d) => ({ key: d.address, kind: d.kind, id: d.id })),
  );
  const comparisons = compiled.resources.map((d): Comparison => {
    const l = live.get(d.address) ?? null;
    const changes = l ? diffAttrs(observable(l, d.attributes), observable(d.attributes, l)) : diffAttrs(null, d.attributes);
    return { desired: d, live: l, changes };
  });
  return { comparisons, notices: compiled.notices };
}

export interface Classified {
  /** Resources to record in state, with their live (normalised) attributes. */
  record: StateResource[];
  /** What the next plan will change beyond what generate already reported. */
  nextPlan: Array<{ address: string; what: string }>;
  /** Alarms that the next plan rewrites: address → the attributes that change. */
  rewrittenAlarms: Record<string, string[]>;
}

/**
 * Sorts each compared resource into recorded / explained change, or throws
 * ImportBugError for a difference import cannot explain.
 *
 * Recorded: every resource the file names that exists in AWS, with its live
 * value, the ones the next plan will update included. Those have to be: a
 * hand-made alarm that is not in state would stop the next plan (s3repl does
 * not take over alarms it did not create) and it is exactly what import adopts.
 */
export function classify(comparisons: Comparison[], report: ImportReport, now = new Date()): Classified {
  const record: StateResource[] = [];
  const nextPlan: Classified['nextPlan'] = [];
  const rewrittenAlarms: Classified['rewrittenAlarms'] = {};
  const unexpected: string[] = [];
  const known = new Set(report.nextPlan.map((n) => n.address));
  const paths = (cs: AttributeChange[]) => cs.map((c) => c.path);
  const describe = (cs: AttributeChange[]) =>
    cs.map((c) => `${c.path}: ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ');

  for (const { desired: d, live, changes } of comparisons) {
    if (live === null) {
      if (d.kind === 'role-policy' && known.has(d.address)) continue;
      unexpected.push(`${d.address}: not found in AWS`);
      continue;
    }
    if (changes.length > 0) {
      switch (d.kind) {
        case 'replication': {
          // V1 → V2, and the priorities a V2 form gives V1 rules (they have none: generate.ts numbers them).
          const onlyFormat = changes.every(
            (c) => (c.path === 'format' && c.before === 'V1' && c.after === 'V2') || (/^rules\.[^.]+\.priority$/.test(c.path) && c.before === 0),
          ) && changes.some((c) => c.path === 'format');
          if (!onlyFormat || !known.has(d.address)) {
            unexpected.push(`${d.address}: ${describe(changes)}`);
            continue;
          }
          break;
        }
        case 'versioning':
          nextPlan.push({
            address: d.address,
            what: `versioning of ${d.id.bucket} is ${String(live.status)}: the next apply enables it, as replication requires`,
          });
          break;
        case 'alarm':
          rewrittenAlarms[d.address] = paths(changes);
          nextPlan.push({
            address: d.address,
            what: `alarm ${d.id.alarmName} is rewritten in s3repl's form (${paths(changes).join(', ')}); its name, metric, threshold and topics stay`,
          });
          break;
        case 'role':
          if (!known.has(d.address)) unexpected.push(`${d.address}: ${describe(changes)}`);
          break;
        case 'role-policy':
          nextPlan.push({
            address: d.address,
            what: `inline policy ${d.id.policyName} of role ${d.id.roleName} is rewritten with the least-privilege permissions the rules need`,
          });
          break;
        default:
          unexpected.push(`${d.address}: ${describe(changes)}`);
          continue;
      }
    }
    record.push({ address: d.address, kind: d.kind, id: d.id, attributes: live, appliedAt: now.toISOString() });
  }
  if (unexpected.length) throw new ImportBugError(unexpected.join('\n'));
  return { record, nextPlan, rewrittenAlarms };
}
