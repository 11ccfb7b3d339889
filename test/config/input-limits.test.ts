/**
 * Hostile or mistaken configuration files: too large (or endless, like
 * /dev/zero), or not UTF-8. Each is one clear diagnostic naming the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodingProblem, loadConfig, MAX_CONFIG_BYTES } from '../../src/config/load.js';
import { runCli } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 's3repl-limits-'));
function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const YAML = `version: 1
defaults: { region: us-east-1 }
buckets:
  café-src: {}
`;

describe('configuration size', () => {
  it('refuses a file over the cap without parsing it, naming the file and the limit', async () => {
    const big = file('big.yaml', `version: 1\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    const r = await loadConfig(big);
    expect(r.config).toBeUndefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ rule: 'config-too-large', severity: 'error', line: 0, file: big })]);
    expect(r.diagnostics[0]!.message).toBe(`${big} is larger than 4 MiB, the most s3repl reads as a configuration`);
  });

  it('stops reading an endless file (/dev/zero)', async () => {
    const r = await loadConfig('/dev/zero');
    expect(r.diagnostics.map((d) => d.rule)).toEqual(['config-too-large']);
  });

  it('a file just under the cap is read', async () => {
    const ok = file('ok.yaml', `${YAML}# ${'x'.repeat(MAX_CONFIG_BYTES - YAML.length - 10)}\n`);
    const r = await loadConfig(ok);
    expect(r.diagnostics.map((d) => d.rule)).not.toContain('config-too-large');
  });

  it('plan -c /dev/zero says so and exits 1', async () => {
    const r = await runCli(['plan', '-c', '/dev/zero', '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/dev/zero is larger than 4 MiB');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('configuration shape', () => {
  it('nesting deep enough to overflow the parser is said in words, not as a stack overflow', async () => {
    const deep = file('deep.yaml', `version: 1\nbuckets: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const r = await loadConfig(deep);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'the document nests lists or mappings too deeply to read (a configuration needs a handful of levels)',
    ]);
  });
});

describe('configuration encoding', () => {
  const utf16le = (s: string) => Buffer.from(s, 'utf16le');
  const utf16be = (s: string) => {
    const b = Buffer.from(s, 'utf16le');
    for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
    return b;
  };

  it('names UTF-16 with a byte-order mark, either endianness', () => {
    expect(encodingProblem(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(YAML)]))?.message).toBe('the file is UTF-16 (little-endian, with a byte-order mark), not UTF-8');
    expect(encodingProblem(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(YAML)]))?.message).toBe('the file is UTF-16 (big-endian, with a byte-order mark), not UTF-8');
  });

  it('names UTF-16 without a byte-order mark', () => {
    expect(encodingProblem(utf16le(YAML))?.message).toBe('the file is UTF-16 (little-endian), not UTF-8');
    expect(encodingProblem(utf16be(YAML))?.message).toBe('the file is UTF-16 (big-endian), not UTF-8');
  });

  it('names Latin-1 / Windows-1252 and points at the first byte that is not UTF-8', () => {
    const p = encodingProblem(Buffer.from(YAML, 'latin1'));
    expect(p?.message).toBe('the file is not UTF-8: byte 0xE9 (line 4, column 6) is not valid UTF-8; the file looks like Latin-1 (ISO-8859-1) or Windows-1252');
    expect(p).toMatchObject({ line: 4, column: 6 });
  });

  it('accepts UTF-8, with or without a byte-order mark', () => {
    expect(encodingProblem(Buffer.from(YAML, 'utf8'))).toBeUndefined();
    expect(encodingProblem(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(YAML, 'utf8')]))).toBeUndefined();
  });

  it('calls binary data binary', () => {
    expect(encodingProblem(Buffer.from([0x76, 0x65, 0x72, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]))?.message).toContain('NUL byte');
  });

  it('validate reports it as one diagnostic at the byte, with a hint, exit 1', async () => {
    const f = file('latin1.yaml', Buffer.from(YAML, 'latin1'));
    const r = await runCli(['validate', '-c', f, '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${f}:4:6: error[config-encoding]: the file is not UTF-8`);
    expect(r.stdout).toContain('Latin-1');
    expect(r.stdout).toContain('hint: save the file as UTF-8');
  });

  it('plan names UTF-16 instead of reporting garbage', async () => {
    const f = file('utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(YAML)]));
    const r = await runCli(['plan', '-c', f, '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the file is UTF-16 (little-endian, with a byte-order mark), not UTF-8');
    expect(r.stderr).not.toContain('yaml-syntax');
  });
});
