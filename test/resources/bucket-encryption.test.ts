/**
 * Which buckets s3repl reads the default encryption of without creating them:
 * those the generated role policy relies on (SSE-KMS rules, a declared kmsKey)
 * (a bucket with `create: true` is read by the bucket kind); and the role
 * policy waits for them.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { desiredResources } from '../../src/engine/desired.js';

const ACCOUNT = '111111111111';
const KEY_EAST = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-1111-4111-8111-111111111111`;
const KEY_WEST = `arn:aws:kms:us-west-2:${ACCOUNT}:key/22222222-2222-4222-8222-222222222222`;

function config(yaml: string): Config {
  const r = loadConfigText(yaml, 'test.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.config!;
}

const YAML = `
version: 1
defaults: { region: us-east-1 }
buckets:
  kms-src: { bucketKey: true }
  kms-dst: { region: us-west-2 }
  made-dst: { region: us-west-2, create: true }
  plain-src: {}
  plain-dst: { region: us-west-2, kmsKey: "${KEY_WEST}" }
roles:
  r: { name: repl }
replications:
  - source: kms-src
    role: r
    rules:
      - id: a
        destination: { bucket: kms-dst }
        encryption: { sseKms: true, replicaKmsKey: "${KEY_WEST}", sourceKmsKeys: ["${KEY_EAST}"] }
      - id: b
        priority: 2
        destination: { bucket: made-dst }
        encryption: { sseKms: true, replicaKmsKey: "${KEY_WEST}", sourceKmsKeys: ["${KEY_EAST}"] }
  - source: plain-src
    role: r
    rules:
      - id: c
        destination: { bucket: plain-dst }
`;

describe('bucket-encryption', () => {
  it('reads the buckets s3repl does not create whose encryption the policy relies on, with what they declare', () => {
    const resources = desiredResources(config(YAML), { accountId: ACCOUNT, lineage: 'L1' }).resources.filter((r) => r.kind === 'bucket-encryption');
    expect(resources.map((r) => [r.address, r.id, r.attributes])).toEqual([
      ['bucket-encryption.kms-dst', { bucket: 'kms-dst', region: 'us-west-2' }, { bucketKey: false }],
      ['bucket-encryption.kms-src', { bucket: 'kms-src', region: 'us-east-1' }, { bucketKey: true }],
      ['bucket-encryption.plain-dst', { bucket: 'plain-dst', region: 'us-west-2' }, { bucketKey: false, kmsKey: KEY_WEST }],
    ]);
  });

  it('makes the role policy wait for them', () => {
    const policy = desiredResources(config(YAML), { accountId: ACCOUNT, lineage: 'L1' }).resources.find((r) => r.address === 'role-policy.r');
    expect(policy?.dependsOn).toEqual(['role.r', 'bucket-encryption.kms-dst', 'bucket-encryption.kms-src', 'bucket-encryption.plain-dst']);
  });
});
