import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  DeletePublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Emulator } from './server.js';
import { emulator, failure, OTHER_ACCOUNT, s3 } from './s3-testkit.js';

let emu: Emulator;
let client: S3Client;

beforeAll(async () => {
  emu = await emulator();
  client = s3(emu);
});
afterAll(async () => emu.stop());

let n = 0;
const fresh = async (opts: { versioned?: boolean } = {}) => {
  const name = `bucket-${++n}-s3test`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  if (opts.versioned) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  return name;
};

describe('buckets', () => {
  it('creates, heads, lists, locates and deletes a bucket', async () => {
    const name = await fresh();
    const head = await client.send(new HeadBucketCommand({ Bucket: name }));
    expect(head.BucketRegion).toBe('us-east-1');
    const list = await client.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain(name);
    const loc = await client.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(loc.LocationConstraint).toBeUndefined();
    await client.send(new DeleteBucketCommand({ Bucket: name }));
    expect(await failure(client.send(new HeadBucketCommand({ Bucket: name })))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(client.send(new DeleteBucketCommand({ Bucket: name })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('answers 200 for a bucket you already own in us-east-1, BucketAlreadyOwnedByYou elsewhere', async () => {
    const name = await fresh();
    await expect(client.send(new CreateBucketCommand({ Bucket: name }))).resolves.toBeDefined();
    const west = s3(emu, 'us-west-2');
    await west.send(new CreateBucketCommand({ Bucket: 'west-owned-s3test', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    expect(
      await failure(west.send(new CreateBucketCommand({ Bucket: 'west-owned-s3test', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }))),
    ).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
  });

  it("refuses another account's bucket name with BucketAlreadyExists", async () => {
    const name = await fresh();
    const other = s3(emu, 'us-east-1', OTHER_ACCOUNT);
    expect(await failure(other.send(new CreateBucketCommand({ Bucket: name })))).toMatchObject({ name: 'BucketAlreadyExists', status: 409 });
  });

  it('validates bucket names', async () => {
    for (const bad of ['ab', 'UPPER', 'a..b', '192.168.1.1', '-lead', 'xn--punycode', 'x'.repeat(64)]) {
      expect(await failure(client.send(new CreateBucketCommand({ Bucket: bad })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
    }
  });

  it('enforces LocationConstraint against the signing region', async () => {
    const west = s3(emu, 'us-west-2');
    // The SDK fills LocationConstraint from its region, so send the unconstrained request by hand.
    const raw = await fetch(`${emu.url}/no-constraint-s3test`, {
      method: 'PUT',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-west-2/s3/aws4_request, SignedHeaders=host, Signature=0' },
    });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain('<Code>IllegalLocationConstraintException</Code>');
    expect(
      await failure(west.send(new CreateBucketCommand({ Bucket: 'wrong-constraint-s3test', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))),
    ).toMatchObject({ name: 'IllegalLocationConstraintException', status: 400 });
    expect(
      await failure(client.send(new CreateBucketCommand({ Bucket: 'explicit-use1-s3test', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }))),
    ).toMatchObject({ name: 'InvalidLocationConstraint', status: 400 });
    await west.send(new CreateBucketCommand({ Bucket: 'west-s3test', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    const loc = await client.send(new GetBucketLocationCommand({ Bucket: 'west-s3test' }));
    expect(loc.LocationConstraint).toBe('us-west-2');
  });

  it('redirects requests for a bucket in another region with 301 and x-amz-bucket-region', async () => {
    const west = s3(emu, 'us-west-2');
    await west.send(new CreateBucketCommand({ Bucket: 'redirect-s3test', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    const err = await failure(client.send(new GetBucketVersioningCommand({ Bucket: 'redirect-s3test' })));
    expect(err).toMatchObject({ name: 'PermanentRedirect', status: 301 });
    const res = await fetch(`${emu.url}/redirect-s3test`, { method: 'HEAD' });
    expect(res.status).toBe(301);
    expect(res.headers.get('x-amz-bucket-region')).toBe('us-west-2');
  });

  it("denies bucket operations on another account's bucket and hides it from ListBuckets", async () => {
    const name = await fresh();
    const other = s3(emu, 'us-east-1', OTHER_ACCOUNT);
    expect(await failure(other.send(new GetBucketVersioningCommand({ Bucket: name })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await failure(other.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    const list = await other.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name) ?? []).not.toContain(name);
  });

  it('refuses to delete a bucket that still has object versions', async () => {
    const name = await fresh({ versioned: true });
    await client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x' }));
    await client.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }));
    expect(await failure(client.send(new DeleteBucketCommand({ Bucket: name })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
  });

  it('versioning: unset, Enabled, Suspended, never back to unset; malformed bodies rejected', async () => {
    const name = await fresh();
    const v0 = await client.send(new GetBucketVersioningCommand({ Bucket: name }));
    expect(v0.Status).toBeUndefined();
    await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe('Enabled');
    await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe('Suspended');
    expect(
      await failure(client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Off' as never } }))),
    ).toMatchObject({ name: 'MalformedXML', status: 400 });
    const raw = await fetch(`${emu.url}/${name}?versioning`, { method: 'PUT', body: '<VersioningConfiguration><Status>' });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain('<Code>MalformedXML</Code>');
  });

  it('Object Lock: enables versioning, cannot be suspended, configuration readable', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'locked-s3test', ObjectLockEnabledForBucket: true }));
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: 'locked-s3test' }))).Status).toBe('Enabled');
    expect(
      await failure(client.send(new PutBucketVersioningCommand({ Bucket: 'locked-s3test', VersioningConfiguration: { Status: 'Suspended' } }))),
    ).toMatchObject({ name: 'InvalidBucketState', status: 409 });
    const cfg = await client.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked-s3test' }));
    expect(cfg.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    await client.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'locked-s3test',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    const cfg2 = await client.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked-s3test' }));
    expect(cfg2.ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({ Mode: 'GOVERNANCE', Days: 1 });
    const plain = await fresh();
    expect(await failure(client.send(new GetObjectLockConfigurationCommand({ Bucket: plain })))).toMatchObject({
      name: 'ObjectLockConfigurationNotFoundError',
      status: 404,
    });
  });

  it('encryption defaults to SSE-S3 and can be set', async () => {
    const name = await fresh();
    const def = await client.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(def.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/x' }, BucketKeyEnabled: true }],
        },
      }),
    );
    const got = await client.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(got.ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/x' },
      BucketKeyEnabled: true,
    });
  });

  it('public access block: on by default for new buckets, 404 once deleted', async () => {
    const name = await fresh();
    const def = await client.send(new GetPublicAccessBlockCommand({ Bucket: name }));
    expect(def.PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(true);
    await client.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    expect(await failure(client.send(new GetPublicAccessBlockCommand({ Bucket: name })))).toMatchObject({
      name: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
    });
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false },
      }),
    );
    const got = await client.send(new GetPublicAccessBlockCommand({ Bucket: name }));
    expect(got.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false });
  });

  it('bucket tagging: NoSuchTagSet until set, duplicate keys rejected', async () => {
    const name = await fresh();
    expect(await failure(client.send(new GetBucketTaggingCommand({ Bucket: name })))).toMatchObject({ name: 'NoSuchTagSet', status: 404 });
    await client.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }));
    expect((await client.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet).toEqual([{ Key: 'team', Value: 'data' }]);
    expect(
      await failure(client.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } }))),
    ).toMatchObject({ name: 'InvalidTag', status: 400 });
  });
});

