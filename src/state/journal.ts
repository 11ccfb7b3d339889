/**
 * The state journal: batches of changes appended, one JSON line each, to a
 * file beside a local state (`<state>.journal`), so that recording a finished
 * step costs what the step changed, not a rewrite of the whole state. A write
 * of the whole state folds the journal in and removes it; reading a state
 * applies its journal (a killed apply leaves one).
 *
 * Each line is a StateJournalEntry: its `serial` is one more than the state's
 * (or the line's before it). Lines at or below the state's serial were folded
 * in already (the process died after writing the state, before removing the
 * journal) and are skipped; lines of another lineage are a leftover of a state
 * that was replaced, and are ignored. A last line without its newline was cut
 * short by a crash: it was never acknowledged, so it is ignored (and cut off
 * before the next append). Anything else unreadable is refused, untouched.
 */
import { UserError } from '../errors.js';
import { assertNoSecrets, canonicalResource, isPlainObject, resourceProblem } from './document.js';
import type { StateDocument, StateJournalEntry } from './types.js';

/** One line of the journal, newline included. Refuses anything that looks like a credential. */
export function serializeJournalEntry(entry: StateJournalEntry): string {
  for (const r of entry.put) assertNoSecrets(r);
  const line = {
    lineage: entry.lineage,
    serial: entry.serial,
    s3replVersion: entry.s3replVersion,
    put: entry.put.map(canonicalResource),
    remove: entry.remove,
  };
  return `${JSON.stringify(line)}\n`;
}

export interface Replayed {
  /** Entries applied to the document. */
  applied: number;
  /** Bytes of whole lines: where the next append goes (a cut-short last line is dropped first). */
  goodBytes: number;
}

/**
 * Applies the journal's entries to `doc` (in place). `where` names the journal
 * in messages. Throws UserError for a journal that is damaged other than at its
 * very end.
 */
export function replayJournal(doc: StateDocument, bytes: Buffer, where: string): Replayed {
  const refuse = (problem: string): never => {
    throw new UserError(
      `state journal at ${where} is unusable: ${problem}. Nothing was overwritten; s3repl stopped without changing anything.`,
      'The journal holds the steps of an apply that did not finish. Inspect it; if it is damaged beyond use, move it away and run plan to see what AWS holds.',
    );
  };
  const lastNewline = bytes.lastIndexOf(0x0a);
  const goodBytes = lastNewline + 1;
  const lines = bytes.subarray(0, goodBytes).toString('utf8').split('\n');
  lines.pop(); // after the last newline
  let applied = 0;
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      entry = undefined;
    }
    const problem = entryProblem(entry);
    if (problem) {
      // Damage that only spans the end of the file is a write cut short: drop it.
      if (lines.slice(i + 1).every((l) => entryProblem(safeParse(l)) !== undefined)) return { applied, goodBytes: offset };
      return refuse(`line ${i + 1} ${problem}`);
    }
    offset += Buffer.byteLength(text, 'utf8') + 1;
    const e = entry as StateJournalEntry;
    if (e.lineage !== doc.lineage) {
      // A leftover of a state this one replaced: none of it applies.
      if (applied > 0) return refuse(`line ${i + 1} belongs to lineage ${e.lineage}, not ${doc.lineage}`);
      return { applied: 0, goodBytes: 0 };
    }
    if (e.serial <= doc.serial) continue;
    if (e.serial !== doc.serial + 1) return refuse(`line ${i + 1} has serial ${e.serial}, but the state before it is at serial ${doc.serial}`);
    for (const r of e.put) doc.resources[r.address] = r;
    for (const address of e.remove) delete doc.resources[address];
    doc.serial = e.serial;
    doc.s3replVersion = e.s3replVersion;
    applied++;
  }
  return { applied, goodBytes };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function entryProblem(e: unknown): string | undefined {
  if (!isPlainObject(e)) return 'is not a JSON object';
  if (typeof e.lineage !== 'string' || e.lineage === '') return 'has no "lineage"';
  if (typeof e.serial !== 'number' || !Number.isSafeInteger(e.serial) || e.serial < 1) return 'has no positive integer "serial"';
  if (typeof e.s3replVersion !== 'string') return 'has no "s3replVersion"';
  if (!Array.isArray(e.put) || !Array.isArray(e.remove)) return 'has no "put" and "remove" lists';
  for (const r of e.put as unknown[]) {
    const address = isPlainObject(r) ? r.address : undefined;
    const problem = typeof address === 'string' ? resourceProblem(address, r) : 'has no "address"';
    if (problem) return `records a resource that ${problem}`;
  }
  if (!(e.remove as unknown[]).every((a) => typeof a === 'string')) return 'has a "remove" entry that is not an address';
  return undefined;
}
