/**
 * The generated trust and permissions policies, held against what AWS
 * documents (docs/aws-behaviour.md: "IAM: trust policy", "KMS: replication
 * grants", "KMS: S3 Bucket Key encryption context", "Batch Replication:
 * permissions", "IAM: policy size").
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { allKinds } from '../../src/resources/index.js';
import type { RoleGrants } from '../../src/resources/types.js';
import { INLINE_POLICY_LIMIT, permissionsPolicy, rolePolicy, rolesUses, trustPolicy } from '../../src/resources/role/policy.js';
import type { Statement } from '../../src/resources/policy-doc.js';

function config(yaml: string): Config {
  const r = loadConfigText(yaml, 'test.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.config!;
}

const KEY_SRC = 'arn:aws:kms:us-east-1:111111111111:key/1111aaaa-12ab-34cd-56ef-1234567890ab';
const KEY_DST = 'arn:aws:kms:us-west-2:111111111111:key/2222bbbb-12ab-34cd-56ef-1234567890ab';

const kms = (bucketKeys: { src?: boolean; dst?: boolean } = {}) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  src: { bucketKey: ${bucketKeys.src ?? false} }
  dst: { region: us-west-2, bucketKey: ${bucketKeys.dst ?? false} }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: docs
        filter: { prefix: docs/ }
        destination: { bucket: dst }
        encryption: { sseKms: true, replicaKmsKey: ${KEY_DST}, sourceKmsKeys: [${KEY_SRC}] }
`;

function statements(c: Config): Statement[] {
  return permissionsPolicy(rolesUses(c).get('r')!, c)!.Statement;
}
const withAction = (st: Statement[], action: string) => st.filter((s) => s.Action?.includes(action));

describe('trust policy', () => {
  it('is the documented one: S3 and Batch Operations may assume the role, with no condition', () => {
    const c = config(kms());
    expect(trustPolicy(rolesUses(c).get('r')!, '111111111111')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: ['batchoperations.s3.amazonaws.com', 's3.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
    });
  });
});

describe('KMS grants', () => {
  it('kms:Decrypt on the source key and kms:Encrypt (only) on the replica key, each by region and object ARN', () => {
    const st = statements(config(kms()));
    expect(withAction(st, 'kms:Decrypt')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY_SRC],
        Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::src/docs/*'], 'kms:ViaService': ['s3.us-east-1.amazonaws.com'] } },
      },
    ]);
    expect(withAction(st, 'kms:Encrypt')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt'],
        Resource: [KEY_DST],
        Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::dst/docs/*'], 'kms:ViaService': ['s3.us-west-2.amazonaws.com'] } },
      },
    ]);
    expect(JSON.stringify(st)).not.toContain('kms:GenerateDataKey');
  });

  it('with an S3 Bucket Key the encryption context may be the bucket ARN: the source\'s for its objects, the destination\'s for replicas when either side has one', () => {
    const context = (st: ReturnType<typeof statements>, key: string) =>
      st.filter((s) => JSON.stringify(s.Resource).includes(key)).map((s) => [s.Action, s.Condition!.StringLike!['kms:EncryptionContext:aws:s3:arn']]);
    const replicaWithBucketKey = [['kms:Decrypt', 'kms:Encrypt'], ['arn:aws:s3:::dst', 'arn:aws:s3:::dst/docs/*']];
    // "When an S3 Bucket Key is enabled for the source or destination bucket, the encryption context will be the bucket's ARN"
    const src = statements(config(kms({ src: true })));
    expect(context(src, KEY_SRC)).toEqual([[['kms:Decrypt'], ['arn:aws:s3:::src', 'arn:aws:s3:::src/docs/*']]]);
    expect(context(src, KEY_DST)).toEqual([replicaWithBucketKey]);
    const dst = statements(config(kms({ dst: true })));
    expect(context(dst, KEY_SRC)).toEqual([[['kms:Decrypt'], ['arn:aws:s3:::src/docs/*']]]);
    // With a Bucket Key S3 also calls kms:Decrypt on the replica key.
    expect(context(dst, KEY_DST)).toEqual([replicaWithBucketKey]);
    const none = statements(config(kms()));
    expect(context(none, KEY_DST)).toEqual([[['kms:Encrypt'], ['arn:aws:s3:::dst/docs/*']]]);
  });

  it('a destination with default SSE-KMS (kmsKey) gets kms:GenerateDataKey on that key for the replicas of plaintext objects; the bucket ARN too with its Bucket Key', () => {
    const plain = (dst: string) => `
version: 1
defaults: { region: us-east-1 }
buckets:
  src: {}
  dst: { region: us-west-2${dst} }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - { id: docs, filter: { prefix: docs/ }, destination: { bucket: dst } }
`;
    // "If you're replicating plaintext objects to a bucket with SSE-KMS encryption enabled by default,
    // you must include the kms:GenerateDataKey permission for the destination encryption context and the KMS key"
    expect(withAction(statements(config(plain(`, kmsKey: "${KEY_DST}"`))), 'kms:GenerateDataKey')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: [KEY_DST],
        Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::dst/docs/*'], 'kms:ViaService': ['s3.us-west-2.amazonaws.com'] } },
      },
    ]);
    const withBucketKey = withAction(statements(config(plain(`, kmsKey: "${KEY_DST}", bucketKey: true`))), 'kms:GenerateDataKey');
    expect(withBucketKey.map((s) => s.Condition!.StringLike!['kms:EncryptionContext:aws:s3:arn'])).toEqual([['arn:aws:s3:::dst', 'arn:aws:s3:::dst/docs/*']]);
    // Only the destination's key: a source's default key is not for replicas, and no key means no grant.
    expect(JSON.stringify(statements(config(plain(''))))).not.toContain('kms:');
    const sourceOnly = plain('').replace('src: {}', `src: { kmsKey: "${KEY_SRC}" }`);
    expect(JSON.stringify(statements(config(sourceOnly)))).not.toContain('kms:GenerateDataKey');
  });

  it('without sourceKmsKeys, kms:Decrypt is on any key, still conditioned on S3 and the source objects', () => {
    const st = statements(config(kms().replace(`, sourceKmsKeys: [${KEY_SRC}]`, '')));
    expect(withAction(st, 'kms:Decrypt')[0]!.Resource).toEqual(['*']);
  });
});

describe('Batch Replication grants', () => {
  const two = `
version: 1
defaults: { region: us-east-1 }
buckets: { src: {}, dst: {}, other: {} }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - { id: a, priority: 1, filter: { prefix: a/ }, destination: { bucket: dst }, existingObjects: replicate }
      - { id: b, priority: 2, filter: { prefix: b/ }, destination: { bucket: other } }
`;
  it('s3:InitiateReplication on every object the source\'s rules cover (what a job on the bucket covers), even without a backfill', () => {
    const st = statements(config(two));
    expect(withAction(st, 's3:InitiateReplication').flatMap((s) => s.Resource)).toEqual(['arn:aws:s3:::src/a/*', 'arn:aws:s3:::src/b/*']);
    const noBackfill = statements(config(two.replace(', existingObjects: replicate', '')));
    expect(withAction(noBackfill, 's3:InitiateReplication').flatMap((s) => s.Resource)).toEqual(['arn:aws:s3:::src/a/*', 'arn:aws:s3:::src/b/*']);
    expect(withAction(noBackfill, 's3:PutInventoryConfiguration').flatMap((s) => s.Resource)).toEqual(['arn:aws:s3:::src']);
  });
});

describe('policy size', () => {
  const rules = (n: number) =>
    Array.from({ length: n }, (_, i) => `      - { id: r${i}, priority: ${i + 1}, filter: { prefix: team-${String(i).padStart(3, '0')}/data/ }, destination: { bucket: dst } }`).join('\n');
  const many = (n: number) => `
version: 1
defaults: { region: us-east-1 }
buckets: { src: {}, dst: {} }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
${rules(n)}
`;
  it('a policy over the inline limit is shrunk to whole-bucket object grants, and says which buckets', () => {
    const c = config(many(160));
    const uses = rolesUses(c).get('r')!;
    const full = permissionsPolicy(uses, c)!;
    expect(JSON.stringify(full).length).toBeGreaterThan(INLINE_POLICY_LIMIT);
    const p = rolePolicy(uses, c);
    // Widened bucket by bucket (most prefixes first, then by name) until it fits: here dst alone.
    expect(p.widened).toEqual(['dst']);
    expect(p.size).toBeLessThanOrEqual(INLINE_POLICY_LIMIT);
    expect(withAction(p.document!.Statement, 's3:ReplicateObject')[0]!.Resource).toEqual(['arn:aws:s3:::dst/*']);
    expect(withAction(p.document!.Statement, 's3:GetObjectVersionForReplication')[0]!.Resource).toHaveLength(160);
  });
  it('a policy that fits is left alone', () => {
    const c = config(many(3));
    expect(rolePolicy(rolesUses(c).get('r')!, c).widened).toEqual([]);
  });
});

describe('grants contributed by kinds', () => {
  it('the permissions policy is the union of what each kind asks for, merged', () => {
    const c = config(kms());
    const uses = rolesUses(c).get('r')!;
    const contributors = allKinds().flatMap((k) => (k.roleGrants ? [k.roleGrants] : []));
    expect(contributors).toHaveLength(3);
    // Without the Batch Replication grants (the job kind's), nothing lets the role run a job.
    const replicationOnly = contributors.filter((g) => !g(uses[0]!, { config: c, objects: (b) => b }).some((x) => x.actions.includes('s3:InitiateReplication')));
    const without = permissionsPolicy(uses, c, new Set(), replicationOnly)!.Statement;
    expect(withAction(without, 's3:InitiateReplication')).toEqual([]);
    expect(withAction(without, 's3:ReplicateObject')).toHaveLength(1);
    const extra: RoleGrants = ({ source }) => [{ actions: ['s3:GetBucketNotification'], resource: `arn:aws:s3:::${source.name}` }];
    const withExtra = permissionsPolicy(uses, c, new Set(), [...contributors, extra])!.Statement;
    expect(withAction(withExtra, 's3:GetBucketNotification')[0]!.Resource).toEqual(['arn:aws:s3:::src']);
    expect(withAction(withExtra, 's3:InitiateReplication')).toHaveLength(1);
    // By default, every kind's grants: the same policy.
    expect(permissionsPolicy(uses, c)).toEqual(permissionsPolicy(uses, c, new Set(), contributors));
  });
});
