import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT_A, ACCOUNT_B, clientConfig, expectAwsError, manualClock } from './query-protocol-testkit.js';

const clock = manualClock();
let emu: Emulator;
let cw: CloudWatchClient;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  cw = new CloudWatchClient(clientConfig(emu.url));
});

afterAll(async () => {
  cw.destroy();
  await emu.stop();
});

beforeEach(() => {
  emu.reset();
  clock.set(Date.UTC(2030, 0, 15, 12, 0, 30));
});

const DIMS = [
  { Name: 'SourceBucket', Value: 'src' },
  { Name: 'DestinationBucket', Value: 'dst' },
  { Name: 'RuleId', Value: 'rule-1' },
];

function alarmInput(extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput {
  return {
    AlarmName: 'replication-latency',
    Namespace: 'App/Replication',
    MetricName: 'ReplicationLatency',
    Dimensions: DIMS,
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 900,
    ComparisonOperator: 'GreaterThanThreshold',
    ...extra,
  };
}

const putAlarm = (extra: Partial<PutMetricAlarmCommandInput> = {}, client = cw) => client.send(new PutMetricAlarmCommand(alarmInput(extra)));

async function describeOne(name = 'replication-latency') {
  const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  expect(out.MetricAlarms).toHaveLength(1);
  return out.MetricAlarms![0]!;
}

const putLatency = (value: number, at = clock.now(), namespace = 'App/Replication') =>
  cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: 'ReplicationLatency', Dimensions: DIMS, Value: value, Unit: 'Seconds', Timestamp: new Date(at) }] }));

