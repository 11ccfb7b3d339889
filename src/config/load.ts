/**
 * Loading replication.yaml: YAML with a source position for every node, then
 * the JSON Schema, then defaults, then AWS's rules. Every problem a user can
 * cause becomes a Diagnostic with file:line:column; nothing here throws for
 * bad input.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CORE_SCHEMA, defineMappingTag, load as loadValue } from 'js-yaml';
import type { Document, Node } from 'yaml';
import { pointerOf, sortDiagnostics, type Finding } from './findings.js';
import { resolveConfig, type RawConfig } from './resolve.js';
import { checkRules } from './rules.js';
import { validateSchema } from './schema.js';
import { SourceMap, isMergeKey } from './source.js';
import type { Config, Diagnostic, DocPath, LoadResult, Position } from './types.js';
import { yamlLib } from './yaml-lib.js';
import { interner } from '../resources/util.js';

/**
 * The largest configuration s3repl reads. A configuration is a few hundred
 * bytes per bucket: 4 MiB holds thousands of replications, and stops a wrong
 * `-c` (a log file, /dev/zero) from eating memory and time.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads and loads a configuration file. File-level problems (missing, unreadable, too large) have line and column 0. */
export async function loadConfig(file: string): Promise<LoadResult> {
  let bytes: Buffer | 'too-large';
  try {
    bytes = await readCapped(file, MAX_CONFIG_BYTES);
  } catch (e) {
    return unreadable(file, e);
  }
  if (bytes === 'too-large') return fileProblem(file, 'config-too-large', `${file} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, the most s3repl reads as a configuration`, 'check that -c names the replication configuration; a configuration needs a few hundred bytes per bucket');
  return loadConfigBytes(bytes, file);
}

/** The file's bytes, or 'too-large' once more than `max` were read (without reading further: /dev/zero ends). */
async function readCapped(file: string, max: number): Promise<Buffer | 'too-large'> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size > max) return 'too-large';
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) return 'too-large';
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks);
  } finally {
    await fh.close();
  }
}

/**
 * Why the bytes are not UTF-8 text, naming the encoding they look like
 * (UTF-16 with or without a byte-order mark, Latin-1/Windows-1252), or
 * undefined when they are UTF-8.
 */
export function encodingProblem(bytes: Buffer): { message: string; hint: string; line: number; column: number } | undefined {
  const hint = 'save the file as UTF-8 (in most editors: "Save with encoding", or iconv -f ENCODING -t UTF-8)';
  const utf16 = (endian: string, bom: boolean) => ({
    message: `the file is UTF-16 (${endian}${bom ? ', with a byte-order mark' : ''}), not UTF-8`,
    hint,
    line: 1,
    column: 1,
  });
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16('little-endian', true);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16('big-endian', true);
  // Without a byte-order mark, ASCII text in UTF-16 has a zero in every other byte.
  const head = bytes.subarray(0, Math.min(bytes.length, 256));
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) i % 2 === 0 ? evenZeros++ : oddZeros++;
  if (head.length >= 4) {
    if (oddZeros >= head.length / 4 && evenZeros === 0) return utf16('little-endian', false);
    if (evenZeros >= head.length / 4 && oddZeros === 0) return utf16('big-endian', false);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { message: `the file holds a NUL byte (${where(bytes, nul)}): it is binary data, not a text configuration`, hint: 'check that -c names the replication configuration', ...position(bytes, nul) };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return undefined;
  } catch {
    const at = firstInvalidUtf8(bytes);
    const byte = bytes[at] ?? 0;
    return {
      message: `the file is not UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} (${where(bytes, at)}) is not valid UTF-8; the file looks like Latin-1 (ISO-8859-1) or Windows-1252`,
      hint: 'save the file as UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.new, then check it and rename it)',
      ...position(bytes, at),
    };
  }
}

