import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigText } from '../../src/config/load.js';
import { BASE, brief, load, only } from './helpers.js';

describe('YAML', () => {
  it('reports a syntax error at its line and column, never throwing', () => {
    const r = load('version: 1\nbuckets:\n  a: [1, 2\n  b: {}\n');
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => d.rule === 'yaml-syntax' && d.severity === 'error')).toBe(true);
    expect(r.diagnostics[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a bad indentation at the offending line', () => {
    const r = load('version: 1\ndefaults:\n  region: us-east-1\n tags: {}\n');
    expect(r.diagnostics[0]).toMatchObject({ rule: 'yaml-syntax', line: 4 });
  });

  it('reports tabs used for indentation', () => {
    const r = load('version: 1\ndefaults:\n\tregion: us-east-1\n');
    expect(r.diagnostics.some((d) => d.rule === 'yaml-syntax' && d.line === 3)).toBe(true);
  });

  it('rejects duplicate keys at the second occurrence', () => {
    const r = load('version: 1\nbuckets:\n  a: {}\n  b: {}\n  a: { create: true }\n');
    expect(brief(r)).toEqual(['5:3 error[duplicate-key]']);
    expect(r.diagnostics[0]!.message).toBe('duplicate key "a"');
  });

  it('finds duplicate keys at every depth and in flow mappings, each repeat once', () => {
    const r = load('version: 1\nbuckets:\n  a: { region: us-east-1, region: us-west-2 }\n  b:\n    tags: { x: "1" }\n    tags: {}\n  a: {}\n  a: {}\n');
    expect(brief(r)).toEqual(['3:27 error[duplicate-key]', '6:5 error[duplicate-key]', '7:3 error[duplicate-key]', '8:3 error[duplicate-key]']);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['duplicate key "region"', 'duplicate key "tags"', 'duplicate key "a"', 'duplicate key "a"']);
  });

  it('compares keys by value and type, as YAML does: 1 and "1" differ, 1 and 1.0 do not', () => {
    const distinct = load(`${BASE}x-keys: { 1: a, "1": b, true: c, "true": d }\n`);
    expect(only(distinct, 'duplicate-key')).toEqual([]);
    const same = load(`${BASE}x-keys: { 1: a, 1.0: b }\n`);
    expect(only(same, 'duplicate-key')).toHaveLength(1);
  });

  it('finds a duplicate among many thousands of keys, at its line', () => {
    const n = 20_000;
    const lines = ['version: 1', 'x-many:'];
    for (let i = 0; i < n; i++) lines.push(`  k${i}: ${i}`);
    lines.push('  k12345: again');
    const r = load(`${lines.join('\n')}\n`);
    expect(brief(r)).toEqual([`${n + 3}:3 error[duplicate-key]`]);
    expect(r.diagnostics[0]!.message).toBe('duplicate key "k12345"');
  });

  it('rejects more than one document, pointing at the second', () => {
    const r = load(`${BASE}---\nversion: 1\n`);
    expect(only(r, 'multiple-documents')).toHaveLength(1);
    expect(only(r, 'multiple-documents')[0]).toMatchObject({ line: 16, column: 1 });
    expect(r.config).toBeUndefined();
  });

  it('accepts a single document with an explicit start marker', () => {
    expect(load(`---\n${BASE}`).diagnostics).toEqual([]);
  });

  it('follows anchors, aliases and merge keys', () => {
    const r = load(`version: 1
x-rule: &rule
  deleteMarkers: true
  rtc: true
  destination: { bucket: dst, storageClass: STANDARD_IA }
x-bucket: &bucket { create: true }
defaults: { region: us-east-1 }
buckets:
  src: *bucket
  dst: { <<: *bucket, region: us-west-2 }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: a
        <<: *rule
      - id: b
        <<: *rule
        rtc: false
        filter: { prefix: b/ }
        destination: { bucket: dst }
`);
    expect(r.diagnostics).toEqual([]);
    const [a, b] = r.config!.replications[0]!.rules;
    expect(a).toMatchObject({ id: 'a', deleteMarkers: true, rtc: true, metrics: true, destination: { bucket: 'dst', storageClass: 'STANDARD_IA' } });
    expect(b).toMatchObject({ id: 'b', deleteMarkers: true, rtc: false, metrics: false, destination: { bucket: 'dst' } });
    expect(b!.destination.storageClass).toBeUndefined();
    expect(r.config!.buckets.dst).toMatchObject({ create: true, region: 'us-west-2' });
  });

  it('locates errors inside merged values at the anchor that wrote them', () => {
    const r = load(`version: 1
x-rule: &rule
  deleteMarkers: maybe
defaults: { region: us-east-1 }
buckets: { src: {}, dst: {} }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: a
        <<: *rule
        destination: { bucket: dst }
`);
    expect(brief(r)).toEqual(['3:18 error[schema]']);
  });

  it('reports an alias to an unknown anchor', () => {
    const r = load('version: 1\nbuckets:\n  a: *nothing\n');
    expect(brief(r)).toEqual(['3:6 error[yaml-syntax]']);
    expect(r.diagnostics[0]!.message).toContain('*nothing');
  });

  it('reports a merge key whose value is not a mapping', () => {
    const r = load('version: 1\nbuckets:\n  a:\n    <<: 3\n');
    expect(brief(r)).toEqual(['4:9 error[yaml-syntax]']);
  });

  it('reports a mapping key that is a collection', () => {
    expect(brief(load('version: 1\nx-a:\n  ? [a, b]\n  : c\n'))).toEqual(['3:5 error[yaml-syntax]']);
  });

  it('reports unknown tags as warnings', () => {
    expect(brief(load(`${BASE}x-b: !custom 3\n`))).toEqual(['16:6 warning[yaml-syntax]']);
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    expect(load(BASE.replace(/\n/g, '\r\n')).diagnostics).toEqual([]);
    expect(load(`\uFEFF${BASE}`).diagnostics).toEqual([]);
    expect(brief(load(BASE.replace(/\n/g, '\r\n').replace('role: r', 'role: q')))).toEqual(['11:11 error[unknown-role]']);
  });

  it('stops alias bombs', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 8; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const r = load(text);
    expect(r.diagnostics.some((d) => d.rule === 'yaml-syntax')).toBe(true);
  });

  it('reports an empty file', () => {
    for (const text of ['', '# only a comment\n', '---\n']) {
      const r = load(text);
      expect(brief(r)).toEqual(['1:1 error[schema]']);
      expect(r.diagnostics[0]!.message).toBe('the file is empty');
    }
  });

  it('reports a document that is not a mapping', () => {
    expect(brief(load('- a\n- b\n'))).toEqual(['1:1 error[schema]']);
    expect(load('just text\n').diagnostics[0]!.message).toContain('must be a mapping');
  });
});

