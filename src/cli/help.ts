/**
 * Help and usage details of the command line that yargs does not do the way
 * s3repl wants: examples laid out so a command is never wrapped in the middle,
 * and an unknown command named as such, with the commands it may have meant.
 */
import type { Argv } from 'yargs';
import { distance } from '../config/suggest.js';
import { wrapWords } from '../render/values.js';

/** Global options that take a value (so the word after them is not the command). */
const VALUE_OPTIONS = new Set(['-c', '--config', '--profile', '--region', '--endpoint-url', '--parallelism', '--max-attempts']);

/**
 * The command word of `argv` (the first positional argument), skipping global
 * options and their values; undefined when there is none.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return a;
  }
  return undefined;
}

/** Up to three commands close to `word`: the ones it begins, then the nearest by edit distance. */
export function suggestCommands(word: string, names: readonly string[]): string[] {
  const w = word.toLowerCase();
  const scored = names
    .map((name) => {
      if (w.length >= 2 && name.startsWith(w)) return { name, score: 0 };
      const d = distance(w, name);
      const limit = Math.max(1, Math.min(3, Math.floor(Math.max(w.length, name.length) / 3)));
      return { name, score: d <= limit ? d : Infinity };
    })
    .filter((s) => s.score !== Infinity)
    .sort((a, b) => a.score - b.score || names.indexOf(a.name) - names.indexOf(b.name));
  return scored.slice(0, 3).map((s) => s.name);
}

/** The message for an unknown command: what was typed, likely meant, and every command. */
export function unknownCommandMessage(word: string, names: readonly string[]): string {
  const suggestions = suggestCommands(word, names);
  const meant = suggestions.length === 0 ? '' : ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?`;
  return `unknown command "${word}".${meant}\nCommands: ${names.join(', ')}.`;
}

/**
 * Makes `.example(command, description)` print the description as a `#` comment
 * line (wrapped at `width`) above the command, which has a line of its own:
 * yargs' two-column layout breaks long commands in the middle, which makes
 * them wrong to copy. Applies to every command's examples (they share the one
 * yargs instance).
 */
export function stackExamples<T>(y: Argv<T>, width: number): Argv<T> {
  const original = y.example.bind(y) as (cmd: string, description: string) => Argv<T>;
  const stacked = (cmd: string | Array<[string, string?]>, description?: string): Argv<T> => {
    if (Array.isArray(cmd)) {
      for (const [c, d] of cmd) stacked(c, d);
      return y;
    }
    // yargs indents example lines by 2.
    const comment = description ? wrapWords(description, Math.max(20, width - 4)).map((l) => `# ${l}`) : [];
    return original([...comment, cmd].join('\n'), '');
  };
  (y as unknown as { example: typeof stacked }).example = stacked;
  return y;
}
