/**
 * Source positions for a parsed YAML document: given a path of keys and
 * indexes (as in the JS value the document becomes), find where that node is
 * written. Aliases and merge keys (`<<`) are followed, so a path into the
 * merged value lands on the text that produced it.
 */
import type { Document, LineCounter, Node, Pair } from 'yaml';
import type { DocPath, Position } from './types.js';
import { yamlLib } from './yaml-lib.js';

/** `value`: the node itself (scalars) or the key naming it (collections). `key`: always the key. */
export type Anchor = 'value' | 'key';

interface Located {
  node: Node | null;
  /** The key of the pair holding `node`, when its parent is a mapping. */
  key?: Node;
}

export class SourceMap {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column (1-based) of a byte offset into the text. */
  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where the node at `path` is written; when it is absent, its nearest
   * present ancestor. Undefined only for an empty document.
   */
  positionOf(path: DocPath, anchor: Anchor = 'value'): Position | undefined {
    const chain = this.walk(path);
    for (let i = chain.length - 1; i >= 0; i--) {
      const here = chain[i]!;
      const wantKey = anchor === 'key' && i === path.length;
      const offset = this.offsetOf(here, wantKey);
      if (offset !== undefined) return this.at(offset);
    }
    return undefined;
  }

  private offsetOf(here: Located, wantKey: boolean): number | undefined {
    const { isAlias, isMap, isSeq } = yamlLib();
    const keyStart = here.key?.range?.[0];
    if (wantKey && keyStart !== undefined) return keyStart;
    const node = here.node;
    const resolved = node && isAlias(node) ? node.resolve(this.doc) : node;
    const isCollection = resolved !== undefined && resolved !== null && (isMap(resolved) || isSeq(resolved));
    // A collection is best shown by the key that names it (`destination:`),
    // not by its first entry on the next line.
    if (isCollection && keyStart !== undefined) return keyStart;
    const start = node?.range?.[0];
    if (start !== undefined) return start;
    return keyStart;
  }

  /** The nodes along `path`, from the root; stops early at the first missing one. */
  private walk(path: DocPath): Located[] {
    const chain: Located[] = [{ node: this.doc.contents as Node | null }];
    let current: Node | null = this.doc.contents as Node | null;
    for (const segment of path) {
      const next = this.child(current, segment, 0);
      if (!next) break;
      chain.push(next);
      current = next.node;
    }
    return chain;
  }

  private child(node: Node | null, segment: string | number, depth: number): Located | undefined {
    const { isAlias, isMap, isPair, isSeq } = yamlLib();
    if (!node || depth > 50) return undefined;
    if (isAlias(node)) return this.child(node.resolve(this.doc) ?? null, segment, depth + 1);
    if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      if (!Number.isInteger(index)) return undefined;
      const item = node.items[index];
      return item === undefined ? undefined : { node: item as Node | null };
    }
    if (isMap(node)) {
      const want = String(segment);
      const pairs = node.items as Pair[];
      // Explicit keys win over merged ones, wherever they are written.
      for (const pair of pairs) {
        if (isPair(pair) && !isMergeKey(pair.key) && keyText(pair.key) === want) {
          return { node: pair.value as Node | null, key: pair.key as Node };
        }
      }
      for (const pair of pairs) {
        if (!isPair(pair) || !isMergeKey(pair.key)) continue;
        const source = pair.value as Node | null;
        const resolved = source && isAlias(source) ? source.resolve(this.doc) : source;
        const sources = resolved && isSeq(resolved) ? (resolved.items as Node[]) : [source];
        for (const s of sources) {
          const found = this.child(s ?? null, segment, depth + 1);
          if (found) return found;
        }
      }
    }
    return undefined;
  }
}

export function isMergeKey(key: unknown): boolean {
  const { isScalar } = yamlLib();
  if (!isScalar(key)) return false;
  const v = key.value;
  return typeof v === 'symbol' && v.description === '<<';
}

/** A mapping key as the JS value's property name. */
function keyText(key: unknown): string | undefined {
  const { isScalar } = yamlLib();
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return undefined;
  return String(key);
}