describe('files', () => {
  it('reports a missing file as a diagnostic', async () => {
    const r = await loadConfig('/nonexistent/replication.yaml');
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ rule: 'config-not-found', severity: 'error', line: 0, column: 0, file: '/nonexistent/replication.yaml' }),
    ]);
    expect(r.config).toBeUndefined();
  });

  it('reports a directory as unreadable', async () => {
    const r = await loadConfig(tmpdir());
    expect(r.diagnostics[0]).toMatchObject({ rule: 'config-unreadable' });
  });

  it('hashes the file bytes and resolves the state path against its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3repl-load-'));
    const file = join(dir, 'conf.yaml');
    writeFileSync(file, BASE);
    const r = await loadConfig(file);
    expect(r.diagnostics).toEqual([]);
    expect(r.sha256).toBe(createHash('sha256').update(BASE).digest('hex'));
    expect(r.config!.state).toEqual({ backend: 'local', path: join(dir, '.s3repl/state.json') });
  });
});

describe('positionOf', () => {
  it('gives the position of values, of collections by their key, and of the nearest ancestor', () => {
    const r = load(BASE);
    expect(r.positionOf(['replications', 0, 'source'])).toEqual({ line: 10, column: 13 });
    expect(r.positionOf(['replications', 0, 'rules', 0, 'destination'])).toEqual({ line: 14, column: 9 });
    expect(r.positionOf(['replications', 0, 'rules', 0, 'destination', 'bucket'])).toEqual({ line: 15, column: 19 });
    expect(r.positionOf(['replications', 0, 'rules', 0, 'priority'])).toEqual({ line: 13, column: 9 });
    expect(r.positionOf(['buckets', 'dst-bucket', 'region'])).toEqual({ line: 6, column: 25 });
    expect(r.positionOf([])).toEqual({ line: 1, column: 1 });
  });
});