function position(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function where(bytes: Buffer, offset: number): string {
  const p = position(bytes, offset);
  return `line ${p.line}, column ${p.column}`;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (0 if none is found). */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return 0;
}

function fileProblem(file: string, rule: string, message: string, hint: string, line = 0, column = 0): LoadResult {
  return { file, sha256: '', diagnostics: [{ file, line, column, severity: 'error', rule, message, hint }], positionOf: () => undefined };
}

/** Loads configuration text; `file` names it in diagnostics and anchors the local state path. */
export function loadConfigText(text: string, file: string): LoadResult {
  return loadConfigBytes(Buffer.from(text, 'utf8'), file);
}

function loadConfigBytes(bytes: Buffer, file: string): LoadResult {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const encoding = encodingProblem(bytes);
  if (encoding) return { ...fileProblem(file, 'config-encoding', encoding.message, encoding.hint, encoding.line, encoding.column), sha256 };
  const text = bytes.toString('utf8');
  const fast = fastValue(text);
  const parsed: Parsed = fast === undefined ? parse(text, file) : { diagnostics: [], value: fast.value };
  if (fast === undefined && !parsed.map) {
    return { file, sha256, diagnostics: sortDiagnostics(parsed.diagnostics), positionOf: () => undefined };
  }
  // The fast path keeps no positions: the full parse runs when the first one is asked for.
  let map = parsed.map;
  const mapOf = (): SourceMap => (map ??= parse(text, file).map!);
  const positionOf = (path: DocPath): Position | undefined => mapOf().positionOf(path);
  const diagnostics = parsed.diagnostics;
  const result: LoadResult = { file, sha256, diagnostics, positionOf };
  if (diagnostics.some((d) => d.severity === 'error')) {
    result.diagnostics = sortDiagnostics(diagnostics);
    return result;
  }

  const value = parsed.value;
  if (value === null || value === undefined) {
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      severity: 'error',
      rule: 'schema',
      message: 'the file is empty',
      hint: 'start with "version: 1"; see docs/configuration.md',
      pointer: '',
    });
    result.diagnostics = sortDiagnostics(diagnostics);
    return result;
  }

  // One string for each value however often the file repeats it (regions, storage classes, rule ids),
  // each a copy of its own rather than a view of the file's text.
  interner({ copy: true })(value);
  const schemaFindings = validateSchema(value);
  const locate = (f: Finding): Diagnostic => toDiagnostic(f, file, mapOf());
  if (schemaFindings.length > 0) {
    // The AWS-rule checks read the resolved shape, which only a schema-valid document has.
    diagnostics.push(...schemaFindings.map(locate));
    result.diagnostics = sortDiagnostics(diagnostics);
    return result;
  }

  const config: Config = resolveConfig(value as RawConfig, file);
  diagnostics.push(...checkRules(config).map(locate));
  result.diagnostics = sortDiagnostics(diagnostics);
  if (!diagnostics.some((d) => d.severity === 'error')) result.config = config;
  return result;
}

interface Parsed {
  diagnostics: Diagnostic[];
  map?: SourceMap;
  value?: unknown;
}

/**
 * A mapping as the full parser's value has it, for the fast path: a plain
 * object. A key that is not a plain string (a number, null, a boolean, a
 * collection) or is `__proto__` is refused, so the full parser reads that
 * document: it has its own rules for turning such keys into property names
 * (and for duplicates among them).
 */
const stringKeyMap = defineMappingTag<Record<string, unknown>>('tag:yaml.org,2002:map', {
  create: () => ({}),
  identify: () => false,
  addPair: (m, key, value) => {
    if (typeof key !== 'string' || key === '__proto__') return 'not a plain string key';
    m[key] = value;
    return '';
  },
  has: (m, key) => typeof key === 'string' && Object.hasOwn(m, key),
  keys: (m) => Object.keys(m),
  get: (m, key) => m[key as string],
});
const FAST_SCHEMA = CORE_SCHEMA.withTags(stringKeyMap);

/**
 * Text the fast path leaves to the full parser, where the two could read it
 * differently or the full parser would warn: anchors and merge keys (`&`, `<<`),
 * tags (`!`), directives (`%` at a line start), a flow collection closed at the
 * start of a line (a warning there when not indented enough), tabs, a
 * byte-order mark, and numbers with three-digit exponents (Infinity there).
 */
