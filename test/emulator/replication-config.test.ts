/**
 * PutBucketReplication validation: one test per rule the emulator enforces
 * (docs/aws-behaviour.md, "Replication configuration"), asserting the error
 * code and HTTP status the SDK sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  GetBucketReplicationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  type ReplicationConfiguration,
  type ReplicationRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Emulator } from './server.js';
import { emulator, failure, s3 } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;
const ROLE = 'arn:aws:iam::111111111111:role/replication';

beforeAll(async () => {
  emu = await emulator();
  client = s3(emu);
  for (const b of ['src', 'dst', 'dst2', 'unversioned']) await client.send(new CreateBucketCommand({ Bucket: `${b}-rc` }));
  for (const b of ['src', 'dst', 'dst2']) {
    await client.send(new PutBucketVersioningCommand({ Bucket: `${b}-rc`, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  await client.send(new CreateBucketCommand({ Bucket: 'locked-src-rc', ObjectLockEnabledForBucket: true }));
  await client.send(new CreateBucketCommand({ Bucket: 'locked-dst-rc', ObjectLockEnabledForBucket: true }));
});
afterAll(async () => emu.stop());

const v2 = (over: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ID: 'rule',
  Priority: 1,
  Status: 'Enabled',
  Filter: { Prefix: '' },
  DeleteMarkerReplication: { Status: 'Disabled' },
  Destination: { Bucket: 'arn:aws:s3:::dst-rc' },
  ...over,
});

const put = (rules: ReplicationRule[], bucket = 'src-rc', role = ROLE) =>
  client.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: { Role: role, Rules: rules } as ReplicationConfiguration }));

/** Sends a raw XML body (for shapes the SDK's types would not let us build). */
async function putRaw(body: string, bucket = 'src-rc'): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const res = await fetch(`${emu.url}/${bucket}?replication`, { method: 'PUT', body });
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] };
}

const ruleXml = (inner: string) =>
  `<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role>${ROLE}</Role><Rule>${inner}</Rule></ReplicationConfiguration>`;

describe('accepted configurations and read-back', () => {
  it('stores a V2 rule, generates a 48-char ID when omitted, and reads it back', async () => {
    await put([v2({ ID: undefined, Filter: { Prefix: 'logs/' } })]);
    const got = await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }));
    const rule = got.ReplicationConfiguration?.Rules?.[0];
    expect(got.ReplicationConfiguration?.Role).toBe(ROLE);
    expect(rule?.ID).toMatch(/^[A-Za-z0-9+/=]{48}$/);
    expect(rule).toMatchObject({ Priority: 1, Status: 'Enabled', Filter: { Prefix: 'logs/' }, DeleteMarkerReplication: { Status: 'Disabled' } });
  });

  it('echoes an empty Filter as sent, and Filter with an empty Prefix as sent', async () => {
    await put([v2({ Filter: {} })]);
    let rule = (await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }))).ReplicationConfiguration?.Rules?.[0];
    expect(rule?.Filter).toEqual({});
    await put([v2({ Filter: { Prefix: '' } })]);
    rule = (await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }))).ReplicationConfiguration?.Rules?.[0];
    expect(rule?.Filter).toEqual({ Prefix: '' });
  });

  it('accepts RTC with metrics, several destinations with distinct priorities, tag filters with DMR Disabled', async () => {
    await put([
      v2({
        ID: 'rtc',
        Priority: 2,
        Destination: {
          Bucket: 'arn:aws:s3:::dst-rc',
          StorageClass: 'STANDARD_IA',
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
        },
      }),
      v2({ ID: 'tags', Priority: 1, Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'a', Value: 'b' }] } }, Destination: { Bucket: 'arn:aws:s3:::dst2-rc' } }),
    ]);
    const got = await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }));
    expect(got.ReplicationConfiguration?.Rules?.map((r) => r.ID)).toEqual(['rtc', 'tags']);
    expect(got.ReplicationConfiguration?.Rules?.[0]?.Destination?.ReplicationTime).toEqual({ Status: 'Enabled', Time: { Minutes: 15 } });
    expect(got.ReplicationConfiguration?.Rules?.[1]?.Filter?.And?.Tags).toEqual([{ Key: 'a', Value: 'b' }]);
  });

  it('accepts metrics without RTC (no event threshold)', async () => {
    await expect(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', Metrics: { Status: 'Enabled' } } })])).resolves.toBeDefined();
  });

  it('accepts a legacy V1 rule (rule-level Prefix) and echoes it', async () => {
    const res = await putRaw(ruleXml('<ID>v1</ID><Prefix>old/</Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst-rc</Bucket></Destination>'));
    expect(res.status).toBe(200);
    const rule = (await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }))).ReplicationConfiguration?.Rules?.[0];
    expect(rule).toMatchObject({ ID: 'v1', Prefix: 'old/', Status: 'Enabled' });
    expect(rule?.Filter).toBeUndefined();
  });

  it('delete is 204 and idempotent; GET then 404 ReplicationConfigurationNotFoundError', async () => {
    await put([v2()]);
    const first = await client.send(new DeleteBucketReplicationCommand({ Bucket: 'src-rc' }));
    expect(first.$metadata.httpStatusCode).toBe(204);
    const second = await client.send(new DeleteBucketReplicationCommand({ Bucket: 'src-rc' }));
    expect(second.$metadata.httpStatusCode).toBe(204);
    expect(await failure(client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' })))).toMatchObject({
      name: 'ReplicationConfigurationNotFoundError',
      status: 404,
    });
  });
});

