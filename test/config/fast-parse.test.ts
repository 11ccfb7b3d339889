/**
 * A valid configuration is read by a fast parser without positions; the full
 * parser (positions for every node) reads whatever the fast one declines and
 * every document with a problem. The two must read any document the fast one
 * accepts to the same value, and every diagnostic must still carry its line and
 * column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as fullParse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fastValue } from '../../src/config/load.js';
import { BASE, brief, load, only } from './helpers.js';

const root = resolve(__dirname, '../..');
const exampleFiles = ['replication.yaml', ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

/** The full parser's value, as load.ts asks for it (YAML 1.2 core schema, merge keys). */
const full = (text: string): unknown => fullParse(text, { merge: true, uniqueKeys: false, logLevel: 'silent' });

describe('fast configuration parsing', () => {
  for (const f of exampleFiles) {
    it(`reads ${f} to the value the full parser reads`, () => {
      const text = readFileSync(join(root, f), 'utf8');
      const fast = fastValue(text);
      // Ordinary configurations are the fast path's: only anchors and merge keys (two-way.yaml) send one to the full parser.
      if (!text.includes('&')) expect(fast).toBeDefined();
      if (fast) expect(fast.value).toEqual(full(text));
    });
  }

  const scalars = [
    '1', '+1', '-1', '012', '0o17', '0x1F', '1_000', '1e3', '1.5e-3', '.5', '5.', '.inf', '-.Inf', '.NaN', 'NaN',
    '~', 'null', 'Null', 'NULL', '', 'true', 'True', 'FALSE', 'yes', 'no', 'on', 'off', '2024-01-01', '12:30', '0b101',
    '"1"', "'1'", '"a\\tb"', "'it''s'", '"\\u00e9"', 'a #b', 'a#b', 'logs/*', '"x\\\n  y"', '[1, 2]', '{a: 1, b: [x, y]}',
    '9007199254740993', '1e400', '-0', '!!str 1', '!!float 1', '|\n  one\n  two\n', '>-\n  one\n  two\n',
  ];
  it('reads scalars of every kind alike, or leaves them to the full parser', () => {
    for (const s of scalars) {
      const text = `k: ${s}\nlist:\n  - ${s.includes('\n') ? 'x' : s}\n`;
      const fast = fastValue(text);
      if (fast !== undefined) expect({ s, value: fast.value }).toEqual({ s, value: full(text) });
    }
  });

  it('leaves keys that are not plain strings, anchors, tags and directives to the full parser', () => {
    for (const text of [
      '1: a\n',
      'null: a\n',
      '~: a\n',
      'true: a\n',
      '? [a]\n: b\n',
      '__proto__: a\n',
      'a: &x 1\nb: *x\n',
      'a: { x: 1 }\nb:\n  <<: { y: 2 }\n',
      'a: !!str 1\n',
      '%YAML 1.1\n---\na: yes\n',
      'a: [\n  1\n]\n',
      'a: 1e400\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\na: 2\n',
      '1: a\n"1": b\n',
      'a:\n\t- 1\n',
      '',
      'a: [1\n',
    ]) {
      expect({ text, fast: fastValue(text) }).toEqual({ text, fast: undefined });
    }
  });

  it('still gives every problem its line and column', () => {
    // A schema problem in a document the fast path reads: the position comes from the full parse.
    const r = load(BASE.replace('dst-bucket: { region: us-west-2 }', 'dst-bucket: { region: us-west-2, versioning: maybe }'));
    expect(brief(r)).toEqual(['6:36 error[schema]']);
    // A duplicate key: the fast path declines, the full parser reports it where it is written.
    const d = load(`${BASE}buckets:\n  other: {}\n`);
    expect(only(d, 'duplicate-key').map((x) => `${x.line}:${x.column} ${x.message}`)).toEqual(['16:1 duplicate key "buckets"']);
    // positionOf works on a document the fast path read.
    expect(load(BASE).positionOf(['replications', 0, 'source'])).toEqual({ line: 10, column: 13 });
  });
});
