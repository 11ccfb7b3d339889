import { describe, expect, it } from 'vitest';
import { assertNoSecrets, newState, parseByResource, parseState, serializeState, stateEquals } from '../../src/state/document.js';
import { UserError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import type { StateDocument } from '../../src/state/types.js';
import { resource } from './helpers.js';

function doc(...addresses: string[]): StateDocument {
  const d = newState();
  for (const a of addresses) d.resources[a] = resource(a, { z: 1, a: { y: [3, 1], b: true } });
  return d;
}

function refusal(text: string): UserError {
  try {
    parseState(text, '/x/state.json', '/x/state.json.backup');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('parseState accepted it');
}

describe('newState', () => {
  it('starts at formatVersion 1, serial 0, with a fresh UUID lineage', () => {
    const a = newState();
    const b = newState();
    expect(a.formatVersion).toBe(1);
    expect(a.serial).toBe(0);
    expect(a.s3replVersion).toBe(VERSION);
    expect(a.resources).toEqual({});
    expect(a.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.lineage).not.toBe(a.lineage);
  });
});

describe('serializeState', () => {
  it('is stable: sorted addresses and keys, 2-space JSON, trailing newline', () => {
    const a = doc('role.r', 'bucket.b', 'alarm.a');
    const b = structuredClone(a);
    b.resources = { 'alarm.a': a.resources['alarm.a']!, 'role.r': a.resources['role.r']!, 'bucket.b': a.resources['bucket.b']! };
    const text = serializeState(a);
    expect(serializeState(b)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "formatVersion": 1,');
    const parsed = JSON.parse(text) as StateDocument;
    expect(Object.keys(parsed.resources)).toEqual(['alarm.a', 'bucket.b', 'role.r']);
    expect(Object.keys(parsed.resources['alarm.a']!.attributes)).toEqual(['a', 'z']);
    // Arrays keep their order.
    expect(parsed.resources['alarm.a']!.attributes).toEqual({ a: { b: true, y: [3, 1] }, z: 1 });
  });

  it('round-trips through parseState', () => {
    const a = doc('bucket.b', 'role.r');
    a.serial = 7;
    expect(parseState(serializeState(a), 'f')).toEqual(a);
  });

  it('keeps a recorded asynchronous operation, after appliedAt; a resource without one has no such key', () => {
    const a = doc('bucket.b', 'mrap.m');
    const operation = { type: 'create' as const, request: 'arn:aws:s3:us-west-2:111111111111:async-request/mrap/create/x', startedAt: '2026-11-30T00:00:00.000Z' };
    a.resources['mrap.m'] = { ...a.resources['mrap.m']!, operation };
    const text = serializeState(a);
    const parsed = parseState(text, 'f');
    expect(parsed.resources['mrap.m']!.operation).toEqual(operation);
    expect(Object.keys(JSON.parse(text).resources['mrap.m']).slice(-2)).toEqual(['appliedAt', 'operation']);
    expect('operation' in parsed.resources['bucket.b']!).toBe(false);
  });
});

describe('state text outside ASCII', () => {
  it('is written as \\u escapes, and reads back as the same characters', () => {
    const a = doc('alarm.a');
    a.resources['alarm.a']!.attributes = { description: 's3repl: latency of rule dr (src → dst) é 😀' };
    const text = serializeState(a);
    expect(/[^\x00-\x7e]/.test(text)).toBe(false);
    expect(text).toContain('src \\u2192 dst');
    expect(parseState(text, 'f')).toEqual(a);
    expect(parseState(Buffer.from(text), 'f')).toEqual(a);
  });

  it('a state written by an earlier s3repl, with UTF-8 characters, still reads', () => {
    const a = doc('alarm.a', 'bucket.b');
    a.resources['alarm.a']!.attributes = { description: 'src → dst' };
    const utf8 = serializeState(a).replace('\\u2192', '→');
    expect(utf8).toContain('→');
    expect(parseState(Buffer.from(utf8, 'utf8'), 'f')).toEqual(a);
  });
});

describe('parseState of bytes: one resource at a time', () => {
  const big = () => {
    const a = doc(...Array.from({ length: 50 }, (_, i) => `bucket.b${i}`));
    a.resources['bucket.b3']!.attributes = { nested: { deeper: { list: [{ a: '}' }, '\n    }'] } }, quote: '"    }' };
    a.resources['bucket.b7']!.dependsOn = ['bucket.b3'];
    return a;
  };

  it('reads what serializeState writes exactly as a whole parse does', () => {
    const d = big();
    const text = serializeState(d);
    const byResource = parseByResource(Buffer.from(text));
    expect(byResource).not.toBeUndefined();
    expect(byResource).toStrictEqual(JSON.parse(text));
    expect(parseState(Buffer.from(text), 'f')).toEqual(d);
  });

  it.each([
    ['compact JSON', (d: StateDocument) => JSON.stringify(d)],
    ['four-space indentation', (d: StateDocument) => JSON.stringify(d, null, 4)],
    ['no trailing newline', (d: StateDocument) => serializeState(d).trimEnd()],
    ['a field after resources', (d: StateDocument) => serializeState(d).replace(/\n  }\n}\n$/, '\n  },\n  "extra": 1\n}\n')],
    ['Windows line ends', (d: StateDocument) => serializeState(d).replace(/\n/g, '\r\n')],
    ['no resources', () => serializeState(newState())],
  ])('any other layout (%s) is parsed whole, with the same result', (_name, layout) => {
    const d = big();
    const text = layout(d);
    expect(parseByResource(Buffer.from(text))).toBeUndefined();
    expect(parseState(Buffer.from(text), 'f')).toStrictEqual(parseState(text, 'f'));
  });

  it('a damaged state is refused as a whole parse refuses it, naming the file', () => {
    const text = serializeState(big());
    const cut = text.slice(0, Math.floor(text.length / 2));
    expect(parseByResource(Buffer.from(cut))).toBeUndefined();
    expect(() => parseState(Buffer.from(cut), '/x/state.json')).toThrow(/state at \/x\/state.json is unusable: it is not valid JSON/);
  });
});

describe('parseState holds one frozen copy of the small parts resources repeat', () => {
  const text = () => {
    const d = newState();
    for (const i of [1, 2]) {
      d.resources[`versioning.b${i}`] = { ...resource(`versioning.b${i}`, { status: 'Enabled' }), dependsOn: [] };
      d.resources[`bucket.b${i}`] = resource(`bucket.b${i}`, { region: 'us-east-1', tags: { team: 'dr' }, rules: [{ id: `r${i}`, filter: { prefix: '' } }] });
    }
    return serializeState(d);
  };

  it('equal parts are one object, and the document still reads as written', () => {
    const written = text();
    const parsed = parseState(Buffer.from(written), 'f');
    const r = parsed.resources;
    expect(r['versioning.b1']!.attributes).toBe(r['versioning.b2']!.attributes);
    expect(r['versioning.b1']!.dependsOn).toBe(r['versioning.b2']!.dependsOn);
    expect(r['bucket.b1']!.attributes.tags).toBe(r['bucket.b2']!.attributes.tags);
    // Parts that differ (the rule ids) are not shared; their equal parts are.
    const rules = (a: string) => (r[a]!.attributes.rules as Array<{ id: string; filter: object }>)[0]!;
    expect(rules('bucket.b1')).not.toBe(rules('bucket.b2'));
    expect(rules('bucket.b1').filter).toBe(rules('bucket.b2').filter);
    expect(serializeState(parsed)).toBe(written);
  });

  it('a shared part cannot be changed through one resource (it would change them all)', () => {
    const r = parseState(Buffer.from(text()), 'f').resources;
    expect(() => {
      (r['versioning.b1']!.attributes as { status: string }).status = 'Suspended';
    }).toThrow(TypeError);
    expect(r['versioning.b2']!.attributes.status).toBe('Enabled');
  });
});

describe('parseState of a state with an address named __proto__', () => {
  it('reads it as a resource like any other, and changes no prototype', () => {
    const d = newState();
    d.resources['bucket.a'] = resource('bucket.a');
    const text = serializeState(d).replace('"resources": {\n', '"resources": {\n    "__proto__": {"address": "__proto__", "kind": "bucket", "id": {"name": "p"}, "attributes": {}, "appliedAt": "2026-01-01T00:00:00.000Z"},\n');
    for (const input of [text, Buffer.from(text)]) {
      const parsed = parseState(input, 'f');
      expect(Object.keys(parsed.resources).sort()).toEqual(['__proto__', 'bucket.a']);
      expect(Object.getPrototypeOf(parsed.resources)).toBe(Object.prototype);
      expect(parsed.resources['bucket.a']!.kind).toBe('bucket');
    }
  });
});

describe('parseState refuses what it does not understand', () => {
  it('not JSON: names the file, says nothing was overwritten, points at the backup', () => {
    const e = refusal('{"formatVersion": 1, "lin');
    expect(e.message).toContain('/x/state.json');
    expect(e.message).toContain('not valid JSON');
    expect(e.message).toContain('Nothing was overwritten');
    expect(e.hint).toContain('/x/state.json.backup');
  });

  it.each([
    ['an array', '[]', 'not a JSON object'],
    ['no formatVersion', '{"lineage":"l"}', 'no numeric "formatVersion"'],
    ['a missing lineage', '{"formatVersion":1,"serial":0,"s3replVersion":"0.1.0","resources":{}}', '"lineage"'],
    ['a negative serial', '{"formatVersion":1,"lineage":"l","serial":-1,"s3replVersion":"0.1.0","resources":{}}', '"serial"'],
    ['resources as a list', '{"formatVersion":1,"lineage":"l","serial":0,"s3replVersion":"0.1.0","resources":[]}', '"resources"'],
    [
      'a resource keyed under another address',
      JSON.stringify({ ...doc(), resources: { 'bucket.a': resource('bucket.b') } }),
      'resource "bucket.a" has "address" "bucket.b"',
    ],
    [
      'a resource of a kind no s3repl has (a prototype property name)',
      JSON.stringify({ ...doc(), resources: { 'constructor.x': { ...resource('constructor.x'), kind: 'constructor' } } }),
      'resource "constructor.x" has unknown kind "constructor" (this s3repl knows bucket, bucket-encryption, versioning',
    ],
    [
      'a resource whose id is not strings',
      JSON.stringify({ ...doc(), resources: { 'bucket.a': { ...resource('bucket.a'), id: { n: 1 } } } }),
      '"id"',
    ],
    [
      'a recorded operation without its request token',
      JSON.stringify({ ...doc(), resources: { 'bucket.a': { ...resource('bucket.a'), operation: { type: 'create', startedAt: 'now' } } } }),
      'resource "bucket.a" has an "operation" that is not {type: create|delete, request, startedAt}',
    ],
  ])('wrong shape: %s', (_name, text, expected) => {
    const e = refusal(text);
    expect(e.message).toContain(expected);
    expect(e.message).toContain('Nothing was overwritten');
  });

  it('an unknown (newer) formatVersion, saying which s3repl wrote it', () => {
    const e = refusal(JSON.stringify({ ...doc(), formatVersion: 2, s3replVersion: '9.0.0' }));
    expect(e.message).toContain('formatVersion 2');
    expect(e.message).toContain('understands only formatVersion 1');
    expect(e.hint).toContain('9.0.0');
    expect(e.hint).toContain('upgrade s3repl');
  });
});

describe('stateEquals', () => {
  it('ignores serial but nothing else', () => {
    const a = doc('bucket.b');
    const b = structuredClone(a);
    b.serial = 5;
    expect(stateEquals(a, b)).toBe(true);
    b.resources['bucket.b']!.attributes.z = 2;
    expect(stateEquals(a, b)).toBe(false);
    const c = structuredClone(a);
    c.lineage = 'other';
    expect(stateEquals(a, c)).toBe(false);
  });

  it('does not care about key order', () => {
    const a = doc();
    a.resources['x.y'] = resource('x.y', { p: 1, q: 2 });
    const b = doc();
    b.lineage = a.lineage;
    b.resources['x.y'] = resource('x.y', { q: 2, p: 1 });
    expect(stateEquals(a, b)).toBe(true);
  });
});

describe('no credentials in state', () => {
  const env = { AWS_ACCESS_KEY_ID: 'EXAMPLEKEYID1234567', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

  it('refuses an access key id anywhere', () => {
    const d = doc();
    d.resources['role.r'] = resource('role.r', { note: ['ok', 'AKIAIOSFODNN7EXAMPLE'] });
    expect(() => assertNoSecrets(d, env)).toThrow(/role\.r\.attributes\.note\[1\] looks like an AWS credential/);
    expect(() => serializeState(d)).toThrow(/looks like an AWS credential/);
  });

  it("refuses the caller's own secret key or session token, even embedded", () => {
    const d = doc();
    d.resources['role.r'] = resource('role.r', { text: `x ${env.AWS_SECRET_ACCESS_KEY} y` });
    expect(() => assertNoSecrets(d, env)).toThrow(/looks like an AWS credential/);
  });

  it.each(['SecretAccessKey', 'password', 'sessionToken', 'credentials', 'private_key'])('refuses an attribute named %s', (key) => {
    const d = doc();
    d.resources['role.r'] = resource('role.r', { nested: { [key]: 'value' } });
    expect(() => assertNoSecrets(d, env)).toThrow(/named like a secret/);
  });

  it('allows AWS configuration that merely sounds similar', () => {
    const d = doc();
    d.resources['job.j'] = resource('job.j', { ClientRequestToken: 's3repl-abc', ReplicaKmsKeyID: 'arn:aws:kms:us-east-1:111111111111:key/k' });
    expect(() => assertNoSecrets(d, env)).not.toThrow();
  });
});