describe('defaults', () => {
  it('resolves every default', () => {
    const r = load(BASE);
    expect(r.diagnostics).toEqual([]);
    const c = r.config!;
    expect(c.version).toBe(1);
    expect(c.state).toEqual({ backend: 'local', path: '/project/.s3repl/state.json' });
    expect(c.defaults).toEqual({ region: 'us-east-1', tags: {}, allowUnknownRegions: false });
    expect(c.accounts).toEqual({});
    expect(c.buckets['src-bucket']).toEqual({ name: 'src-bucket', region: 'us-east-1', create: false, objectLock: false, bucketKey: false });
    expect(c.buckets['dst-bucket']!.region).toBe('us-west-2');
    expect(c.roles.r).toEqual({ key: 'r', managed: true, name: 'repl', path: '/' });
    expect(c.alarms).toEqual({ notify: [], namePrefix: 's3repl', evaluationPeriods: 5 });
    expect(c.jobs).toEqual({ reportPrefix: 's3repl/batch-reports', priority: 10 });
    expect(c.replications[0]!.rules[0]).toEqual({
      id: 'one',
      priority: 1,
      status: 'enabled',
      filter: { tags: {} },
      destination: { bucket: 'dst-bucket', ownerOverride: false },
      deleteMarkers: false,
      replicaModifications: false,
      rtc: false,
      metrics: false,
      existingObjects: 'ignore',
    });
  });

  it('resolves priorities by position, metrics from rtc, notify and accounts by inheritance', () => {
    const r = load(`version: 1
defaults: { region: eu-west-1 }
state: { backend: s3, bucket: state-bucket, key: s3repl.json, region: eu-west-1 }
buckets:
  src: {}
  dst: { region: eu-central-1, account: "444455556666" }
roles:
  mine: { arn: "arn:aws:iam::111122223333:role/service/replicator" }
alarms:
  notify: [arn:aws:sns:eu-west-1:111122223333:ops, arn:aws:sns:eu-central-1:111122223333:ops]
replications:
  - source: src
    role: mine
    rules:
      - id: a
        priority: 7
        destination: { bucket: dst, ownerOverride: true }
        rtc: true
        alarms: { latencySeconds: 900 }
      - id: b
        filter: { prefix: b/ }
        destination: { bucket: dst }
        rtc: true
        metrics: true
        alarms: { failedOperations: 1, notify: [arn:aws:sns:eu-west-1:111122223333:other] }
      - id: c
        filter: { prefix: c/ }
        destination: { bucket: dst, account: "444455556666" }
        metrics: true
accounts:
  "444455556666": { roleArn: "arn:aws:iam::444455556666:role/deployer", externalId: ext-1 }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.accounts).toEqual({ '444455556666': { id: '444455556666', roleArn: 'arn:aws:iam::444455556666:role/deployer', externalId: 'ext-1' } });
    const c = r.config!;
    expect(c.state).toEqual({ backend: 's3', bucket: 'state-bucket', key: 's3repl.json', region: 'eu-west-1' });
    expect(c.roles.mine).toEqual({ key: 'mine', managed: false, arn: 'arn:aws:iam::111122223333:role/service/replicator', name: 'replicator' });
    const [a, b, cc] = c.replications[0]!.rules;
    expect([a!.priority, b!.priority, cc!.priority]).toEqual([7, 2, 3]);
    expect([a!.metrics, b!.metrics, cc!.metrics]).toEqual([true, true, true]);
    expect(a!.destination.account).toBe('444455556666');
    expect(a!.alarms).toEqual({
      latencySeconds: 900,
      notify: ['arn:aws:sns:eu-west-1:111122223333:ops', 'arn:aws:sns:eu-central-1:111122223333:ops'],
      notifyFrom: 'alarms',
    });
    expect(b!.alarms).toEqual({ failedOperations: 1, notify: ['arn:aws:sns:eu-west-1:111122223333:other'], notifyFrom: 'rule' });
    expect(c.buckets.src!.region).toBe('eu-west-1');
  });

  it('loadConfigText resolves a relative state path against the named file', () => {
    const r = loadConfigText(BASE.replace('version: 1\n', 'version: 1\nstate: { path: state/s.json }\n'), '/tmp/x/conf.yaml');
    expect(r.config!.state).toEqual({ backend: 'local', path: '/tmp/x/state/s.json' });
  });
});