const FULL_PARSE_ONLY_TEXT = ['&', '!', '\t', '\uFEFF', '<<'];
const FULL_PARSE_ONLY = /^%|^[ ]*[\]}]|[0-9][eE][-+]?[0-9]{3}/m;

/**
 * The document's value, read without positions by a parser several times
 * faster than the full one (js-yaml, YAML 1.2 core schema, as the full parser
 * uses), when the text is one document that both read alike: undefined (the
 * full parse decides) for anything else, including every text with an error,
 * a duplicate key, an alias (maxAliases 0) or more than one document, so every
 * diagnostic still comes from the full parser, with its line and column.
 */
export function fastValue(text: string): { value: unknown } | undefined {
  if (FULL_PARSE_ONLY_TEXT.some((t) => text.includes(t)) || FULL_PARSE_ONLY.test(text)) return undefined;
  try {
    return { value: loadValue(text, { schema: FAST_SCHEMA, maxAliases: 0 }) };
  } catch {
    return undefined;
  }
}

function parse(text: string, file: string): Parsed {
  const { LineCounter, parseAllDocuments } = yamlLib();
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  let docs: Array<Document.Parsed>;
  try {
    // uniqueKeys: false, because the parser's own check compares each key with every
    // key before it in its mapping (quadratic: minutes for a mapping of 100,000 keys);
    // duplicateKeys() below finds the same duplicates with one hash set per mapping.
    docs = parseAllDocuments(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: false, logLevel: 'error' }) as Array<Document.Parsed>;
  } catch (e) {
    // Not expected: the parser reports problems as errors on the document.
    return { diagnostics: [syntax(file, 1, 1, `could not parse: ${messageOf(e)}`)] };
  }
  // parseAllDocuments returns an EmptyStream (an array with no documents) for empty text.
  const first = docs[0];
  if (!first) {
    return {
      diagnostics: [
        { file, line: 1, column: 1, severity: 'error', rule: 'schema', message: 'the file is empty', hint: 'start with "version: 1"; see docs/configuration.md', pointer: '' },
      ],
    };
  }
  const map = new SourceMap(first, lines);
  for (const doc of docs) {
    for (const e of doc.errors) {
      const p = map.at(e.pos[0]);
      const rule = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
      diagnostics.push({ ...syntax(file, p.line, p.column, yamlMessage(e.code, e.message, text, e.pos)), rule });
    }
    for (const w of doc.warnings) {
      const p = map.at(w.pos[0]);
      diagnostics.push({ ...syntax(file, p.line, p.column, yamlMessage(w.code, w.message, text, w.pos)), severity: 'warning' });
    }
    for (const at of duplicateKeys(doc)) {
      const p = map.at(at);
      diagnostics.push({ ...syntax(file, p.line, p.column, yamlMessage('DUPLICATE_KEY', '', text, [at, at + 80])), rule: 'duplicate-key' });
    }
  }
  for (const extra of docs.slice(1)) {
    const start = extra.range[0];
    const p = map.at(start);
    diagnostics.push({
      file,
      line: p.line,
      column: p.column,
      severity: 'error',
      rule: 'multiple-documents',
      message: 'the file holds more than one YAML document',
      hint: 'keep one configuration per file (remove the "---" separator and what follows, or split the file)',
    });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics, map };

  try {
    diagnostics.push(...checkAliases(first, map, file));
    if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics, map };
    // maxAliasCount guards against "billion laughs" alias bombs.
    const value: unknown = first.toJS({ maxAliasCount: 1000 });
    return { diagnostics, map, value };
  } catch (e) {
    diagnostics.push(syntax(file, 1, 1, e instanceof RangeError ? TOO_DEEP : `could not read the document: ${messageOf(e)}`));
    return { diagnostics, map };
  }
}

/**
 * Offsets of keys that repeat an earlier key of the same mapping: the second
 * and later occurrences, as the parser's own uniqueKeys check reports them. Two
 * keys are the same when both are scalars with the same value (so `1` and `"1"`
 * differ, as there); one hash set per mapping keeps this linear in the keys.
 */