describe('rules AWS enforces', () => {
  it('source versioning not Enabled → InvalidRequest', async () => {
    const err = await failure(put([v2()], 'unversioned-rc'));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400, message: "Versioning must be 'Enabled' on the bucket to apply a replication configuration" });
  });

  it('destination missing → InvalidRequest "Destination bucket must have versioning enabled."', async () => {
    const err = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::does-not-exist-rc' } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'Destination bucket must have versioning enabled.' });
  });

  it('destination not versioned → the same InvalidRequest', async () => {
    const err = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::unversioned-rc' } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'Destination bucket must have versioning enabled.' });
  });

  it('empty Rules → MalformedXML', async () => {
    expect(await failure(put([]))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('a rule with neither Filter nor Prefix → MalformedXML', async () => {
    expect(await failure(put([v2({ Filter: undefined })]))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('a Filter with more than one of Prefix, Tag, And → MalformedXML', async () => {
    expect(await failure(put([v2({ Filter: { Prefix: 'a', Tag: { Key: 'k', Value: 'v' } } })]))).toMatchObject({ name: 'MalformedXML', status: 400 });
    expect(await failure(put([v2({ Filter: { Prefix: 'a', And: { Prefix: 'b', Tags: [] } } })]))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('unparsable XML → MalformedXML', async () => {
    expect(await putRaw('<ReplicationConfiguration><Role>')).toMatchObject({ status: 400, code: 'MalformedXML' });
  });

  it('DeleteMarkerReplication on a V1 rule → InvalidRequest', async () => {
    const res = await putRaw(
      ruleXml(
        '<Prefix></Prefix><Status>Enabled</Status><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst-rc</Bucket></Destination>',
      ),
    );
    expect(res).toEqual({
      status: 400,
      code: 'InvalidRequest',
      message: 'DeleteMarkerReplication cannot be used for this version of Cross Region Replication configuration schema',
    });
  });

  it('a tag filter requires DeleteMarkerReplication Disabled', async () => {
    const err = await failure(put([v2({ Filter: { Tag: { Key: 'k', Value: 'v' } }, DeleteMarkerReplication: { Status: 'Enabled' } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
    const andErr = await failure(
      put([v2({ Filter: { And: { Prefix: 'x', Tags: [{ Key: 'k', Value: 'v' }] } }, DeleteMarkerReplication: { Status: 'Enabled' } })]),
    );
    expect(andErr).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('several destinations on V1 → InvalidRequest', async () => {
    const rule = (id: string, dst: string) =>
      `<Rule><ID>${id}</ID><Prefix>${id}/</Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::${dst}</Bucket></Destination></Rule>`;
    const res = await putRaw(`<ReplicationConfiguration><Role>${ROLE}</Role>${rule('a', 'dst-rc')}${rule('b', 'dst2-rc')}</ReplicationConfiguration>`);
    expect(res).toEqual({ status: 400, code: 'InvalidRequest', message: 'Number of distinct destination bucket ARNs cannot exceed 1' });
  });

  it('several destinations need distinct priorities', async () => {
    const err = await failure(put([v2({ ID: 'a' }), v2({ ID: 'b', Destination: { Bucket: 'arn:aws:s3:::dst2-rc' } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('V2 rules to one destination need distinct priorities too, as validate asks', async () => {
    const same = [v2({ ID: 'a', Filter: { Prefix: 'a/' } }), v2({ ID: 'b', Filter: { Prefix: 'b/' } })];
    const err = await failure(put(same));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(err.message).toMatch(/Rules a and b have the same Priority 1/);
    await expect(put([same[0]!, { ...same[1]!, Priority: 2 }])).resolves.toBeDefined();
  });

  it('V1 rules (no Priority) to one destination are not compared', async () => {
    const rule = (id: string) => `<Rule><ID>${id}</ID><Prefix>${id}/</Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst-rc</Bucket></Destination></Rule>`;
    const res = await putRaw(`<ReplicationConfiguration><Role>${ROLE}</Role>${rule('a')}${rule('b')}</ReplicationConfiguration>`);
    expect(res.status).toBe(200);
  });

  it('ReplicaModifications needs V2', async () => {
    const res = await putRaw(
      ruleXml(
        '<Prefix></Prefix><Status>Enabled</Status><SourceSelectionCriteria><ReplicaModifications><Status>Enabled</Status></ReplicaModifications></SourceSelectionCriteria><Destination><Bucket>arn:aws:s3:::dst-rc</Bucket></Destination>',
      ),
    );
    expect(res).toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('ReplicationTime without Metrics → InvalidRequest', async () => {
    const err = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } } } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('ReplicationTime minutes other than 15 → InvalidArgument', async () => {
    const err = await failure(
      put([
        v2({
          Destination: {
            Bucket: 'arn:aws:s3:::dst-rc',
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 10 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          },
        }),
      ]),
    );
    expect(err).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('EventThreshold minutes other than 15 → InvalidArgument', async () => {
    const err = await failure(
      put([
        v2({
          Destination: {
            Bucket: 'arn:aws:s3:::dst-rc',
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 30 } },
          },
        }),
      ]),
    );
    expect(err).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('Metrics.EventThreshold while RTC absent or Disabled → InvalidArgument', async () => {
    const message = 'Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled';
    const absent = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } } } })]));
    expect(absent).toMatchObject({ name: 'InvalidArgument', status: 400, message });
    const disabled = await failure(
      put([
        v2({
          Destination: {
            Bucket: 'arn:aws:s3:::dst-rc',
            ReplicationTime: { Status: 'Disabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          },
        }),
      ]),
    );
    expect(disabled).toMatchObject({ name: 'InvalidArgument', status: 400, message });
  });

  it('AccessControlTranslation needs Destination.Account', async () => {
    const err = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', AccessControlTranslation: { Owner: 'Destination' } } })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
    await expect(
      put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', Account: '111111111111', AccessControlTranslation: { Owner: 'Destination' } } })]),
    ).resolves.toBeDefined();
  });

  it('SseKmsEncryptedObjects Enabled needs ReplicaKmsKeyID; EncryptionConfiguration needs SseKmsEncryptedObjects', async () => {
    const noKey = await failure(put([v2({ SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } } })]));
    expect(noKey).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.' });
    const noCriteria = await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:us-east-1:111111111111:key/k' } } })]));
    expect(noCriteria).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present.' });
    await expect(
      put([
        v2({
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: { Bucket: 'arn:aws:s3:::dst-rc', EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:us-east-1:111111111111:key/k' } },
        }),
      ]),
    ).resolves.toBeDefined();
  });

  it('an Object Lock source needs an Object Lock destination', async () => {
    expect(await failure(put([v2()], 'locked-src-rc'))).toMatchObject({ name: 'InvalidRequest', status: 400 });
    await expect(put([v2({ Destination: { Bucket: 'arn:aws:s3:::locked-dst-rc' } })], 'locked-src-rc')).resolves.toBeDefined();
  });

  it('invalid storage class: outside the schema → MalformedXML, OUTPOSTS → InvalidStorageClass', async () => {
    expect(await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', StorageClass: 'COLD' as never } })]))).toMatchObject({
      name: 'MalformedXML',
      status: 400,
    });
    expect(await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::dst-rc', StorageClass: 'OUTPOSTS' } })]))).toMatchObject({
      name: 'InvalidStorageClass',
      status: 400,
    });
  });

  it('source = destination → InvalidRequest', async () => {
    expect(await failure(put([v2({ Destination: { Bucket: 'arn:aws:s3:::src-rc' } })]))).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('more than 1,000 rules → InvalidRequest', async () => {
    const rules = Array.from({ length: 1001 }, (_, i) => v2({ ID: `r${i}`, Priority: i, Filter: { Prefix: `p${i}/` } }));
    expect(await failure(put(rules))).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('rule ID longer than 255 characters → InvalidArgument', async () => {
    expect(await failure(put([v2({ ID: 'x'.repeat(256) })]))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    await expect(put([v2({ ID: 'x'.repeat(255) })])).resolves.toBeDefined();
  });

  it('V2 rules require Priority', async () => {
    const err = await failure(put([v2({ Priority: undefined })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(err.message).toMatch(/^Priority must be specified/);
  });

  it('V2 rules require DeleteMarkerReplication', async () => {
    const err = await failure(put([v2({ DeleteMarkerReplication: undefined })]));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(err.message).toMatch(/^DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema/);
  });

  it('ExistingObjectReplication → MalformedXML', async () => {
    expect(await failure(put([v2({ ExistingObjectReplication: { Status: 'Enabled' } })]))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('Role must be an IAM role ARN', async () => {
    expect(await failure(put([v2()], 'src-rc', 'not-an-arn'))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(await failure(put([v2()], 'src-rc', 'arn:aws:iam::111111111111:user/bob'))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    const res = await putRaw(`<ReplicationConfiguration><Rule><ID>x</ID><Priority>1</Priority><Filter/><Status>Enabled</Status></Rule></ReplicationConfiguration>`);
    expect(res).toMatchObject({ status: 400, code: 'MalformedXML' });
  });

  it('a missing Destination or Status → MalformedXML', async () => {
    expect(await putRaw(ruleXml('<Priority>1</Priority><Filter/><Status>Enabled</Status><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>'))).toMatchObject({
      status: 400,
      code: 'MalformedXML',
    });
    expect(
      await putRaw(
        ruleXml('<Priority>1</Priority><Filter/><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst-rc</Bucket></Destination>'),
      ),
    ).toMatchObject({ status: 400, code: 'MalformedXML' });
  });

  it('a rejected PUT leaves the previous configuration in place', async () => {
    await put([v2({ ID: 'keep' })]);
    await failure(put([]));
    const got = await client.send(new GetBucketReplicationCommand({ Bucket: 'src-rc' }));
    expect(got.ReplicationConfiguration?.Rules?.map((r) => r.ID)).toEqual(['keep']);
  });

  it('versioning cannot be suspended on a bucket with a replication configuration', async () => {
    await put([v2()]);
    const err = await failure(client.send(new PutBucketVersioningCommand({ Bucket: 'src-rc', VersioningConfiguration: { Status: 'Suspended' } })));
    expect(err).toMatchObject({ name: 'InvalidBucketState', status: 409 });
  });
});