describe('PutMetricAlarm / DescribeAlarms', () => {
  it('creates an alarm in INSUFFICIENT_DATA with its ARN and configuration', async () => {
    await putAlarm({ AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops'], TreatMissingData: 'ignore', AlarmDescription: 'lag' });
    const a = await describeOne();
    expect(a.AlarmArn).toBe(`arn:aws:cloudwatch:us-east-1:${ACCOUNT_A}:alarm:replication-latency`);
    expect(a.StateValue).toBe('INSUFFICIENT_DATA');
    expect(a.StateReason).toBe('Unchecked: Initial alarm creation');
    expect(a.StateUpdatedTimestamp?.getTime()).toBe(clock.now());
    expect(a.AlarmConfigurationUpdatedTimestamp?.getTime()).toBe(clock.now());
    expect(a).toMatchObject({
      AlarmDescription: 'lag',
      ActionsEnabled: true,
      AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops'],
      OKActions: [],
      InsufficientDataActions: [],
      Namespace: 'App/Replication',
      MetricName: 'ReplicationLatency',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
    });
    expect(a.Dimensions).toEqual(DIMS);
  });

  it('overwrites an existing alarm on update but keeps its state and tags', async () => {
    await putAlarm({ Tags: [{ Key: 'managed-by', Value: 's3repl' }] });
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'replication-latency', StateValue: 'OK', StateReason: 'testing' }));
    clock.advance(10_000);
    await putAlarm({ Threshold: 60, Statistic: 'Average', Tags: [{ Key: 'ignored', Value: 'on update' }] });
    const a = await describeOne();
    expect(a.Threshold).toBe(60);
    expect(a.Statistic).toBe('Average');
    expect(a.StateValue).toBe('OK');
    expect(a.AlarmConfigurationUpdatedTimestamp?.getTime()).toBe(clock.now());
    const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: a.AlarmArn }));
    expect(tags.Tags).toEqual([{ Key: 'managed-by', Value: 's3repl' }]);
  });

  it('keeps alarms per account and per region', async () => {
    await putAlarm();
    const west = new CloudWatchClient(clientConfig(emu.url, ACCOUNT_A, 'us-west-2'));
    const other = new CloudWatchClient(clientConfig(emu.url, ACCOUNT_B));
    expect((await west.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    expect((await other.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    await putAlarm({}, west);
    const a = (await west.send(new DescribeAlarmsCommand({}))).MetricAlarms![0]!;
    expect(a.AlarmArn).toBe(`arn:aws:cloudwatch:us-west-2:${ACCOUNT_A}:alarm:replication-latency`);
    west.destroy();
    other.destroy();
  });
});

describe('PutMetricAlarm validation', () => {
  const validation = (extra: Partial<PutMetricAlarmCommandInput>, message: string | RegExp) =>
    expectAwsError(putAlarm(extra), { name: 'ValidationException', code: 'ValidationError', status: 400, message });

  it('AlarmName must be 1 to 255 characters', async () => {
    await validation({ AlarmName: '' }, /Value '' at 'alarmName' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    await validation({ AlarmName: 'a'.repeat(256) }, /at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255/);
    await putAlarm({ AlarmName: 'a'.repeat(255) });
  });

  it('EvaluationPeriods must be at least 1', () =>
    validation({ EvaluationPeriods: 0 }, /Value '0' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1/));

  it('ComparisonOperator must be one of the enum', () =>
    validation({ ComparisonOperator: 'Above' as never }, /at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/));

  it('Statistic must be one of the enum', () => validation({ Statistic: 'Median' as never }, /at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: \[SampleCount, Average, Sum, Minimum, Maximum\]/));

  it('Statistic and ExtendedStatistic are exclusive, and one is needed', async () => {
    await expectAwsError(putAlarm({ ExtendedStatistic: 'p99' }), {
      name: 'InvalidParameterCombinationException',
      code: 'InvalidParameterCombination',
      status: 400,
      message: 'The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.',
    });
    await expectAwsError(putAlarm({ Statistic: undefined }), { name: 'MissingRequiredParameterException', code: 'MissingParameter', status: 400 });
    await expectAwsError(putAlarm({ Statistic: undefined, ExtendedStatistic: 'median' }), {
      name: 'InvalidParameterValueException',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'The value median for parameter ExtendedStatistic is not supported.',
    });
    await putAlarm({ Statistic: undefined, ExtendedStatistic: 'p99.9' });
  });

  it('Period must be 10, 20, 30 or a multiple of 60', async () => {
    await validation({ Period: 45 }, 'Period must be 10, 20, 30 or a multiple of 60');
    await validation({ Period: 0 }, /at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    await putAlarm({ Period: 10 });
    await putAlarm({ Period: 300 });
  });

  it('EvaluationPeriods × Period may not exceed a day (periods under an hour) or a week', async () => {
    await validation({ Period: 60, EvaluationPeriods: 1441, DatapointsToAlarm: 1 }, 'Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)');
    await validation({ Period: 3600, EvaluationPeriods: 169, DatapointsToAlarm: 1 }, 'Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= 604800)');
    await putAlarm({ Period: 3600, EvaluationPeriods: 168, DatapointsToAlarm: 1 });
  });

  it('DatapointsToAlarm may not exceed EvaluationPeriods', () => validation({ EvaluationPeriods: 2, DatapointsToAlarm: 3 }, 'DatapointsToAlarm must be less than or equal to EvaluationPeriods'));

  it('allows up to 5 actions per list', async () => {
    const arns = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:sns:us-east-1:111111111111:t${i}`);
    await validation({ AlarmActions: arns(6) }, /at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5/);
    await validation({ OKActions: arns(6) }, /at 'oKActions' failed to satisfy constraint/);
    await validation({ InsufficientDataActions: arns(6) }, /at 'insufficientDataActions' failed to satisfy constraint/);
    await putAlarm({ AlarmActions: arns(5), OKActions: arns(5), InsufficientDataActions: arns(5) });
  });

  it('allows up to 30 dimensions', async () => {
    const dims = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
    await validation({ Dimensions: dims(31) }, /at 'dimensions' failed to satisfy constraint: Member must have length less than or equal to 30/);
    await putAlarm({ Dimensions: dims(30) });
  });

  it('TreatMissingData must be breaching, notBreaching, ignore or missing', () =>
    validation({ TreatMissingData: 'sometimes' }, 'The value sometimes is not supported for TreatMissingData parameter. Supported values are [breaching, notBreaching, ignore, missing].'));

  it('limits tags to 50, with keys of 1 to 128 characters', async () => {
    await validation({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }, /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/);
    await validation({ Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }, /at 'tags.1.member.key' failed to satisfy constraint/);
  });

  it('rejects metric math alarms honestly (not emulated)', () =>
    validation({ Metrics: [{ Id: 'm1', Expression: 'SUM(METRICS())' }], Statistic: undefined, MetricName: undefined, Namespace: undefined, Period: undefined }, /not implemented by the s3repl emulator/));
});

describe('DescribeAlarms parameters', () => {
  beforeEach(async () => {
    for (const name of ['b-2', 'a-1', 'c-3', 'a-2', 'b-1']) await putAlarm({ AlarmName: name });
  });

  it('pages with MaxRecords and NextToken, in name order', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: token }));
      pages++;
      names.push(...(out.MetricAlarms ?? []).map((a) => a.AlarmName!));
      token = out.NextToken;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual(['a-1', 'a-2', 'b-1', 'b-2', 'c-3']);
  });

  it('filters by names, prefix and state', async () => {
    const byNames = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['c-3', 'a-1', 'missing'] }));
    expect(byNames.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a-1', 'c-3']);
    const byPrefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'b-' }));
    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['b-1', 'b-2']);
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'b-2', StateValue: 'ALARM', StateReason: 'drill' }));
    const inAlarm = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(inAlarm.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['b-2']);
    const composite = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
    expect(composite.MetricAlarms).toEqual([]);
    expect(composite.CompositeAlarms).toEqual([]);
  });

  it('validates its parameters', async () => {
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a-1'], AlarmNamePrefix: 'a' })), { name: 'InvalidParameterCombinationException', code: 'InvalidParameterCombination', status: 400 });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `n${i}`) })), {
      name: 'ValidationException',
      status: 400,
      message: /at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100/,
    });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ MaxRecords: 0 })), { name: 'ValidationException', status: 400, message: /at 'maxRecords'/ });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ MaxRecords: 101 })), { name: 'ValidationException', status: 400, message: /Member must have value less than or equal to 100/ });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ StateValue: 'BROKEN' as never })), { name: 'ValidationException', status: 400, message: /at 'stateValue'/ });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({ NextToken: 'not-a-token' })), { name: 'InvalidNextToken', code: 'InvalidNextToken', status: 400 });
  });
});

describe('DeleteAlarms / SetAlarmState', () => {
  it('deletes alarms; names that do not exist are ignored', async () => {
    await putAlarm({ AlarmName: 'x' });
    await putAlarm({ AlarmName: 'y' });
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['x', 'never-existed'] }));
    const left = await cw.send(new DescribeAlarmsCommand({}));
    expect(left.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['y']);
    await expectAwsError(cw.send(new DeleteAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `n${i}`) })), { name: 'ValidationException', status: 400 });
  });

  it('sets a state by hand until the next evaluation', async () => {
    await putAlarm();
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'replication-latency', StateValue: 'ALARM', StateReason: 'drill', StateReasonData: '{"why":"drill"}' }));
    let a = await describeOne();
    expect(a.StateValue).toBe('ALARM');
    expect(a.StateReason).toBe('drill');
    expect(a.StateReasonData).toBe('{"why":"drill"}');
    clock.advance(60_000);
    a = await describeOne();
    expect(a.StateValue).toBe('INSUFFICIENT_DATA');
  });

  it('validates SetAlarmState', async () => {
    await putAlarm();
    await expectAwsError(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })), { name: 'ResourceNotFound', code: 'ResourceNotFound', status: 404 });
    await expectAwsError(cw.send(new SetAlarmStateCommand({ AlarmName: 'replication-latency', StateValue: 'FINE' as never, StateReason: 'x' })), {
      name: 'ValidationException',
      status: 400,
      message: /at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: \[INSUFFICIENT_DATA, ALARM, OK\]/,
    });
    await expectAwsError(cw.send(new SetAlarmStateCommand({ AlarmName: 'replication-latency', StateValue: 'OK', StateReason: 'x', StateReasonData: '{nope' })), {
      name: 'InvalidFormatFault',
      code: 'InvalidFormat',
      status: 400,
    });
  });
});

describe('alarm evaluation when alarms are read', () => {
  it('goes to ALARM once DatapointsToAlarm of the last EvaluationPeriods periods breach', async () => {
    await putAlarm();
    await putLatency(1200);
    let a = await describeOne();
    expect(a.StateValue).toBe('OK');
    expect(a.StateReason).toMatch(/^Threshold Crossed: 1 datapoint \[1200\.0 \(15\/01\/30 12:00:00\)\] was not greater than the threshold \(900\.0\)\.$/);
    const okAt = a.StateUpdatedTimestamp!.getTime();

    clock.advance(60_000);
    await putLatency(1000);
    a = await describeOne();
    expect(a.StateValue).toBe('ALARM');
    expect(a.StateReason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [1000.0 (15/01/30 12:01:00), 1200.0 (15/01/30 12:00:00)] were greater than the threshold (900.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(a.StateUpdatedTimestamp!.getTime()).toBeGreaterThan(okAt);
    const data = JSON.parse(a.StateReasonData!) as { recentDatapoints: number[]; threshold: number; period: number };
    expect(data).toMatchObject({ recentDatapoints: [1200, 1000], threshold: 900, period: 60 });
    expect((await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms).toHaveLength(1);

    // Three minutes without data: nothing left in the window.
    clock.advance(3 * 60_000);
    a = await describeOne();
    expect(a.StateValue).toBe('INSUFFICIENT_DATA');
    expect(a.StateReason).toBe('Insufficient Data: 3 datapoints were unknown.');
  });

  it('uses the alarm statistic and an exact dimension match', async () => {
    await putAlarm({ Statistic: 'Average', DatapointsToAlarm: 1 });
    // Another dimension set (a subset) is another metric, and must not count.
    await cw.send(new PutMetricDataCommand({ Namespace: 'App/Replication', MetricData: [{ MetricName: 'ReplicationLatency', Dimensions: DIMS.slice(0, 2), Value: 5000 }] }));
    expect((await describeOne()).StateValue).toBe('INSUFFICIENT_DATA');
    await cw.send(new PutMetricDataCommand({ Namespace: 'App/Replication', MetricData: [{ MetricName: 'ReplicationLatency', Dimensions: [...DIMS].reverse(), Values: [100, 2000], Counts: [3, 1] }] }));
    // Average = (3×100 + 2000) / 4 = 575: not above 900.
    expect((await describeOne()).StateValue).toBe('OK');
  });

  it('applies TreatMissingData when there is no data', async () => {
    await putAlarm({ AlarmName: 'breaching', TreatMissingData: 'breaching' });
    await putAlarm({ AlarmName: 'not-breaching', TreatMissingData: 'notBreaching' });
    await putAlarm({ AlarmName: 'ignore', TreatMissingData: 'ignore' });
    await putAlarm({ AlarmName: 'missing', TreatMissingData: 'missing' });
    const states = Object.fromEntries(((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((a) => [a.AlarmName, a.StateValue]));
    expect(states).toEqual({ breaching: 'ALARM', 'not-breaching': 'OK', ignore: 'INSUFFICIENT_DATA', missing: 'INSUFFICIENT_DATA' });
    const breaching = await describeOne('breaching');
    expect(breaching.StateReason).toBe('Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].');
  });

  it('counts missing periods as breaching with TreatMissingData breaching', async () => {
    await putAlarm({ TreatMissingData: 'breaching', DatapointsToAlarm: 3 });
    await putLatency(10);
    expect((await describeOne()).StateValue).toBe('OK');
    await putAlarm({ TreatMissingData: 'breaching', DatapointsToAlarm: 2 });
    expect((await describeOne()).StateValue).toBe('ALARM');
  });

  it('evaluates the AWS/S3 metrics the replication engine publishes', async () => {
    await cw.send(new PutMetricAlarmCommand({ ...alarmInput({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Statistic: 'Sum', Threshold: 0, DatapointsToAlarm: 1, EvaluationPeriods: 1 }) }));
    emu.services.cloudwatch.putMetricData(ACCOUNT_A, 'us-east-1', 'AWS/S3', [{ MetricName: 'OperationsFailedReplication', Dimensions: DIMS, Value: 2, Unit: 'Count' }]);
    expect((await describeOne()).StateValue).toBe('ALARM');
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Dimensions: DIMS, StartTime: new Date(clock.now() - 3600_000), EndTime: new Date(clock.now() + 60_000), Period: 60, Statistics: ['Sum'] }),
    );
    expect(stats.Datapoints).toEqual([{ Timestamp: new Date(Date.UTC(2030, 0, 15, 12, 0, 0)), Sum: 2, Unit: 'Count' }]);
  });
});

describe('PutMetricData', () => {
  const put = (datum: Record<string, unknown>, namespace = 'App') =>
    cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: 'M', ...datum }] }));

  it('rejects the reserved AWS/ namespaces', () =>
    expectAwsError(put({ Value: 1 }, 'AWS/S3'), { name: 'InvalidParameterValueException', code: 'InvalidParameterValue', status: 400, message: 'The value AWS/S3 for parameter Namespace is invalid.' }));

  it('rejects Value with Values, and Value with StatisticValues', async () => {
    await expectAwsError(put({ Value: 1, Values: [1] }), {
      name: 'InvalidParameterCombinationException',
      status: 400,
      message: 'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.',
    });
    await expectAwsError(put({ Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }), {
      name: 'InvalidParameterCombinationException',
      status: 400,
      message: 'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.',
    });
  });

  it('requires Values and Counts of the same size', () =>
    expectAwsError(put({ Values: [1, 2], Counts: [1] }), {
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.',
    }));

  it('checks Unit, dimensions and timestamps', async () => {
    await expectAwsError(put({ Value: 1, Unit: 'Parsecs' }), { name: 'ValidationException', status: 400, message: /at 'metricData.1.member.unit' failed to satisfy constraint: Member must satisfy enum value set/ });
    await expectAwsError(put({ Value: 1, Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) }), { name: 'ValidationException', status: 400 });
    await expectAwsError(put({ Value: 1, Timestamp: new Date(clock.now() - 15 * 86400_000) }), { name: 'InvalidParameterValueException', status: 400, message: /MetricData.member.1.Timestamp/ });
    await expectAwsError(cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: '', Value: 1 }] })), { name: 'ValidationException', status: 400, message: /metricName/ });
  });
});

describe('GetMetricStatistics / GetMetricData / ListMetrics', () => {
  const t0 = Date.UTC(2030, 0, 15, 11, 0, 0);
  beforeEach(async () => {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [
          { MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }], Value: 10, Unit: 'Bytes', Timestamp: new Date(t0 + 5_000) },
          { MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }], Value: 30, Unit: 'Bytes', Timestamp: new Date(t0 + 50_000) },
          { MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }], StatisticValues: { SampleCount: 2, Sum: 8, Minimum: 1, Maximum: 7 }, Unit: 'Bytes', Timestamp: new Date(t0 + 60_000) },
          { MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }, { Name: 'Rule', Value: 'r' }], Value: 999, Unit: 'Bytes', Timestamp: new Date(t0) },
          { MetricName: 'Ops', Dimensions: [{ Name: 'Bucket', Value: 'c' }], Value: 1, Timestamp: new Date(t0) },
        ],
      }),
    );
  });

  const stats = (extra: Record<string, unknown> = {}) =>
    cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'App',
        MetricName: 'Bytes',
        Dimensions: [{ Name: 'Bucket', Value: 'b' }],
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 600_000),
        Period: 60,
        Statistics: ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'],
        ...extra,
      }),
    );

  it('aggregates per period over an exact dimension match', async () => {
    const out = await stats();
    expect(out.Label).toBe('Bytes');
    expect(out.Datapoints).toEqual([
      { Timestamp: new Date(t0), Sum: 40, Average: 20, Minimum: 10, Maximum: 30, SampleCount: 2, Unit: 'Bytes' },
      { Timestamp: new Date(t0 + 60_000), Sum: 8, Average: 4, Minimum: 1, Maximum: 7, SampleCount: 2, Unit: 'Bytes' },
    ]);
    const wider = await stats({ Period: 300, Statistics: ['Sum'] });
    expect(wider.Datapoints).toEqual([{ Timestamp: new Date(t0), Sum: 48, Unit: 'Bytes' }]);
    expect((await stats({ Unit: 'Count' })).Datapoints).toEqual([]);
    expect((await stats({ Dimensions: [] })).Datapoints).toEqual([]);
    const p = await stats({ Statistics: undefined, ExtendedStatistics: ['p50'], EndTime: new Date(t0 + 60_000) });
    expect(p.Datapoints).toEqual([{ Timestamp: new Date(t0), ExtendedStatistics: { p50: 10 }, Unit: 'Bytes' }]);
  });

  it('validates the time range, the number of datapoints and the statistics', async () => {
    await expectAwsError(stats({ EndTime: new Date(t0) }), { name: 'InvalidParameterValueException', status: 400, message: 'The parameter StartTime must be less than the parameter EndTime.' });
    await expectAwsError(stats({ EndTime: new Date(t0 + 1441 * 60_000) }), {
      name: 'InvalidParameterCombinationException',
      status: 400,
      message: 'You have requested up to 1441 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    });
    await expectAwsError(stats({ Statistics: ['Median'] }), { name: 'ValidationException', status: 400, message: /at 'statistics.1.member' failed to satisfy constraint/ });
    await expectAwsError(stats({ ExtendedStatistics: ['p90'] }), { name: 'InvalidParameterCombinationException', status: 400 });
    await expectAwsError(stats({ Statistics: undefined }), { name: 'MissingRequiredParameterException', status: 400 });
    await expectAwsError(stats({ Period: 45 }), { name: 'InvalidParameterValueException', status: 400, message: 'The parameter Period must be a multiple of 60.' });
  });

  it('returns GetMetricData values newest first (or ascending on request)', async () => {
    const query = (extra: Record<string, unknown> = {}) =>
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            { Id: 'sum', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }] }, Period: 60, Stat: 'Sum' } },
            { Id: 'max_hidden', ReturnData: false, MetricStat: { Metric: { Namespace: 'App', MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }] }, Period: 60, Stat: 'Maximum' } },
            { Id: 'ops', Label: 'operations', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Ops', Dimensions: [{ Name: 'Bucket', Value: 'c' }] }, Period: 300, Stat: 'SampleCount' } },
          ],
          StartTime: new Date(t0),
          EndTime: new Date(t0 + 600_000),
          ...extra,
        }),
      );
    const out = await query();
    expect(out.MetricDataResults).toEqual([
      { Id: 'sum', Label: 'Bytes', Timestamps: [new Date(t0 + 60_000), new Date(t0)], Values: [8, 40], StatusCode: 'Complete' },
      { Id: 'ops', Label: 'operations', Timestamps: [new Date(t0)], Values: [1], StatusCode: 'Complete' },
    ]);
    const asc = await query({ ScanBy: 'TimestampAscending' });
    expect(asc.MetricDataResults?.[0]?.Values).toEqual([40, 8]);
  });

  it('validates GetMetricData queries', async () => {
    const one = (q: Record<string, unknown>) =>
      cw.send(new GetMetricDataCommand({ MetricDataQueries: [q as never], StartTime: new Date(t0), EndTime: new Date(t0 + 600_000) }));
    const stat = { Metric: { Namespace: 'App', MetricName: 'Bytes' }, Period: 60, Stat: 'Sum' };
    await expectAwsError(one({ Id: 'Upper', MetricStat: stat }), { name: 'ValidationException', status: 400, message: /Id must start with a lowercase letter/ });
    await expectAwsError(one({ Id: 'e1', Expression: 'SUM(METRICS())' }), { name: 'ValidationException', status: 400, message: /not implemented by the s3repl emulator/ });
    await expectAwsError(one({ Id: 'x' }), { name: 'ValidationException', status: 400, message: /Exactly one of MetricStat and Expression/ });
    await expectAwsError(one({ Id: 'x', MetricStat: { ...stat, Stat: 'Median' } }), { name: 'InvalidParameterValueException', status: 400 });
    await expectAwsError(
      cw.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: 'a', MetricStat: stat }, { Id: 'a', MetricStat: stat }] as never, StartTime: new Date(t0), EndTime: new Date(t0 + 60_000) })),
      { name: 'ValidationException', status: 400, message: /not unique/ },
    );
    await expectAwsError(
      cw.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: 'a', MetricStat: stat }] as never, StartTime: new Date(t0), EndTime: new Date(t0) })),
      { name: 'InvalidParameterValueException', status: 400 },
    );
  });

  it('lists metrics by namespace, name and dimension filter', async () => {
    const all = await cw.send(new ListMetricsCommand({ Namespace: 'App' }));
    expect(all.Metrics).toHaveLength(3);
    const filtered = await cw.send(new ListMetricsCommand({ Namespace: 'App', MetricName: 'Bytes', Dimensions: [{ Name: 'Rule' }] }));
    expect(filtered.Metrics).toEqual([{ Namespace: 'App', MetricName: 'Bytes', Dimensions: [{ Name: 'Bucket', Value: 'b' }, { Name: 'Rule', Value: 'r' }] }]);
    const other = new CloudWatchClient(clientConfig(emu.url, ACCOUNT_B));
    expect((await other.send(new ListMetricsCommand({}))).Metrics).toEqual([]);
    other.destroy();
  });
});

describe('alarm tags', () => {
  it('tags, lists and untags an alarm by ARN', async () => {
    await putAlarm({ Tags: [{ Key: 'a', Value: '1' }] });
    const arn = `arn:aws:cloudwatch:us-east-1:${ACCOUNT_A}:alarm:replication-latency`;
    await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }]);
    await cw.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'b', Value: '3' }]);
  });

  it('answers ResourceNotFoundException 404 for an alarm that does not exist', async () => {
    const arn = `arn:aws:cloudwatch:us-east-1:${ACCOUNT_A}:alarm:ghost`;
    await expectAwsError(cw.send(new ListTagsForResourceCommand({ ResourceARN: arn })), { name: 'ResourceNotFoundException', code: 'ResourceNotFoundException', status: 404 });
    await expectAwsError(cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'a', Value: 'b' }] })), { name: 'ResourceNotFoundException', status: 404 });
  });
});

describe('persistence', () => {
  it('restores alarms (with their state) and metrics from a snapshot', async () => {
    await putAlarm({ DatapointsToAlarm: 1, Tags: [{ Key: 'k', Value: 'v' }] });
    await putLatency(5000);
    expect((await describeOne()).StateValue).toBe('ALARM');
    const snap = JSON.parse(JSON.stringify(emu.services.cloudwatch.snapshot())) as unknown;
    emu.reset();
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    emu.services.cloudwatch.restore(snap);
    const a = await describeOne();
    expect(a.StateValue).toBe('ALARM');
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: a.AlarmArn }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect((await cw.send(new ListMetricsCommand({ Namespace: 'App/Replication' }))).Metrics).toHaveLength(1);
  });
});

describe('the JSON wire format', () => {
  it('sends JSON 1.0 errors with the query-compatible error header', async () => {
    const res = await fetch(emu.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.SetAlarmState',
        'x-amzn-query-mode': 'true',
        authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT_A}/20300115/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-query-error')).toBe('ResourceNotFound;Sender');
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await res.json()).toEqual({ __type: 'com.amazonaws.cloudwatch#ResourceNotFound', message: 'Alarm nope not found' });
  });

  it('throttles with Throttling 400 "Rate exceeded"', async () => {
    emu.setFaults({ throttleRate: 1, targets: ['cloudwatch:*'] });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({})), { name: 'Throttling', code: 'Throttling', status: 400, message: 'Rate exceeded' });
  });

  it('fails transiently with InternalServiceError 500', async () => {
    emu.setFaults({ internalErrorRate: 1, targets: ['cloudwatch:*'] });
    await expectAwsError(cw.send(new DescribeAlarmsCommand({})), { name: 'InternalServiceFault', code: 'InternalServiceError', status: 500 });
  });
});