function duplicateKeys(doc: Document.Parsed): number[] {
  const { isScalar, visit } = yamlLib();
  const out: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key)) continue;
        const v = key.value;
        // NaN never equals itself, so it is never a duplicate (as in the parser).
        if (typeof v === 'number' && Number.isNaN(v)) continue;
        if (seen.has(v)) out.push(key.range?.[0] ?? 0);
        else seen.add(v);
      }
    },
  });
  return out;
}

/** Aliases to unknown anchors and merge keys of non-mappings, which `toJS` would throw on. */
function checkAliases(doc: Document.Parsed, map: SourceMap, file: string): Diagnostic[] {
  const { isAlias, isMap, isPair, isSeq, visit } = yamlLib();
  const out: Diagnostic[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        const p = map.at(node.range?.[0] ?? 0);
        out.push(syntax(file, p.line, p.column, `unknown alias *${node.source}: no anchor &${node.source} before it`));
      }
    },
    Pair(_key, pair) {
      if (!isPair(pair)) return;
      const key = pair.key as Node | null;
      if (key && (isMap(key) || isSeq(key))) {
        const p = map.at(key.range?.[0] ?? 0);
        out.push(syntax(file, p.line, p.column, 'a mapping key must be a plain value, not a list or a mapping'));
        return;
      }
      if (!isMergeKey(pair.key)) return;
      const value = pair.value as Node | null;
      const resolved = value && isAlias(value) ? value.resolve(doc) : value;
      const sources = resolved && isSeq(resolved) ? (resolved.items as Array<Node | null>) : [value];
      for (const s of sources) {
        const r = s && isAlias(s) ? s.resolve(doc) : s;
        if (r === undefined && s && isAlias(s)) continue; // reported as an unknown alias
        if (!r || !isMap(r)) {
          const at = (s ?? value)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? 0;
          const p = map.at(at);
          out.push(syntax(file, p.line, p.column, 'a merge key (<<) takes a mapping or a list of mappings'));
        }
      }
    },
  });
  return out;
}

function toDiagnostic(f: Finding, file: string, map: SourceMap): Diagnostic {
  const p = map.positionOf(f.path, f.anchor ?? 'value') ?? { line: 1, column: 1 };
  const d: Diagnostic = { file, line: p.line, column: p.column, severity: f.severity, rule: f.rule, message: f.message, pointer: pointerOf(f.path) };
  if (f.hint !== undefined) d.hint = f.hint;
  return d;
}

function syntax(file: string, line: number, column: number, message: string): Diagnostic {
  return { file, line, column, severity: 'error', rule: 'yaml-syntax', message };
}

const FRIENDLY: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key',
  TAB_AS_INDENT: 'tabs are not allowed for indentation; use spaces',
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

/** What a stack overflow while parsing or walking the document means for the user. */
const TOO_DEEP = 'the document nests lists or mappings too deeply to read (a configuration needs a handful of levels)';

function yamlMessage(code: string, message: string, text: string, pos: [number, number]): string {
  if (/Maximum call stack size exceeded/.test(message)) return TOO_DEEP;
  if (code === 'DUPLICATE_KEY') {
    const key = text.slice(pos[0], Math.min(pos[1], pos[0] + 80)).split(/[:\n]/)[0]?.trim();
    return key ? `duplicate key "${key}"` : 'duplicate key';
  }
  const friendly = FRIENDLY[code];
  if (friendly) return friendly;
  // The parser's messages are good; drop any location suffix it adds.
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function unreadable(file: string, e: unknown): LoadResult {
  const code = (e as { code?: string }).code;
  const message =
    code === 'ENOENT'
      ? `${file} not found`
      : code === 'EISDIR'
        ? `${file} is a directory, not a file`
        : code === 'EACCES' || code === 'EPERM'
          ? `${file} cannot be read: permission denied`
          : `${file} cannot be read: ${messageOf(e)}`;
  const hint = code === 'ENOENT' ? 'pass the configuration with -c FILE (default: replication.yaml in the current directory)' : undefined;
  const d: Diagnostic = { file, line: 0, column: 0, severity: 'error', rule: code === 'ENOENT' ? 'config-not-found' : 'config-unreadable', message };
  if (hint) d.hint = hint;
  return { file, sha256: '', diagnostics: [d], positionOf: () => undefined };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
