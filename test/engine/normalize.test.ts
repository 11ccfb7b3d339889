import { describe, expect, it } from 'vitest';
import { fromAws, toAws, type NormalReplication } from '../../src/resources/replication/index.js';
import { decodePolicy, normalizePolicy } from '../../src/resources/policy-doc.js';
import { diffAttrs } from '../../src/engine/diff.js';
import { iamChanges } from '../../src/engine/iam.js';
import type { Attrs } from '../../src/resources/types.js';
import type { ResourceChange } from '../../src/engine/types.js';

const rule = (over: Record<string, unknown> = {}) => ({
  ID: 'r1',
  Priority: 1,
  Status: 'Enabled' as const,
  DeleteMarkerReplication: { Status: 'Disabled' as const },
  Destination: { Bucket: 'arn:aws:s3:::dst' },
  ...over,
});

describe('replication normalisation (the perpetual-diff traps)', () => {
  it('treats Filter:{}, Filter:{Prefix:""} and Filter:{And:{Prefix:""}} as the same whole-bucket filter', () => {
    const a = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: {} })] });
    const b = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { Prefix: '' } })] });
    const c = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { And: { Prefix: '', Tags: [] } } })] });
    expect(diffAttrs(a as unknown as Attrs, b as unknown as Attrs)).toEqual([]);
    expect(diffAttrs(a as unknown as Attrs, c as unknown as Attrs)).toEqual([]);
  });

  it('treats a single Tag and And with that one tag alike, whatever the tag order', () => {
    const tag = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { Tag: { Key: 'k', Value: 'v' } } })] });
    const and = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { And: { Tags: [{ Key: 'k', Value: 'v' }] } } })] });
    expect(diffAttrs(tag as unknown as Attrs, and as unknown as Attrs)).toEqual([]);
    const two1 = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { And: { Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] } } })] });
    const two2 = fromAws({ Role: 'arn:r', Rules: [rule({ Filter: { And: { Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }] } } })] });
    expect(diffAttrs(two1 as unknown as Attrs, two2 as unknown as Attrs)).toEqual([]);
  });

  it('ignores rule order and keys rules by id, so a change names the rule', () => {
    const one = fromAws({ Role: 'arn:r', Rules: [rule({ ID: 'a', Filter: {} }), rule({ ID: 'b', Filter: {} })] });
    const two = fromAws({ Role: 'arn:r', Rules: [rule({ ID: 'b', Filter: {} }), rule({ ID: 'a', Filter: {}, Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'GLACIER' } })] });
    expect(diffAttrs(one as unknown as Attrs, two as unknown as Attrs)).toEqual([
      { path: 'rules.a.destination.storageClass', kind: 'changed', before: null, after: 'GLACIER' },
    ]);
  });

  it('reads a V1 rule (rule-level Prefix) as replicating delete markers, and flags the format', () => {
    const v1 = fromAws({ Role: 'arn:r', Rules: [{ ID: 'old', Prefix: 'logs/', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::dst' } }] });
    expect(v1.format).toBe('V1');
    expect(v1.rules.old!.filter.prefix).toBe('logs/');
    expect(v1.rules.old!.deleteMarkers).toBe(true);
  });

  it('round-trips through the V2 document s3repl sends', () => {
    const n: NormalReplication = {
      role: 'arn:aws:iam::1:role/r',
      format: 'V2',
      rules: {
        a: {
          priority: 2,
          status: 'Enabled',
          filter: { prefix: 'p/', tags: { k: 'v' } },
          destination: { bucket: 'arn:aws:s3:::d', account: '222222222222', storageClass: 'STANDARD_IA', ownerOverride: true, replicaKmsKeyId: 'arn:aws:kms:us-west-2:2:key/x' },
          deleteMarkers: false,
          replicaModifications: true,
          sseKmsEncryptedObjects: true,
          rtc: true,
          metrics: true,
        },
      },
    };
    const doc = toAws(n);
    expect(doc.Rules![0]!.Filter).toEqual({ And: { Prefix: 'p/', Tags: [{ Key: 'k', Value: 'v' }] } });
    expect(doc.Rules![0]!.Destination!.Metrics).toEqual({ Status: 'Enabled', EventThreshold: { Minutes: 15 } });
    expect(fromAws(doc)).toEqual(n);
  });
});

describe('policy documents', () => {
  it('compare equal whether URL-encoded, reordered, or with single values instead of lists', () => {
    const a = normalizePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:B', 's3:A'], Resource: 'x' }] });
    const b = decodePolicy(encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: ['s3:A', 's3:B'], Resource: ['x'] } })));
    expect(b).toEqual(a);
  });
});

describe('IAM changes', () => {
  const doc = (actions: string[], resource = 'arn:aws:s3:::b/*') =>
    normalizePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] }) as unknown as Attrs;
  const change = (before: Attrs | null, after: Attrs | null): ResourceChange => ({
    address: 'role-policy.repl',
    kind: 'role-policy',
    action: before ? 'update' : 'create',
    id: { roleName: 'r', policyName: 'p' },
    before: before ? { document: before } : null,
    after: after ? { document: after } : null,
    changes: [],
    reasons: [],
    dependsOn: [],
  });

  it('flags an added action as broadening, with only the new grant listed', () => {
    const out = iamChanges([change(doc(['s3:ReplicateObject']), doc(['s3:ReplicateObject', 's3:ReplicateDelete']))]);
    expect(out.broadened).toBe(true);
    expect(out.statements).toEqual([
      expect.objectContaining({ change: 'added', address: 'role.repl', policy: 'permissions', actions: ['s3:ReplicateDelete'], resources: ['arn:aws:s3:::b/*'] }),
    ]);
  });

  it('does not flag a narrowing', () => {
    const out = iamChanges([change(doc(['s3:ReplicateObject', 's3:ReplicateDelete']), doc(['s3:ReplicateObject']))]);
    expect(out.broadened).toBe(false);
    expect(out.statements.map((s) => s.change)).toEqual(['removed']);
  });

  it('flags a widened resource', () => {
    const out = iamChanges([change(doc(['s3:ReplicateObject'], 'arn:aws:s3:::b/logs/*'), doc(['s3:ReplicateObject'], 'arn:aws:s3:::b/*'))]);
    expect(out.broadened).toBe(true);
  });
});
