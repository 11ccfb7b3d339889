import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigText } from '../../src/config/load.js';
import { resolveConfig, type RawConfig } from '../../src/config/resolve.js';
import type { Config } from '../../src/config/types.js';
import { desiredResources } from '../../src/engine/desired.js';
import type { PolicyDocument } from '../../src/resources/policy-doc.js';

const ACCOUNT = '111111111111';

function config(yaml: string): Config {
  const r = loadConfigText(yaml, 'test.yaml');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toEqual([]);
  return r.config!;
}

const base = `
version: 1
defaults: { region: us-east-1, tags: { team: platform } }
buckets:
  src-bucket: { create: true }
  dst-bucket: { region: us-west-2 }
roles:
  repl: { name: s3repl-repl }
`;

function byAddress(c: Config) {
  return new Map(desiredResources(c, { accountId: ACCOUNT, lineage: 'L1' }).resources.map((r) => [r.address, r]));
}

describe('desiredResources', () => {
  it('produces the resources a replication needs, in their normalised shape', () => {
    const res = byAddress(
      config(`${base}
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: all
        destination: { bucket: dst-bucket, storageClass: STANDARD_IA }
        deleteMarkers: true
        rtc: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
`),
    );
    expect([...res.keys()].sort()).toEqual([
      'alarm.src-bucket.all.failed-operations',
      'alarm.src-bucket.all.latency',
      'bucket.src-bucket',
      'replication.src-bucket',
      'role-policy.repl',
      'role.repl',
      'versioning.dst-bucket',
      'versioning.src-bucket',
    ]);
    const rep = res.get('replication.src-bucket')!;
    expect(rep.id).toEqual({ bucket: 'src-bucket', region: 'us-east-1' });
    expect(rep.attributes).toEqual({
      role: 'arn:aws:iam::111111111111:role/s3repl-repl',
      format: 'V2',
      rules: {
        all: {
          priority: 1,
          status: 'Enabled',
          filter: { prefix: '', tags: {} },
          destination: {
            bucket: 'arn:aws:s3:::dst-bucket',
            account: null,
            storageClass: 'STANDARD_IA',
            ownerOverride: false,
            replicaKmsKeyId: null,
          },
          deleteMarkers: true,
          replicaModifications: false,
          sseKmsEncryptedObjects: false,
          rtc: true,
          metrics: true,
        },
      },
    });
    expect(rep.dependsOn).toEqual(expect.arrayContaining(['versioning.src-bucket', 'versioning.dst-bucket', 'role.repl', 'role-policy.repl']));
    const latency = res.get('alarm.src-bucket.all.latency')!;
    // Where S3 publishes each metric: latency in the destination's region (us-west-2), failures in the source's.
    expect(latency.id).toEqual({ alarmName: 's3repl-src-bucket-all-latency', region: 'us-west-2' });
    expect(latency.attributes).toMatchObject({
      metricName: 'ReplicationLatency',
      threshold: 900,
      comparisonOperator: 'GreaterThanThreshold',
      datapointsToAlarm: null,
      dimensions: { DestinationBucket: 'dst-bucket', RuleId: 'all', SourceBucket: 'src-bucket' },
    });
    const failed = res.get('alarm.src-bucket.all.failed-operations')!;
    expect(failed.id).toEqual({ alarmName: 's3repl-src-bucket-all-failed-operations', region: 'us-east-1' });
    // One failed minute of the last N fires it.
    expect(failed.attributes).toMatchObject({ evaluationPeriods: 5, datapointsToAlarm: 1, treatMissingData: 'notBreaching', comparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const role = res.get('role.repl')!;
    expect(role.attributes.tags).toEqual({ 'managed-by': 's3repl', 's3repl:lineage': 'L1', team: 'platform' });
  });

  it('generates a least-privilege policy scoped to the rule prefix, with the Batch Replication grants retry-failed needs', () => {
    const res = byAddress(
      config(`${base}
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: logs
        filter: { prefix: logs/ }
        destination: { bucket: dst-bucket }
`),
    );
    const doc = res.get('role-policy.repl')!.attributes.document as unknown as PolicyDocument;
    const grants = doc.Statement.map((s) => ({ actions: s.Action, resources: s.Resource }));
    expect(grants).toEqual(
      expect.arrayContaining([
        { actions: ['s3:GetReplicationConfiguration', 's3:ListBucket', 's3:PutInventoryConfiguration'], resources: ['arn:aws:s3:::src-bucket'] },
        {
          actions: ['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging', 's3:InitiateReplication'],
          resources: ['arn:aws:s3:::src-bucket/logs/*'],
        },
        { actions: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'], resources: ['arn:aws:s3:::dst-bucket/logs/*'] },
      ]),
    );
    // Plus the Batch Replication grants every managed role gets (retry-failed), on the rule's prefix.
    expect(grants.filter((g) => g.actions?.includes('s3:InitiateReplication')).map((g) => g.resources)).toEqual([['arn:aws:s3:::src-bucket/logs/*']]);
    expect(grants.filter((g) => g.actions?.includes('s3:PutObject')).map((g) => g.resources)).toEqual([['arn:aws:s3:::src-bucket/s3repl/batch-reports/*']]);
    const trust = res.get('role.repl')!.attributes.trustPolicy as unknown as PolicyDocument;
    // As AWS documents it: both service principals, no condition.
    expect(trust.Statement[0]!.Principal).toEqual({ Service: ['batchoperations.s3.amazonaws.com', 's3.amazonaws.com'] });
    expect(trust.Statement[0]!.Condition).toBeUndefined();
  });

  it('adds KMS grants conditioned on S3 in each region, owner override, and Batch Operations trust', () => {
    const res = byAddress(
      config(`${base}
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: kms
        destination: { bucket: dst-bucket, account: "222222222222", ownerOverride: true }
        encryption:
          sseKms: true
          replicaKmsKey: arn:aws:kms:us-west-2:222222222222:key/abcd
          sourceKmsKeys: [arn:aws:kms:us-east-1:111111111111:key/src]
        existingObjects: replicate
`),
    );
    const doc = res.get('role-policy.repl')!.attributes.document as unknown as PolicyDocument;
    const decrypt = doc.Statement.find((s) => s.Action?.includes('kms:Decrypt'))!;
    expect(decrypt.Resource).toEqual(['arn:aws:kms:us-east-1:111111111111:key/src']);
    expect(decrypt.Condition).toEqual({
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::src-bucket/*'], 'kms:ViaService': ['s3.us-east-1.amazonaws.com'] },
    });
    const encrypt = doc.Statement.find((s) => s.Action?.includes('kms:Encrypt'))!;
    expect(encrypt.Action).toEqual(['kms:Encrypt']);
    expect(encrypt.Condition?.StringLike?.['kms:ViaService']).toEqual(['s3.us-west-2.amazonaws.com']);
    const dest = doc.Statement.find((s) => s.Action?.includes('s3:ReplicateObject'))!;
    expect(dest.Action).toContain('s3:ObjectOwnerOverrideToBucketOwner');
    expect(JSON.stringify(doc)).toContain('s3:InitiateReplication');
    const trust = res.get('role.repl')!.attributes.trustPolicy as unknown as PolicyDocument;
    expect(trust.Statement[0]!.Principal).toEqual({ Service: ['batchoperations.s3.amazonaws.com', 's3.amazonaws.com'] });
  });

  it('does not manage buckets of another account, and says what that account must grant', () => {
    const c = config(`${base.replace('dst-bucket: { region: us-west-2 }', 'dst-bucket: { region: us-west-2, account: "222222222222" }')}
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: x
        destination: { bucket: dst-bucket, ownerOverride: true }
`);
    const out = desiredResources(c, { accountId: ACCOUNT, lineage: 'L1' });
    expect(out.resources.map((r) => r.address)).not.toContain('versioning.dst-bucket');
    expect(out.notices).toHaveLength(1);
    expect(out.notices[0]!.message).toContain('account 222222222222');
    const policy = JSON.parse(out.notices[0]!.detail!);
    expect(policy.Statement[0].Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:role/s3repl-repl' });
    expect(policy.Statement[0].Action).toContain('s3:ObjectOwnerOverrideToBucketOwner');
  });

  it('refuses to create a bucket in another account', () => {
    const c = config(`${base.replace('dst-bucket: { region: us-west-2 }', 'dst-bucket: { region: us-west-2, account: "222222222222", create: true }')}
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: x
        destination: { bucket: dst-bucket }
`);
    expect(() => desiredResources(c, { accountId: ACCOUNT, lineage: 'L1' })).toThrow(/cannot create it/);
  });
});

describe('a destination in an account accounts: reaches', () => {
  const yaml = (extra = '') => `${base.replace('dst-bucket: { region: us-west-2 }', 'dst-bucket: { region: us-west-2, account: "222222222222", create: true }')}
accounts:
  "222222222222": { roleArn: "arn:aws:iam::222222222222:role/deployer" }
replications:
  - source: src-bucket
    role: repl
    rules:
      - id: x
        destination: { bucket: dst-bucket, ownerOverride: true }
${extra}`;

  it('manages its bucket and versioning in that account, and grants the role in its bucket policy', () => {
    const out = desiredResources(config(yaml()), { accountId: ACCOUNT, lineage: 'L1' });
    const by = new Map(out.resources.map((r) => [r.address, r]));
    expect(by.get('bucket.dst-bucket')!.id).toEqual({ bucket: 'dst-bucket', region: 'us-west-2', account: '222222222222' });
    expect(by.get('versioning.dst-bucket')!.id).toEqual({ bucket: 'dst-bucket', region: 'us-west-2', account: '222222222222' });
    expect(by.get('versioning.src-bucket')!.id).toEqual({ bucket: 'src-bucket', region: 'us-east-1' });
    const policy = by.get('bucket-policy.dst-bucket')!;
    expect(policy.id).toEqual({ bucket: 'dst-bucket', region: 'us-west-2', account: '222222222222' });
    expect(policy.dependsOn.sort()).toEqual(['bucket.dst-bucket', 'role.repl']);
    const statements = policy.attributes.statements as Array<{ Sid: string; Principal: { AWS: string[] }; Action: string[]; Resource: string[] }>;
    expect(statements.every((st) => st.Sid.startsWith('S3repl') && st.Principal.AWS[0] === 'arn:aws:iam::111111111111:role/s3repl-repl')).toBe(true);
    expect(statements.flatMap((st) => st.Action)).toEqual(
      expect.arrayContaining(['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner', 's3:List*', 's3:GetBucketVersioning', 's3:PutBucketVersioning']),
    );
    expect(by.get('replication.src-bucket')!.dependsOn).toContain('bucket-policy.dst-bucket');
    expect(out.notices).toEqual([]);
  });

  it("grants the role in the policy of a replica key in that account, before the replication configuration", () => {
    const key = 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const out = desiredResources(config(yaml(`        encryption: { sseKms: true, replicaKmsKey: "${key}" }\n`)), { accountId: ACCOUNT, lineage: 'L1' });
    expect(out.notices).toEqual([]);
    const by = new Map(out.resources.map((r) => [r.address, r]));
    const kp = by.get('key-policy.1234abcd-12ab-34cd-56ef-1234567890ab')!;
    expect(kp.id).toEqual({ keyArn: key, region: 'us-west-2', account: '222222222222' });
    expect(kp.dependsOn).toEqual(['role.repl']);
    const [statement] = kp.attributes.statements as Array<{ Principal: { AWS: string[] }; Action: string[] }>;
    expect(statement!.Principal).toEqual({ AWS: ['arn:aws:iam::111111111111:role/s3repl-repl'] });
    expect(statement!.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
    expect(by.get('replication.src-bucket')!.dependsOn).toContain(kp.address);
  });

  it('warns with the key policy statement when the replica key is in an account s3repl cannot reach', () => {
    const key = 'arn:aws:kms:us-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const out = desiredResources(config(yaml(`        encryption: { sseKms: true, replicaKmsKey: "${key}" }\n`)), { accountId: ACCOUNT, lineage: 'L1' });
    expect(out.resources.map((r) => r.kind)).not.toContain('key-policy');
    expect(out.notices).toHaveLength(1);
    expect(out.notices[0]!.level).toBe('warning');
    expect(out.notices[0]!.message).toContain(`${key} in account 333333333333`);
    const statement = JSON.parse(out.notices[0]!.detail!);
    expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:role/s3repl-repl' });
    expect(statement.Action).toContain('kms:Encrypt');
  });
});

describe('IAM limits', () => {
  it('refuses a generated policy over the 10,240-character inline quota even with whole-bucket grants, naming the role (validate reports it first)', () => {
    const buckets = Array.from({ length: 200 }, (_, i) => `  src-${i}: {}\n  dst-${i}: { region: us-west-2 }`).join('\n');
    const reps = Array.from(
      { length: 200 },
      (_, i) => `  - source: src-${i}\n    role: repl\n    rules:\n      - id: r\n        destination: { bucket: dst-${i} }`,
    ).join('\n');
    const text = `version: 1\ndefaults: { region: us-east-1 }\nroles:\n  repl: { name: big-role }\nbuckets:\n${buckets}\nreplications:\n${reps}\n`;
    expect(loadConfigText(text, 'test.yaml').diagnostics.map((d) => d.rule)).toEqual(['policy-too-large']);
    const c = resolveConfig(parse(text) as RawConfig, 'test.yaml');
    expect(() => desiredResources(c, { accountId: ACCOUNT, lineage: 'L1' })).toThrow(/role repl \(big-role\) is \d+ characters even with whole-bucket grants, over IAM's 10240-character limit/);
  });
  it('widens object grants to whole buckets when per-prefix grants would not fit, and says so in the plan', () => {
    const rules = Array.from({ length: 160 }, (_, i) => `      - { id: r${i}, priority: ${i + 1}, filter: { prefix: team-${i}/data/ }, destination: { bucket: dst-bucket } }`).join('\n');
    const c = config(`${base}\nreplications:\n  - source: src-bucket\n    role: repl\n    rules:\n${rules}\n`);
    const out = desiredResources(c, { accountId: ACCOUNT, lineage: 'L1' });
    const doc = out.resources.find((r) => r.address === 'role-policy.repl')!.attributes.document as unknown as PolicyDocument;
    expect(doc.Statement.find((s) => s.Action?.includes('s3:ReplicateObject'))!.Resource).toEqual(['arn:aws:s3:::dst-bucket/*']);
    expect(out.notices.find((n) => n.address === 'role-policy.repl')?.message).toMatch(/object grants on dst-bucket cover the whole bucket instead of each rule's prefix/);
  });
});
