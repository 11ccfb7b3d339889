/** Shared helpers for the config tests. */
import { loadConfigText } from '../../src/config/load.js';
import type { Diagnostic, LoadResult } from '../../src/config/types.js';

export const FILE = '/project/replication.yaml';

export function load(text: string): LoadResult {
  return loadConfigText(text, FILE);
}

/** `line:col severity[rule]` of every diagnostic, for compact assertions. */
export function brief(result: LoadResult): string[] {
  return result.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity}[${d.rule}]`);
}

export function only(result: LoadResult, rule: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.rule === rule);
}

/** A valid base document; tests replace parts of it. Line numbers are noted for reading the assertions. */
export const BASE = `version: 1
defaults:
  region: us-east-1
buckets:
  src-bucket: {}
  dst-bucket: { region: us-west-2 }
roles:
  r: { name: repl }
replications:
  - source: src-bucket
    role: r
    rules:
      - id: one
        destination:
          bucket: dst-bucket
`;
