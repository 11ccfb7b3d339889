#!/usr/bin/env node
/**
 * Vendors, from AWS's published Smithy models (github.com/aws/api-models-aws),
 * the input shapes of the operations s3repl sends, with only the traits request
 * conformance checks: required, default, idempotencyToken, length, pattern,
 * range, enum values. Run it again (from a checkout of that repository at the
 * wanted commit) when s3repl starts sending a new operation:
 *
 *   node test/conformance/vendor-models.mjs /path/to/api-models-aws <commit>
 *
 * Writes test/conformance/models/<service>.json, each naming its model file,
 * service version and repository commit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPERATIONS = {
  s3: {
    path: 's3/service/2006-03-01/s3-2006-03-01.json',
    ops: [
      'CreateBucket', 'HeadBucket', 'GetBucketLocation', 'GetBucketVersioning', 'PutBucketVersioning', 'GetBucketReplication',
      'PutBucketReplication', 'DeleteBucketReplication', 'PutBucketEncryption', 'GetBucketEncryption', 'PutPublicAccessBlock',
      'PutBucketTagging', 'GetBucketTagging', 'GetPublicAccessBlock', 'GetObjectLockConfiguration', 'PutObjectLockConfiguration', 'PutObject', 'GetObject', 'HeadObject', 'DeleteObject',
      'GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy',
      'GetBucketNotificationConfiguration', 'PutBucketNotificationConfiguration', 'ListObjectsV2',
    ],
  },
  's3-control': { path: 's3-control/service/2018-08-20/s3-control-2018-08-20.json', ops: [
      'CreateJob', 'DescribeJob', 'ListJobs', 'UpdateJobStatus', 'UpdateJobPriority', 'CreateMultiRegionAccessPoint', 'DeleteMultiRegionAccessPoint',
      'DescribeMultiRegionAccessPointOperation', 'GetMultiRegionAccessPoint', 'GetMultiRegionAccessPointPolicy', 'PutMultiRegionAccessPointPolicy',
      'GetMultiRegionAccessPointRoutes', 'SubmitMultiRegionAccessPointRoutes',
    ],
  },
  iam: {
    path: 'iam/service/2010-05-08/iam-2010-05-08.json',
    ops: [
      'CreateRole', 'GetRole', 'DeleteRole', 'UpdateAssumeRolePolicy', 'TagRole', 'UntagRole', 'PutRolePermissionsBoundary',
      'DeleteRolePermissionsBoundary', 'ListRolePolicies', 'GetRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy',
    ],
  },
  cloudwatch: { path: 'cloudwatch/service/2010-08-01/cloudwatch-2010-08-01.json', ops: ['PutMetricAlarm', 'DescribeAlarms', 'DeleteAlarms', 'GetMetricData'] },
  sts: { path: 'sts/service/2011-06-15/sts-2011-06-15.json', ops: ['GetCallerIdentity', 'AssumeRole'] },
  kms: { path: 'kms/service/2014-11-01/kms-2014-11-01.json', ops: ['GetKeyPolicy', 'PutKeyPolicy'] },
  sqs: { path: 'sqs/service/2012-11-05/sqs-2012-11-05.json', ops: ['GetQueueUrl', 'ReceiveMessage', 'DeleteMessageBatch', 'CreateQueue', 'GetQueueAttributes', 'SetQueueAttributes'] },
};

const KEEP_MEMBER_TRAITS = ['smithy.api#required', 'smithy.api#default', 'smithy.api#idempotencyToken'];
const KEEP_SHAPE_TRAITS = ['smithy.api#length', 'smithy.api#pattern', 'smithy.api#range', 'smithy.api#enum'];

function pick(traits, keep) {
  const out = {};
  for (const k of keep) if (traits && k in traits) out[k] = traits[k];
  return Object.keys(out).length ? out : undefined;
}

function vendor(root, commit, service) {
  const { path, ops } = OPERATIONS[service];
  const model = JSON.parse(readFileSync(join(root, path), 'utf8'));
  const shapes = model.shapes;
  const svc = Object.values(shapes).find((s) => s.type === 'service');
  const ns = Object.keys(shapes).find((k) => shapes[k] === svc).split('#')[0];
  const out = {};
  const visit = (id) => {
    if (id.startsWith('smithy.api#') || id in out) return;
    const s = shapes[id];
    if (!s) throw new Error(`${service}: no shape ${id}`);
    const v = { type: s.type };
    const traits = pick(s.traits, KEEP_SHAPE_TRAITS);
    if (traits) v.traits = traits;
    out[id] = v;
    if (s.type === 'structure' || s.type === 'union') {
      v.members = {};
      for (const [name, m] of Object.entries(s.members ?? {})) {
        const mt = pick(m.traits, [...KEEP_MEMBER_TRAITS, ...KEEP_SHAPE_TRAITS]);
        v.members[name] = { target: m.target, ...(mt ? { traits: mt } : {}) };
        visit(m.target);
      }
    } else if (s.type === 'enum' || s.type === 'intEnum') {
      v.values = Object.values(s.members).map((m) => m.traits['smithy.api#enumValue']);
    } else if (s.type === 'list' || s.type === 'set') {
      v.member = { target: s.member.target, ...(pick(s.member.traits, KEEP_SHAPE_TRAITS) ? { traits: pick(s.member.traits, KEEP_SHAPE_TRAITS) } : {}) };
      visit(s.member.target);
    } else if (s.type === 'map') {
      v.key = { target: s.key.target };
      v.value = { target: s.value.target };
      visit(s.key.target);
      visit(s.value.target);
    }
  };
  const operations = {};
  for (const op of ops) {
    const o = shapes[`${ns}#${op}`];
    if (!o || o.type !== 'operation') throw new Error(`${service}: no operation ${op}`);
    operations[op] = o.input?.target ?? 'smithy.api#Unit';
    visit(operations[op]);
  }
  const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
  return {
    model: { repository: 'https://github.com/aws/api-models-aws', commit, path, serviceVersion: svc.version },
    operations,
    shapes: sorted,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, commit] = process.argv.slice(2);
  if (!root || !commit) {
    console.error('usage: node test/conformance/vendor-models.mjs <api-models-aws checkout> <commit>');
    process.exit(1);
  }
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'models');
  for (const service of Object.keys(OPERATIONS)) {
    writeFileSync(join(dir, `${service}.json`), JSON.stringify(vendor(root, commit, service), null, 1) + '\n');
  }
}
