/**
 * Conformance of the IAM, CloudWatch and STS emulators with an independent
 * client: Debian's AWS CLI v2 (/usr/bin/aws, botocore), which speaks the AWS
 * query protocol to all three and parses the XML itself.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT_A, ACCOUNT_B } from './query-protocol-testkit.js';

const AWS = '/usr/bin/aws';

let emu: Emulator;
let home: string;

beforeAll(async () => {
  emu = await startEmulator();
  home = mkdtempSync(join(tmpdir(), 's3repl-awscli-'));
});

afterAll(async () => {
  await emu.stop();
  rmSync(home, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], account = ACCOUNT_A): Promise<CliResult> {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: account,
    AWS_SECRET_ACCESS_KEY: 'emulator-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-such-credentials'),
  };
  return new Promise((resolve) => {
    execFile(AWS, ['--endpoint-url', emu.url, '--output', 'json', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function cliJson<T>(args: string[], account = ACCOUNT_A): Promise<T> {
  const r = await cli(args, account);
  expect(r.stderr, `aws ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return (r.stdout.trim() === '' ? {} : JSON.parse(r.stdout)) as T;
}

const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete'], Resource: 'arn:aws:s3:::dst/*' }] };

describe('aws iam', () => {
  it('creates, reads and lists a role and its inline policy; the CLI decodes policy documents', async () => {
    const created = await cliJson<{ Role: Record<string, unknown> }>([
      'iam', 'create-role', '--role-name', 'cli-role', '--path', '/s3repl/', '--assume-role-policy-document', JSON.stringify(TRUST),
    ]);
    expect(created.Role.Arn).toBe(`arn:aws:iam::${ACCOUNT_A}:role/s3repl/cli-role`);
    expect(created.Role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    // botocore URL-decodes and parses policy documents: the CLI shows objects.
    expect(created.Role.AssumeRolePolicyDocument).toEqual(TRUST);
    expect(typeof created.Role.CreateDate).toBe('string');

    const got = await cliJson<{ Role: Record<string, unknown> }>(['iam', 'get-role', '--role-name', 'cli-role']);
    expect(got.Role.RoleId).toBe(created.Role.RoleId);
    expect(got.Role.AssumeRolePolicyDocument).toEqual(TRUST);
    expect(got.Role.MaxSessionDuration).toBe(3600);

    const put = await cli(['iam', 'put-role-policy', '--role-name', 'cli-role', '--policy-name', 'replicate', '--policy-document', JSON.stringify(POLICY)]);
    expect(put).toEqual({ code: 0, stdout: '', stderr: '' });

    const policy = await cliJson<Record<string, unknown>>(['iam', 'get-role-policy', '--role-name', 'cli-role', '--policy-name', 'replicate']);
    expect(policy).toEqual({ RoleName: 'cli-role', PolicyName: 'replicate', PolicyDocument: POLICY });

    const listed = await cliJson<{ PolicyNames: string[] }>(['iam', 'list-role-policies', '--role-name', 'cli-role']);
    expect(listed.PolicyNames).toEqual(['replicate']);
  });

  it('reports IAM errors by code', async () => {
    const missing = await cli(['iam', 'get-role', '--role-name', 'no-such-role']);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name no-such-role cannot be found.');

    const malformed = await cli(['iam', 'create-role', '--role-name', 'bad-trust', '--assume-role-policy-document', '{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":{"Service":"s3.amazonaws.com"}}]}']);
    expect(malformed.code).toBe(254);
    expect(malformed.stderr).toContain('An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: Has prohibited field Resource');

    const invalid = await cli(['iam', 'create-role', '--role-name', 'bad name', '--assume-role-policy-document', JSON.stringify(TRUST)]);
    expect(invalid.code).toBe(254);
    expect(invalid.stderr).toMatch(/An error occurred \(ValidationError\) when calling the CreateRole operation: 1 validation error detected: Value 'bad name' at 'roleName'/);
  });
});

describe('aws sts', () => {
  it('get-caller-identity answers for the account of the access key', async () => {
    for (const account of [ACCOUNT_A, ACCOUNT_B]) {
      const me = await cliJson<Record<string, string>>(['sts', 'get-caller-identity'], account);
      expect(me.Account).toBe(account);
      expect(me.Arn).toBe(`arn:aws:iam::${account}:user/emulator`);
      expect(me.UserId).toMatch(/^AIDA/);
    }
  });
});

describe('aws cloudwatch', () => {
  it('puts an alarm, publishes a breaching metric, sees the alarm fire, reads statistics, deletes the alarm', async () => {
    const put = await cli([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', 'cli-alarm', '--namespace', 'CliTest', '--metric-name', 'Failures',
      '--dimensions', 'Name=SourceBucket,Value=src', 'Name=RuleId,Value=r1', '--statistic', 'Sum', '--period', '60',
      '--evaluation-periods', '5', '--datapoints-to-alarm', '1', '--threshold', '0', '--comparison-operator', 'GreaterThanThreshold',
      '--treat-missing-data', 'notBreaching', '--alarm-actions', 'arn:aws:sns:us-east-1:111111111111:ops', '--tags', 'Key=owner,Value=s3repl',
    ]);
    expect(put).toEqual({ code: 0, stdout: '', stderr: '' });

    let described = await cliJson<{ MetricAlarms: Array<Record<string, unknown>> }>(['cloudwatch', 'describe-alarms', '--alarm-names', 'cli-alarm']);
    expect(described.MetricAlarms).toHaveLength(1);
    expect(described.MetricAlarms[0]).toMatchObject({
      AlarmName: 'cli-alarm',
      AlarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT_A}:alarm:cli-alarm`,
      Namespace: 'CliTest',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops'],
      Dimensions: [{ Name: 'SourceBucket', Value: 'src' }, { Name: 'RuleId', Value: 'r1' }],
      StateValue: 'OK',
    });

    const data = await cli(['cloudwatch', 'put-metric-data', '--namespace', 'CliTest', '--metric-name', 'Failures', '--dimensions', 'SourceBucket=src,RuleId=r1', '--value', '3', '--unit', 'Count']);
    expect(data).toEqual({ code: 0, stdout: '', stderr: '' });

    described = await cliJson(['cloudwatch', 'describe-alarms', '--alarm-name-prefix', 'cli-']);
    const alarm = described.MetricAlarms[0]!;
    expect(alarm.StateValue).toBe('ALARM');
    expect(alarm.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 5 datapoints \[3\.0 \(.+\)\] was greater than the threshold \(0\.0\)/);

    const now = Date.now();
    const stats = await cliJson<{ Label: string; Datapoints: Array<Record<string, unknown>> }>([
      'cloudwatch', 'get-metric-statistics', '--namespace', 'CliTest', '--metric-name', 'Failures',
      '--dimensions', 'Name=SourceBucket,Value=src', 'Name=RuleId,Value=r1',
      '--start-time', new Date(now - 3600_000).toISOString(), '--end-time', new Date(now + 120_000).toISOString(),
      '--period', '60', '--statistics', 'Sum', 'SampleCount',
    ]);
    expect(stats.Label).toBe('Failures');
    expect(stats.Datapoints).toHaveLength(1);
    expect(stats.Datapoints[0]).toMatchObject({ Sum: 3, SampleCount: 1, Unit: 'Count' });
    expect(Date.parse(String(stats.Datapoints[0]!.Timestamp)) % 60_000).toBe(0);

    const deleted = await cli(['cloudwatch', 'delete-alarms', '--alarm-names', 'cli-alarm', 'never-existed']);
    expect(deleted).toEqual({ code: 0, stdout: '', stderr: '' });
    described = await cliJson(['cloudwatch', 'describe-alarms']);
    expect(described.MetricAlarms).toEqual([]);
  });

  it('reports CloudWatch errors by code in the query format', async () => {
    const period = await cli([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', 'bad-period', '--namespace', 'CliTest', '--metric-name', 'M', '--statistic', 'Sum',
      '--period', '45', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanThreshold',
    ]);
    expect(period.code).toBe(254);
    expect(period.stderr).toContain('An error occurred (ValidationError) when calling the PutMetricAlarm operation: Period must be 10, 20, 30 or a multiple of 60');

    const reserved = await cli(['cloudwatch', 'put-metric-data', '--namespace', 'AWS/S3', '--metric-name', 'M', '--value', '1']);
    expect(reserved.code).toBe(254);
    expect(reserved.stderr).toContain('An error occurred (InvalidParameterValue) when calling the PutMetricData operation: The value AWS/S3 for parameter Namespace is invalid.');

    const both = await cli(['cloudwatch', 'describe-alarms', '--alarm-names', 'a', '--alarm-name-prefix', 'a']);
    expect(both.code).toBe(254);
    expect(both.stderr).toContain('An error occurred (InvalidParameterCombination) when calling the DescribeAlarms operation');
  });
});
