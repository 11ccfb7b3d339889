import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../helpers/cli.js';
import { starterConfig } from '../../src/cli/commands/init.js';
import { loadConfigText } from '../../src/config/load.js';
import { SCHEMA_URL } from '../../src/cli/schema-ref.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 's3repl-init-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function s3repl(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('s3repl init', () => {
  it('writes a valid starter configuration from flags, with the schema reference and next steps', () => {
    const cwd = dir();
    const r = s3repl(cwd, 'init', '--source', 'acme-orders', '--destination', 'acme-orders-dr', '--region', 'eu-west-1', '--destination-region', 'eu-central-1', '--rtc');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Wrote replication.yaml: acme-orders (eu-west-1) → acme-orders-dr (eu-central-1).');
    expect(r.stderr).toContain('Next: s3repl validate, then s3repl plan');
    const text = readFileSync(path.join(cwd, 'replication.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    const load = loadConfigText(text, 'replication.yaml');
    expect(load.diagnostics).toEqual([]);
    const config = parse(text);
    expect(config.defaults.region).toBe('eu-west-1');
    expect(config.buckets).toEqual({ 'acme-orders': {}, 'acme-orders-dr': { region: 'eu-central-1', create: false } });
    expect(config.replications[0].rules[0]).toMatchObject({ destination: { bucket: 'acme-orders-dr' }, rtc: true, alarms: { latencySeconds: 900 } });
    expect(s3repl(cwd, 'validate').code).toBe(0);
  });

  it('refuses to overwrite an existing file', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'replication.yaml'), 'mine\n');
    const r = s3repl(cwd, 'init', '--source', 'acme-orders', '--destination', 'acme-orders-dr');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('replication.yaml exists already; s3repl init never overwrites a configuration');
    expect(readFileSync(path.join(cwd, 'replication.yaml'), 'utf8')).toBe('mine\n');
  });

  it('names the flags it needs when there is no terminal to ask on', () => {
    const cwd = dir();
    const r = s3repl(cwd, 'init', '--source', 'acme-orders');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('init needs --destination when there is no terminal to ask on');
    expect(existsSync(path.join(cwd, 'replication.yaml'))).toBe(false);
  });

  it('writes nothing when the answers do not make a valid configuration, and says why', () => {
    const cwd = dir();
    const r = s3repl(cwd, 'init', '-c', 'prod/replication.yaml', '--source', 'Acme_Orders', '--destination', 'acme-orders-dr');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[invalid-bucket-name]: invalid bucket name "Acme_Orders"');
    expect(r.stderr).toContain('so prod/replication.yaml was not written');
    expect(existsSync(path.join(cwd, 'prod/replication.yaml'))).toBe(false);
  });

  it('quotes names YAML would read as something else, and leaves the region out for Same-Region Replication', () => {
    const text = starterConfig(
      { source: '1234', destination: 'true', region: 'us-east-1', destinationRegion: 'us-east-1', createDestination: true, rtc: false, prefix: 'logs/' },
      './node_modules/s3repl/schema/replication.schema.json',
    );
    const config = parse(text);
    expect(config.buckets).toEqual({ '1234': {}, true: { create: true } });
    expect(config.replications[0]).toMatchObject({ source: '1234', rules: [{ filter: { prefix: 'logs/' }, destination: { bucket: 'true' } }] });
    expect(text).toContain('Same-Region Replication');
    expect(text).not.toContain('rtc');
    expect(loadConfigText(text, 'r.yaml').diagnostics).toEqual([]);
  });
});
