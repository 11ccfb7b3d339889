/**
 * Fuzz-style: truncated examples and random bytes through `s3repl validate`
 * in-process. Whatever the input, the exit code is 0 or 1 and no stack trace
 * is printed.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { PLAIN, runCli } from './cli-harness.js';

const root = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 's3repl-fuzz-'));
const sources = ['replication.yaml', ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STACK = /^\s+at /m;

async function validateBytes(bytes: Buffer, name: string, format: 'text' | 'json'): Promise<void> {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  const r = await runCli(['validate', '-c', f, '--format', format], PLAIN);
  const context = `${name}: ${JSON.stringify(bytes.toString('utf8').slice(-80))}`;
  expect([0, 1], context).toContain(r.code);
  expect(r.stdout, context).not.toMatch(STACK);
  expect(r.stderr, context).not.toMatch(STACK);
  if (format === 'json') {
    const doc = JSON.parse(r.stdout) as { valid: boolean };
    expect(doc.valid, context).toBe(r.code === 0);
  }
}

describe('fuzz', () => {
  it('every example truncated every 37 bytes, through the CLI', async () => {
    let runs = 0;
    for (const src of sources) {
      const bytes = readFileSync(join(root, src));
      for (let n = 0; n < bytes.length; n += 37) {
        await validateBytes(bytes.subarray(0, n), `trunc-${runs}.yaml`, runs % 2 ? 'json' : 'text');
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(150);
  });

  it('every example truncated at every byte, through the loader', () => {
    for (const src of sources) {
      const text = readFileSync(join(root, src), 'utf8');
      for (let n = 0; n <= text.length; n++) {
        const r = loadConfigText(text.slice(0, n), 'fuzz.yaml');
        expect(r.config !== undefined || r.diagnostics.some((d) => d.severity === 'error'), `${src} at ${n}`).toBe(true);
        for (const d of r.diagnostics) {
          expect(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1, `${src} at ${n}`).toBe(true);
        }
      }
    }
  });

  it('random bytes and random YAML-ish text from a seeded PRNG, through the CLI', async () => {
    const random = prng(0x5eed);
    const alphabet = 'version: 1\nbuckets:\n  - &*<<{}[],:"\'#|>!%@`\t -?\\ abcxyz0123456789replicationsrulesdestination';
    for (let i = 0; i < 150; i++) {
      const length = Math.floor(random() * 400);
      let bytes: Buffer;
      if (i % 3 === 0) {
        bytes = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
      } else {
        bytes = Buffer.from(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''), 'utf8');
      }
      await validateBytes(bytes, `random-${i}.yaml`, i % 2 ? 'json' : 'text');
    }
  });

  it('examples with random single-byte mutations, through the CLI', async () => {
    const random = prng(42);
    const replacements = [':', '-', ' ', '\n', '{', '[', '&', '*', '"', '#', 'x', '0', '\t'];
    for (let i = 0; i < 120; i++) {
      const src = sources[i % sources.length]!;
      const bytes = Buffer.from(readFileSync(join(root, src)));
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(random() * bytes.length);
        bytes[at] = replacements[Math.floor(random() * replacements.length)]!.charCodeAt(0);
      }
      await validateBytes(bytes, `mutant-${i}.yaml`, 'text');
    }
  });
});
