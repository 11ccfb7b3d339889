/**
 * Request conformance: the checker against AWS's API models catches what AWS
 * would reject, and the CLI's requests in a real run (plan, apply with a
 * backfill job and alarms, status, jobs, retry-failed) all pass through it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRequest, model } from './check.mjs';
import { readConformanceLogs } from './global-setup.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, workdir } from '../helpers/cli.js';

const createJob = (over: Record<string, unknown> = {}) => ({
  AccountId: '111111111111',
  Operation: { S3ReplicateObject: {} },
  Report: { Enabled: true, Bucket: 'arn:aws:s3:::src', Prefix: 's3repl/batch-reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
  ClientRequestToken: 's3repl-abc',
  Priority: 10,
  RoleArn: 'arn:aws:iam::111111111111:role/r',
  ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::src', EnableManifestOutput: false, Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['NONE', 'FAILED'] } } },
  ...over,
});

describe('the checker', () => {
  it('names the model it checks against', () => {
    for (const s of ['s3', 's3-control', 'iam', 'cloudwatch', 'sts']) {
      expect(model(s).model).toMatchObject({ repository: 'https://github.com/aws/api-models-aws', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    }
  });
  it('accepts a well-formed CreateJob', () => {
    expect(checkRequest('s3-control', 'CreateJob', createJob())).toEqual([]);
  });
  it('flags lengths, enums, ranges, required and unknown members', () => {
    const report = { ...createJob().Report, Prefix: '' };
    expect(checkRequest('s3-control', 'CreateJob', createJob({ Report: report }))).toEqual(['CreateJob.Report.Prefix: length 0 outside 1..512 ("")']);
    const alarm = checkRequest('cloudwatch', 'PutMetricAlarm', { AlarmName: 'a', EvaluationPeriods: 5, ComparisonOperator: 'Above', DatapointsToAlarm: 0 });
    expect(alarm).toHaveLength(2);
    expect(alarm).toContain('PutMetricAlarm.DatapointsToAlarm: 0 outside the range 1..∞');
    expect(alarm.find((v) => v.startsWith('PutMetricAlarm.ComparisonOperator: "Above" is not one of GreaterThanOrEqualToThreshold,'))).toBeDefined();
    expect(checkRequest('iam', 'CreateRole', { RoleName: 'r', Colour: 'red' })).toEqual([
      'CreateRole.Colour: not a member of com.amazonaws.iam#CreateRoleRequest',
      'CreateRole.AssumeRolePolicyDocument: required',
    ]);
    expect(checkRequest('iam', 'CreateRole', { RoleName: 'bad name', AssumeRolePolicyDocument: '{}' })[0]).toMatch(/^CreateRole\.RoleName: "bad name" does not match the pattern/);
  });
  it('a union takes exactly one member', () => {
    const job = createJob({ ManifestGenerator: {} });
    expect(checkRequest('s3-control', 'CreateJob', job)).toEqual(['CreateJob.ManifestGenerator: a union takes exactly one member, got 0 (none)']);
  });
  it("a documented erratum: a Multi-Region Access Point ARN as Mrap (the model's pattern has no '/'), still length-checked", () => {
    const arn = 'arn:aws:s3::111111111111:accesspoint/mfzwi23gnjvgw.mrap';
    expect(checkRequest('s3-control', 'GetMultiRegionAccessPointRoutes', { AccountId: '111111111111', Mrap: arn })).toEqual([]);
    expect(checkRequest('s3-control', 'GetMultiRegionAccessPointRoutes', { AccountId: '111111111111', Mrap: `${arn}${'x'.repeat(200)}` })[0]).toMatch(/Mrap: length 2\d\d outside 0..200/);
    expect(checkRequest('s3-control', 'GetMultiRegionAccessPoint', { AccountId: '111111111111', Name: 'Not_Valid' })[0]).toMatch(/Name: "Not_Valid" does not match the pattern/);
  });
  it('an operation that is not vendored is a violation, so every request is checked', () => {
    expect(checkRequest('s3', 'ListBuckets', {})).toEqual([
      's3:ListBuckets is not vendored: add it to OPERATIONS in test/conformance/vendor-models.mjs and re-run it',
    ]);
  });
});

describe('the CLI in a real run', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ replicationDelayMs: 5, jobStepDelayMs: 5 });
  });
  afterAll(async () => emu.stop());

  it('sends only requests that conform, to every service', async () => {
    const cwd = workdir(`version: 1
defaults: { region: us-east-1 }
buckets:
  conf-src: { create: true }
  conf-dst: { region: us-west-2, create: true }
roles: { r: { name: conformance-role } }
replications:
  - source: conf-src
    role: r
    rules:
      - id: all
        destination: { bucket: conf-dst }
        rtc: true
        existingObjects: replicate
        alarms: { latencySeconds: 900, failedOperations: 1, pendingBytes: 1, pendingOperations: 1 }
`);
    const log = path.join(mkdtempSync(path.join(tmpdir(), 's3repl-conformance-test-')), 'run.jsonl');
    const env = { S3REPL_CONFORMANCE_LOG: log };
    for (const args of [['apply', '--auto-approve'], ['jobs', '--wait', '--interval', '1s'], ['status'], ['plan']]) {
      const r = await runCli(args, { cwd, endpoint: emu.url, env });
      expect(r.stderr, args.join(' ')).not.toContain('request conformance');
    }
    const entries = readConformanceLogs(path.dirname(log));
    expect(entries.filter((e) => e.violations.length > 0)).toEqual([]);
    expect(new Set(entries.map((e) => e.service))).toEqual(new Set(['s3', 's3-control', 'iam', 'cloudwatch', 'sts']));
  });
});