describe('objects', () => {
  it('puts and gets with ETag, VersionId, tags and metadata', async () => {
    const name = await fresh({ versioned: true });
    const put = await client.send(new PutObjectCommand({ Bucket: name, Key: 'dir/a.txt', Body: 'hello', Tagging: 'k=v&x=y', Metadata: { owner: 'me' } }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(put.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    const got = await client.send(new GetObjectCommand({ Bucket: name, Key: 'dir/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    expect(got.VersionId).toBe(put.VersionId);
    expect(got.Metadata).toEqual({ owner: 'me' });
    expect(got.TagCount).toBe(2);
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: name, Key: 'dir/a.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'k', Value: 'v' }, { Key: 'x', Value: 'y' }]);
    await client.send(new PutObjectTaggingCommand({ Bucket: name, Key: 'dir/a.txt', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: name, Key: 'dir/a.txt' }))).TagSet).toEqual([{ Key: 'only', Value: 'one' }]);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: name, Key: 'missing' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: name, Key: 'missing' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  it('unversioned buckets return no version id and overwrite in place', async () => {
    const name = await fresh();
    const put = await client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'one' }));
    expect(put.VersionId).toBeUndefined();
    await client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'two' }));
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: name }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual(['null']);
  });

  it('conditional writes: If-None-Match * and If-Match', async () => {
    const name = await fresh({ versioned: true });
    const first = await client.send(new PutObjectCommand({ Bucket: name, Key: 'state', Body: 'v1', IfNoneMatch: '*' }));
    expect(await failure(client.send(new PutObjectCommand({ Bucket: name, Key: 'state', Body: 'v2', IfNoneMatch: '*' })))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await failure(client.send(new PutObjectCommand({ Bucket: name, Key: 'state', Body: 'v2', IfMatch: '"0000"' })))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    const second = await client.send(new PutObjectCommand({ Bucket: name, Key: 'state', Body: 'v2', IfMatch: first.ETag }));
    expect(second.ETag).not.toBe(first.ETag);
    expect(await failure(client.send(new PutObjectCommand({ Bucket: name, Key: 'absent', Body: 'x', IfMatch: first.ETag })))).toMatchObject({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await failure(client.send(new GetObjectCommand({ Bucket: name, Key: 'state', IfMatch: first.ETag })))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await failure(client.send(new DeleteObjectCommand({ Bucket: name, Key: 'state', IfMatch: first.ETag })))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    await client.send(new DeleteObjectCommand({ Bucket: name, Key: 'state', IfMatch: second.ETag }));
    // After a delete marker there is no current object: If-None-Match * succeeds again.
    await expect(client.send(new PutObjectCommand({ Bucket: name, Key: 'state', Body: 'v3', IfNoneMatch: '*' }))).resolves.toBeDefined();
  });

  it('delete markers, version deletes and version reads', async () => {
    const name = await fresh({ versioned: true });
    const v1 = await client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'one' }));
    const del = await client.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }));
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toBeDefined();
    expect(await failure(client.send(new GetObjectCommand({ Bucket: name, Key: 'k' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(client.send(new GetObjectCommand({ Bucket: name, Key: 'k', VersionId: del.VersionId })))).toMatchObject({ status: 405 });
    const old = await client.send(new GetObjectCommand({ Bucket: name, Key: 'k', VersionId: v1.VersionId }));
    expect(await old.Body?.transformToString()).toBe('one');
    const list = await client.send(new ListObjectVersionsCommand({ Bucket: name }));
    expect(list.DeleteMarkers?.[0]).toMatchObject({ Key: 'k', VersionId: del.VersionId, IsLatest: true });
    expect(list.Versions?.[0]).toMatchObject({ Key: 'k', VersionId: v1.VersionId, IsLatest: false });
    await client.send(new DeleteObjectCommand({ Bucket: name, Key: 'k', VersionId: del.VersionId }));
    const back = await client.send(new GetObjectCommand({ Bucket: name, Key: 'k' }));
    expect(back.VersionId).toBe(v1.VersionId);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: name, Key: 'k', VersionId: 'nosuchversionid0000000000000000' })))).toMatchObject({
      name: 'NoSuchVersion',
      status: 404,
    });
  });

  it('ListObjectVersions pages with key and version-id markers', async () => {
    const name = await fresh({ versioned: true });
    for (const key of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: `${key}${i}` }));
    await client.send(new PutObjectCommand({ Bucket: name, Key: 'other/x', Body: 'x' }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket: name, Prefix: '', MaxKeys: 4, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      );
      pages++;
      seen.push(...(page.Versions ?? []).map((v) => `${v.Key}:${v.VersionId}`));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const prefixed = await client.send(new ListObjectVersionsCommand({ Bucket: name, Prefix: 'other/' }));
    expect(prefixed.Versions?.map((v) => v.Key)).toEqual(['other/x']);
  });

  it('ListObjectsV2 pages with continuation tokens, skips deleted keys, rolls up prefixes', async () => {
    const name = await fresh({ versioned: true });
    for (const key of ['a/1', 'a/2', 'b', 'c', 'd']) await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: key }));
    await client.send(new DeleteObjectCommand({ Bucket: name, Key: 'c' }));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual(['a/1', 'a/2', 'b', 'd']);
    const rolled = await client.send(new ListObjectsV2Command({ Bucket: name, Delimiter: '/' }));
    expect(rolled.CommonPrefixes).toEqual([{ Prefix: 'a/' }]);
    expect(rolled.Contents?.map((c) => c.Key)).toEqual(['b', 'd']);
    const pre = await client.send(new ListObjectsV2Command({ Bucket: name, Prefix: 'a/' }));
    expect(pre.KeyCount).toBe(2);
  });

  it('DeleteObjects deletes several keys and reports delete markers', async () => {
    const name = await fresh({ versioned: true });
    await client.send(new PutObjectCommand({ Bucket: name, Key: 'x', Body: '1' }));
    await client.send(new PutObjectCommand({ Bucket: name, Key: 'y', Body: '2' }));
    const res = await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } }));
    expect(res.Deleted?.map((d) => [d.Key, d.DeleteMarker])).toEqual([['x', true], ['y', true]]);
    const list = await client.send(new ListObjectsV2Command({ Bucket: name }));
    expect(list.KeyCount).toBe(0);
  });

  it('rejects more than 10 object tags and a wrong Content-MD5', async () => {
    const name = await fresh();
    const tagging = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    expect(await failure(client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x', Tagging: tagging })))).toMatchObject({
      name: 'BadRequest',
      status: 400,
    });
    expect(await failure(client.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x', ContentMD5: Buffer.alloc(16).toString('base64') })))).toMatchObject({
      name: 'BadDigest',
      status: 400,
    });
  });

  it('error bodies carry Code, Message and RequestId with x-amz-request-id', async () => {
    const res = await fetch(`${emu.url}/no-such-bucket-s3test/key`);
    expect(res.status).toBe(404);
    const body = await res.text();
    const requestId = res.headers.get('x-amz-request-id');
    expect(requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(body).toContain('<Code>NoSuchBucket</Code>');
    expect(body).toContain('<Message>The specified bucket does not exist</Message>');
    expect(body).toContain(`<RequestId>${requestId}</RequestId>`);
  });
});
