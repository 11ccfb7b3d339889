/**
 * CloudWatch emulator. Speaks both wire formats real CloudWatch accepts,
 * chosen per request: AWS JSON 1.0 with query compatibility (the JS SDK v3:
 * `X-Amz-Target: GraniteServiceVersion20100801.<Op>`, errors carry
 * `x-amzn-query-error`) and the AWS query protocol (the AWS CLI v2.9).
 *
 * Alarms and metrics are kept per account and region. Metric alarms are
 * evaluated against the stored datapoints whenever alarms are read.
 */
import {
  ALARM_STATES,
  COMPARISON_OPERATORS,
  TREAT_MISSING_DATA,

  alarmOut,
  evaluate,
  transition,
  type Alarm,
  type AlarmState,
} from './cloudwatch-alarms.js';
import {
  MetricStore,
  PERCENTILE_RE,
  STATISTICS,
  UNITS,
  aggregate,
  sortDimensions,
  statistic,
  type Dimension,
  type Sample,
  type Series,
} from './cloudwatch-metrics.js';
import {
  AwsError,
  ConstraintErrors,
  InputReader,
  asTree,
  formParams,
  newRequestId,
  queryErrorResponse,
  queryResponse,
  queryToTree,
  toJsonValue,
  type InputTree,
  type OutObject,
} from './query-protocol.js';
import type { Clock, CloudWatchService, EmuRequest, EmuResponse, MetricDatumInput } from './types.js';

const XMLNS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
const XML_OPTS = { millis: true };
const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

const MAX_ACTIONS = 5;
const MAX_DIMENSIONS = 30;
const MAX_TAGS = 50;
const MAX_DATAPOINTS = 1440;
const LIST_METRICS_PAGE = 500;

// ---------------------------------------------------------------------------
// Errors in the JSON protocol: the model's shape name in __type, the query
// code in x-amzn-query-error. Members are spelled as the model spells them.

const JSON_ERROR_SHAPES: Record<string, { type: string; messageMember: 'message' | 'Message' }> = {
  InvalidParameterValue: { type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', messageMember: 'message' },
  InvalidParameterCombination: { type: 'com.amazonaws.cloudwatch#InvalidParameterCombinationException', messageMember: 'message' },
  MissingParameter: { type: 'com.amazonaws.cloudwatch#MissingRequiredParameterException', messageMember: 'message' },
  ResourceNotFound: { type: 'com.amazonaws.cloudwatch#ResourceNotFound', messageMember: 'message' },
  ResourceNotFoundException: { type: 'com.amazonaws.cloudwatch#ResourceNotFoundException', messageMember: 'Message' },
  LimitExceeded: { type: 'com.amazonaws.cloudwatch#LimitExceededFault', messageMember: 'message' },
  InvalidNextToken: { type: 'com.amazonaws.cloudwatch#InvalidNextToken', messageMember: 'message' },
  InvalidFormat: { type: 'com.amazonaws.cloudwatch#InvalidFormatFault', messageMember: 'message' },
  InternalServiceError: { type: 'com.amazonaws.cloudwatch#InternalServiceFault', messageMember: 'Message' },
  ValidationError: { type: 'com.amazonaws.cloudwatch#ValidationException', messageMember: 'message' },
  Throttling: { type: 'com.amazon.coral.availability#ThrottlingException', messageMember: 'message' },
  UnknownOperation: { type: 'com.amazon.coral.service#UnknownOperationException', messageMember: 'message' },
  SerializationException: { type: 'com.amazon.coral.service#SerializationException', messageMember: 'message' },
};

function isJsonRequest(req: EmuRequest): boolean {
  return (req.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
}

function jsonError(err: AwsError, requestId: string): EmuResponse {
  const shape = JSON_ERROR_SHAPES[err.code] ?? { type: err.code, messageMember: 'message' as const };
  return {
    status: err.status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-query-error': `${err.code};${err.type}`,
    },
    body: JSON.stringify({ __type: shape.type, [shape.messageMember]: err.message }),
  };
}

function errorFor(req: EmuRequest, err: AwsError): EmuResponse {
  const requestId = newRequestId();
  return isJsonRequest(req) ? jsonError(err, requestId) : queryErrorResponse(err, XMLNS, requestId);
}

const invalidValue = (message: string) => new AwsError('InvalidParameterValue', 400, message);
const invalidCombination = (message: string) => new AwsError('InvalidParameterCombination', 400, message);
const missingParameter = (message: string) => new AwsError('MissingParameter', 400, message);
const validationError = (message: string) => new AwsError('ValidationError', 400, message);

const reader = new InputReader((member, raw) => invalidValue(`The value ${String(raw)} for parameter ${member} is invalid.`));

// ---------------------------------------------------------------------------
// Input helpers

function readDimensions(errors: ConstraintErrors, tree: InputTree, key: string, member: string): Dimension[] {
  const items = reader.list(tree, key) ?? [];
  errors.listLength(member, items, 0, MAX_DIMENSIONS);
  return items.map((item, i) => {
    const d = asTree(item);
    const name = reader.str(d, 'Name');
    const value = reader.str(d, 'Value');
    const at = `${member}.${i + 1}.member`;
    if (errors.required(`${at}.name`, name)) errors.length(`${at}.name`, name, 1, 255);
    if (errors.required(`${at}.value`, value)) errors.length(`${at}.value`, value, 1, 1024);
    return { Name: name ?? '', Value: value ?? '' };
  });
}

function readActions(errors: ConstraintErrors, tree: InputTree, key: string): string[] {
  const items = reader.strList(tree, key) ?? [];
  const member = key === 'OKActions' ? 'oKActions' : key.charAt(0).toLowerCase() + key.slice(1);
  errors.listLength(member, items, 0, MAX_ACTIONS);
  items.forEach((a, i) => errors.length(`${member}.${i + 1}.member`, a, 1, 1024));
  return items;
}

function readTags(errors: ConstraintErrors, tree: InputTree, required: boolean): Array<{ Key: string; Value: string }> {
  const items = reader.list(tree, 'Tags');
  if (required && !errors.required('tags', items)) return [];
  if (items === undefined) return [];
  errors.listLength('tags', items, 0, MAX_TAGS);
  return items.map((item, i) => {
    const t = asTree(item);
    const key = reader.str(t, 'Key');
    const value = reader.str(t, 'Value');
    const at = `tags.${i + 1}.member`;
    if (errors.required(`${at}.key`, key)) errors.length(`${at}.key`, key, 1, 128);
    if (errors.required(`${at}.value`, value)) errors.length(`${at}.value`, value, 0, 256);
    return { Key: key ?? '', Value: value ?? '' };
  });
}

function checkNamespace(errors: ConstraintErrors, member: string, ns: string | undefined): void {
  errors.length(member, ns, 1, 255);
  errors.pattern(member, ns, /^[^:].*$/s, '[^:].*');
}

/** Opaque paging token: base64 of the offset. */
function encodeToken(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!m) throw new AwsError('InvalidNextToken', 400, 'The service cannot process the given NextToken.');
  return Number(m[1]);
}

// ---------------------------------------------------------------------------

interface CloudWatchSnapshot {
  alarms: Alarm[];
  series: Series[];
}

type Handler = (tree: InputTree, req: EmuRequest) => OutObject | undefined;

/**
 * `beforeRequest` runs before each request is handled: the core uses it to
 * publish S3's daily storage metrics when a day has ended (storage-metrics.ts).
 */
export function createCloudWatch(opts: { clock: Clock; beforeRequest?: () => void }): CloudWatchService {
  const clock = opts.clock;
  const metrics = new MetricStore();
  /** `account|region` → alarm name → alarm */
  let alarms = new Map<string, Map<string, Alarm>>();

  const alarmsOf = (req: Pick<EmuRequest, 'accountId' | 'region'>): Map<string, Alarm> => {
    const key = `${req.accountId}|${req.region}`;
    let m = alarms.get(key);
    if (!m) {
      m = new Map();
      alarms.set(key, m);
    }
    return m;
  };

  const seriesFor = (a: Alarm): Series | undefined => metrics.find(a.accountId, a.region, a.namespace, a.metricName, a.dimensions);

  const evaluateAlarm = (a: Alarm): void => {
    const now = clock.now();
    if (a.heldUntilMs !== undefined && now < a.heldUntilMs) return;
    a.heldUntilMs = undefined;
    const verdict = evaluate(a, seriesFor(a), now);
    if (verdict) transition(a, verdict.state, verdict.reason, verdict.reasonData, now);
  };

  // ---- metrics -------------------------------------------------------------

  const storeDatum = (accountId: string, region: string, namespace: string, datum: { name: string; dims: Dimension[]; sample: Sample }) => {
    metrics.add({ accountId, region, namespace, metricName: datum.name, dimensions: datum.dims }, datum.sample);
  };

  const readDatum = (errors: ConstraintErrors, item: unknown, index: number) => {
    const d = asTree(item);
    const at = `metricData.${index}.member`;
    const p = `MetricData.member.${index}`;
    const name = reader.str(d, 'MetricName');
    if (errors.required(`${at}.metricName`, name)) errors.length(`${at}.metricName`, name, 1, 255);
    const dims = readDimensions(errors, d, 'Dimensions', `${at}.dimensions`);
    const unit = reader.str(d, 'Unit');
    errors.enumeration(`${at}.unit`, unit, UNITS);
    const storageResolution = reader.int(d, 'StorageResolution');
    const value = reader.num(d, 'Value');
    const values = (reader.list(d, 'Values') ?? []).map((_, i, arr) => reader.num({ v: arr[i] }, 'v') ?? Number.NaN);
    const counts = (reader.list(d, 'Counts') ?? []).map((_, i, arr) => reader.num({ v: arr[i] }, 'v') ?? Number.NaN);
    const stats = reader.obj(d, 'StatisticValues');
    const t = reader.time(d, 'Timestamp');
    return { p, name: name ?? '', dims, unit, storageResolution, value, values, counts, stats, t };
  };

  const sampleOf = (d: ReturnType<typeof readDatum>, now: number): Sample => {
    const t = d.t ?? now;
    const unit = d.unit ?? 'None';
    if (d.value !== undefined) return { t, unit, count: 1, sum: d.value, min: d.value, max: d.value, values: [[d.value, 1]] };
    if (d.values.length > 0) {
      const pairs: Array<[number, number]> = d.values.map((v, i) => [v, d.counts[i] ?? 1]);
      const count = pairs.reduce((n, [, c]) => n + c, 0);
      return {
        t,
        unit,
        count,
        sum: pairs.reduce((s, [v, c]) => s + v * c, 0),
        min: Math.min(...d.values),
        max: Math.max(...d.values),
        values: pairs,
      };
    }
    const s = d.stats ?? {};
    return {
      t,
      unit,
      count: reader.num(s, 'SampleCount') ?? 0,
      sum: reader.num(s, 'Sum') ?? 0,
      min: reader.num(s, 'Minimum') ?? 0,
      max: reader.num(s, 'Maximum') ?? 0,
    };
  };

  const checkDatumRules = (d: ReturnType<typeof readDatum>, now: number): void => {
    const { p } = d;
    if (d.value !== undefined && d.values.length > 0) {
      throw invalidCombination(`The parameters ${p}.Value and ${p}.Values are mutually exclusive and you have specified both.`);
    }
    if (d.value !== undefined && d.stats !== undefined) {
      throw invalidCombination(`The parameters ${p}.Value and ${p}.StatisticValues are mutually exclusive and you have specified both.`);
    }
    if (d.values.length > 0 && d.stats !== undefined) {
      throw invalidCombination(`The parameters ${p}.Values and ${p}.StatisticValues are mutually exclusive and you have specified both.`);
    }
    if (d.value === undefined && d.values.length === 0 && d.stats === undefined) {
      throw missingParameter(`The parameter ${p}.Value is required.`);
    }
    if (d.counts.length > 0 && d.counts.length !== d.values.length) {
      throw invalidValue(`The parameters ${p}.Values and ${p}.Counts must be of the same size.`);
    }
    if (d.values.length > 150) throw invalidValue(`The collection ${p}.Values must not have a size greater than 150.`);
    for (const v of [d.value, ...d.values].filter((x): x is number => x !== undefined)) {
      if (!Number.isFinite(v) || Math.abs(v) > 2 ** 360 || (v !== 0 && Math.abs(v) < 2 ** -260)) {
        throw invalidValue(`The value ${v} for parameter ${p}.Value is invalid.`);
      }
    }
    if (d.stats !== undefined) {
      for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum']) {
        if (reader.num(d.stats, k) === undefined) throw missingParameter(`The parameter ${p}.StatisticValues.${k} is required.`);
      }
    }
    if (d.storageResolution !== undefined && d.storageResolution !== 1 && d.storageResolution !== 60) {
      throw invalidValue(`The value ${d.storageResolution} for parameter ${p}.StorageResolution is invalid.`);
    }
    if (d.t !== undefined && (d.t < now - 14 * 86400_000 || d.t > now + 2 * 3600_000)) {
      throw invalidValue(`The parameter ${p}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`);
    }
  };

  const putMetricData: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const namespace = reader.str(tree, 'Namespace');
    if (errors.required('namespace', namespace)) checkNamespace(errors, 'namespace', namespace);
    const items = reader.list(tree, 'MetricData');
    if (errors.required('metricData', items)) errors.listLength('metricData', items, 0, 1000);
    const data = (items ?? []).map((item, i) => readDatum(errors, item, i + 1));
    errors.throwIfAny();
    if ((namespace ?? '').startsWith('AWS/')) throw invalidValue(`The value ${namespace ?? ''} for parameter Namespace is invalid.`);
    const now = clock.now();
    data.forEach((d) => checkDatumRules(d, now));
    for (const d of data) storeDatum(req.accountId, req.region, namespace ?? '', { name: d.name, dims: d.dims, sample: sampleOf(d, now) });
    return undefined;
  };

  const checkTimeRange = (start: number, end: number): void => {
    if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  };

  const checkPeriod = (period: number): void => {
    if (![1, 5, 10, 20, 30].includes(period) && period % 60 !== 0) {
      throw invalidValue('The parameter Period must be a multiple of 60.');
    }
  };

  const getMetricStatistics: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const namespace = reader.str(tree, 'Namespace');
    const metricName = reader.str(tree, 'MetricName');
    const start = reader.time(tree, 'StartTime');
    const end = reader.time(tree, 'EndTime');
    const period = reader.int(tree, 'Period');
    const stats = reader.strList(tree, 'Statistics');
    const extended = reader.strList(tree, 'ExtendedStatistics');
    const unit = reader.str(tree, 'Unit');
    if (errors.required('namespace', namespace)) checkNamespace(errors, 'namespace', namespace);
    if (errors.required('metricName', metricName)) errors.length('metricName', metricName, 1, 255);
    errors.required('startTime', start);
    errors.required('endTime', end);
    if (errors.required('period', period)) errors.range('period', period, 1);
    const dims = readDimensions(errors, tree, 'Dimensions', 'dimensions');
    errors.listLength('statistics', stats, 1, 5);
    (stats ?? []).forEach((s, i) => errors.enumeration(`statistics.${i + 1}.member`, s, STATISTICS));
    errors.listLength('extendedStatistics', extended, 1, 10);
    errors.enumeration('unit', unit, UNITS);
    errors.throwIfAny();
    if (stats !== undefined && extended !== undefined) {
      throw invalidCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.');
    }
    if (stats === undefined && extended === undefined) {
      throw missingParameter('Either the parameter Statistics or ExtendedStatistics is required.');
    }
    for (const e of extended ?? []) {
      if (!PERCENTILE_RE.test(e)) throw invalidValue(`The value ${e} for parameter ExtendedStatistics is not supported.`);
    }
    checkTimeRange(start ?? 0, end ?? 0);
    checkPeriod(period ?? 60);
    const requested = Math.ceil(((end ?? 0) - (start ?? 0)) / 1000 / (period ?? 60));
    if (requested > MAX_DATAPOINTS) {
      throw invalidCombination(
        `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const series = metrics.find(req.accountId, req.region, namespace ?? '', metricName ?? '', dims);
    const buckets = [...aggregate(series, start ?? 0, end ?? 0, period ?? 60, unit).values()].sort((a, b) => a.start - b.start);
    const datapoints = buckets.map((b) => {
      const out: OutObject = { Timestamp: new Date(b.start) };
      for (const s of stats ?? []) out[s] = statistic(b, s);
      if (extended !== undefined) {
        const ext: OutObject = {};
        for (const e of extended) ext[e] = statistic(b, e);
        out.ExtendedStatistics = ext;
      }
      out.Unit = b.unit;
      return out;
    });
    return { Label: metricName ?? '', Datapoints: datapoints };
  };

  const readMetricStat = (errors: ConstraintErrors, q: InputTree, at: string) => {
    const ms = reader.obj(q, 'MetricStat') ?? {};
    const metric = reader.obj(ms, 'Metric') ?? {};
    const namespace = reader.str(metric, 'Namespace');
    const metricName = reader.str(metric, 'MetricName');
    checkNamespace(errors, `${at}.metricStat.metric.namespace`, namespace);
    errors.length(`${at}.metricStat.metric.metricName`, metricName, 1, 255);
    const dims = readDimensions(errors, metric, 'Dimensions', `${at}.metricStat.metric.dimensions`);
    const period = reader.int(ms, 'Period');
    if (errors.required(`${at}.metricStat.period`, period)) errors.range(`${at}.metricStat.period`, period, 1);
    const stat = reader.str(ms, 'Stat');
    errors.required(`${at}.metricStat.stat`, stat);
    const unit = reader.str(ms, 'Unit');
    errors.enumeration(`${at}.metricStat.unit`, unit, UNITS);
    return { namespace, metricName, dims, period: period ?? 60, stat: stat ?? '', unit };
  };

  const getMetricData: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const queries = reader.list(tree, 'MetricDataQueries');
    const start = reader.time(tree, 'StartTime');
    const end = reader.time(tree, 'EndTime');
    const scanBy = reader.str(tree, 'ScanBy');
    const maxDatapoints = reader.int(tree, 'MaxDatapoints');
    if (errors.required('metricDataQueries', queries)) errors.listLength('metricDataQueries', queries, 0, 500);
    errors.required('startTime', start);
    errors.required('endTime', end);
    errors.enumeration('scanBy', scanBy, ['TimestampDescending', 'TimestampAscending']);
    const parsed = (queries ?? []).map((item, i) => {
      const q = asTree(item);
      const at = `metricDataQueries.${i + 1}.member`;
      const id = reader.str(q, 'Id');
      if (errors.required(`${at}.id`, id)) errors.length(`${at}.id`, id, 1, 255);
      const label = reader.str(q, 'Label');
      const expression = reader.str(q, 'Expression');
      const hasStat = q.MetricStat !== undefined;
      const stat = hasStat ? readMetricStat(errors, q, at) : undefined;
      return { i: i + 1, id: id ?? '', label, expression, stat, returnData: reader.bool(q, 'ReturnData') ?? true };
    });
    errors.throwIfAny();
    const seen = new Set<string>();
    for (const q of parsed) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.id)) {
        throw validationError(`The value ${q.id} for parameter MetricDataQueries.member.${q.i}.Id is invalid. The Id must start with a lowercase letter and contain only letters, numbers and underscores.`);
      }
      if (seen.has(q.id)) throw validationError(`The values for parameter id in MetricDataQueries are not unique.`);
      seen.add(q.id);
      if ((q.expression === undefined) === (q.stat === undefined)) {
        throw validationError(`Exactly one of MetricStat and Expression must be specified for MetricDataQueries.member.${q.i}.`);
      }
      if (q.expression !== undefined) {
        // Honest limitation: the emulator does not evaluate metric math or Metrics Insights.
        throw validationError(`MetricDataQueries.member.${q.i}.Expression: metric math is not implemented by the s3repl emulator.`);
      }
      const st = q.stat;
      if (st && !(STATISTICS as readonly string[]).includes(st.stat) && !PERCENTILE_RE.test(st.stat)) {
        throw invalidValue(`The value ${st.stat} for parameter MetricDataQueries.member.${q.i}.MetricStat.Stat is not supported.`);
      }
      if (st) checkPeriod(st.period);
    }
    checkTimeRange(start ?? 0, end ?? 0);
    const ascending = scanBy === 'TimestampAscending';
    const results = parsed
      .filter((q) => q.returnData && q.stat)
      .map((q) => {
        const st = q.stat!;
        const series = metrics.find(req.accountId, req.region, st.namespace ?? '', st.metricName ?? '', st.dims);
        const points = [...aggregate(series, start ?? 0, end ?? 0, st.period, st.unit).values()]
          .map((b) => ({ t: b.start, v: statistic(b, st.stat) }))
          .filter((p): p is { t: number; v: number } => p.v !== undefined)
          .sort((a, b) => (ascending ? a.t - b.t : b.t - a.t))
          .slice(0, maxDatapoints ?? Number.MAX_SAFE_INTEGER);
        return {
          Id: q.id,
          Label: q.label ?? st.metricName ?? q.id,
          Timestamps: points.map((p) => new Date(p.t)),
          Values: points.map((p) => p.v),
          StatusCode: 'Complete',
        };
      });
    return { MetricDataResults: results, Messages: [] };
  };

  const listMetrics: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const namespace = reader.str(tree, 'Namespace');
    const metricName = reader.str(tree, 'MetricName');
    checkNamespace(errors, 'namespace', namespace);
    errors.length('metricName', metricName, 1, 255);
    const filters = (reader.list(tree, 'Dimensions') ?? []).map((item) => {
      const f = asTree(item);
      return { name: reader.str(f, 'Name') ?? '', value: reader.str(f, 'Value') };
    });
    errors.listLength('dimensions', filters, 0, 10);
    const recentlyActive = reader.str(tree, 'RecentlyActive');
    errors.enumeration('recentlyActive', recentlyActive, ['PT3H']);
    const offset = decodeToken(reader.str(tree, 'NextToken'));
    errors.throwIfAny();
    const since = recentlyActive === 'PT3H' ? clock.now() - 3 * 3600_000 : -Infinity;
    const found = metrics
      .all(req.accountId, req.region)
      .filter((s) => namespace === undefined || s.namespace === namespace)
      .filter((s) => metricName === undefined || s.metricName === metricName)
      .filter((s) => filters.every((f) => s.dimensions.some((d) => d.Name === f.name && (f.value === undefined || d.Value === f.value))))
      .filter((s) => s.samples.some((x) => x.t >= since))
      .sort((a, b) => (a.namespace + a.metricName < b.namespace + b.metricName ? -1 : 1));
    const page = found.slice(offset, offset + LIST_METRICS_PAGE);
    return {
      Metrics: page.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })) })),
      NextToken: offset + LIST_METRICS_PAGE < found.length ? encodeToken(offset + LIST_METRICS_PAGE) : undefined,
    };
  };

  // ---- alarms --------------------------------------------------------------

  const readAlarmInput = (tree: InputTree) => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'AlarmName');
    if (errors.required('alarmName', name)) errors.length('alarmName', name, 1, 255);
    const description = reader.str(tree, 'AlarmDescription');
    errors.length('alarmDescription', description, 0, 1024);
    const okActions = readActions(errors, tree, 'OKActions');
    const alarmActions = readActions(errors, tree, 'AlarmActions');
    const insufficientDataActions = readActions(errors, tree, 'InsufficientDataActions');
    const metricName = reader.str(tree, 'MetricName');
    errors.length('metricName', metricName, 1, 255);
    const namespace = reader.str(tree, 'Namespace');
    checkNamespace(errors, 'namespace', namespace);
    const stat = reader.str(tree, 'Statistic');
    errors.enumeration('statistic', stat, STATISTICS);
    const extendedStatistic = reader.str(tree, 'ExtendedStatistic');
    const dimensions = readDimensions(errors, tree, 'Dimensions', 'dimensions');
    const period = reader.int(tree, 'Period');
    errors.range('period', period, 1);
    const unit = reader.str(tree, 'Unit');
    errors.enumeration('unit', unit, UNITS);
    const evaluationPeriods = reader.int(tree, 'EvaluationPeriods');
    if (errors.required('evaluationPeriods', evaluationPeriods)) errors.range('evaluationPeriods', evaluationPeriods, 1);
    const datapointsToAlarm = reader.int(tree, 'DatapointsToAlarm');
    errors.range('datapointsToAlarm', datapointsToAlarm, 1);
    const threshold = reader.num(tree, 'Threshold');
    const comparisonOperator = reader.str(tree, 'ComparisonOperator');
    if (errors.required('comparisonOperator', comparisonOperator)) errors.enumeration('comparisonOperator', comparisonOperator, COMPARISON_OPERATORS);
    const treatMissingData = reader.str(tree, 'TreatMissingData');
    errors.length('treatMissingData', treatMissingData, 1, 255);
    const evaluateLow = reader.str(tree, 'EvaluateLowSampleCountPercentile');
    errors.length('evaluateLowSampleCountPercentile', evaluateLow, 1, 255);
    const tags = readTags(errors, tree, false);
    errors.throwIfAny();
    return {
      name: name ?? '', description, okActions, alarmActions, insufficientDataActions, metricName, namespace, stat, extendedStatistic,
      dimensions, period, unit, evaluationPeriods: evaluationPeriods ?? 1, datapointsToAlarm, threshold,
      comparisonOperator: comparisonOperator ?? '', treatMissingData, evaluateLow, tags,
      actionsEnabled: reader.bool(tree, 'ActionsEnabled') ?? true,
      hasMetrics: tree.Metrics !== undefined, thresholdMetricId: reader.str(tree, 'ThresholdMetricId'),
    };
  };

  type AlarmInput = ReturnType<typeof readAlarmInput>;

  const checkAlarmRules = (a: AlarmInput): void => {
    if (a.hasMetrics || a.thresholdMetricId !== undefined) {
      // Honest limitation: metric math and anomaly detection alarms are not emulated.
      throw validationError('Metric math (Metrics) and anomaly detection (ThresholdMetricId) alarms are not implemented by the s3repl emulator.');
    }
    if (!['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'].includes(a.comparisonOperator)) {
      throw validationError(`ComparisonOperator ${a.comparisonOperator} requires ThresholdMetricId (anomaly detection band), which the s3repl emulator does not implement.`);
    }
    if (a.metricName === undefined) throw missingParameter('The parameter MetricName is required.');
    if (a.namespace === undefined) throw missingParameter('The parameter Namespace is required.');
    if (a.stat !== undefined && a.extendedStatistic !== undefined) {
      throw invalidCombination('The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.');
    }
    if (a.stat === undefined && a.extendedStatistic === undefined) {
      throw missingParameter('The parameter Statistic or ExtendedStatistic is required.');
    }
    if (a.extendedStatistic !== undefined && !PERCENTILE_RE.test(a.extendedStatistic)) {
      throw invalidValue(`The value ${a.extendedStatistic} for parameter ExtendedStatistic is not supported.`);
    }
    if (a.period === undefined) throw missingParameter('The parameter Period is required.');
    if (![10, 20, 30].includes(a.period) && a.period % 60 !== 0) throw validationError('Period must be 10, 20, 30 or a multiple of 60');
    if (a.threshold === undefined) throw missingParameter('The parameter Threshold is required.');
    const span = a.period * a.evaluationPeriods;
    if (a.period < 3600 && span > 86400) {
      throw validationError('Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)');
    }
    if (span > 604800) throw validationError('Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= 604800)');
    if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods) {
      throw validationError('DatapointsToAlarm must be less than or equal to EvaluationPeriods');
    }
    if (a.treatMissingData !== undefined && !(TREAT_MISSING_DATA as readonly string[]).includes(a.treatMissingData)) {
      throw validationError(`The value ${a.treatMissingData} is not supported for TreatMissingData parameter. Supported values are [breaching, notBreaching, ignore, missing].`);
    }
    if (a.evaluateLow !== undefined && !['evaluate', 'ignore'].includes(a.evaluateLow)) {
      throw validationError(`Option ${a.evaluateLow} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.`);
    }
    const keys = new Set<string>();
    for (const d of a.dimensions) {
      if (keys.has(d.Name)) throw invalidValue(`No duplicate dimension names allowed: ${d.Name}`);
      keys.add(d.Name);
    }
  };

  const putMetricAlarm: Handler = (tree, req) => {
    const input = readAlarmInput(tree);
    checkAlarmRules(input);
    const now = clock.now();
    const existing = alarmsOf(req).get(input.name);
    const alarm: Alarm = {
      accountId: req.accountId,
      region: req.region,
      name: input.name,
      description: input.description,
      actionsEnabled: input.actionsEnabled,
      okActions: input.okActions,
      alarmActions: input.alarmActions,
      insufficientDataActions: input.insufficientDataActions,
      metricName: input.metricName ?? '',
      namespace: input.namespace ?? '',
      statistic: input.stat,
      extendedStatistic: input.extendedStatistic,
      dimensions: input.dimensions,
      period: input.period ?? 60,
      unit: input.unit,
      evaluationPeriods: input.evaluationPeriods,
      datapointsToAlarm: input.datapointsToAlarm,
      threshold: input.threshold ?? 0,
      comparisonOperator: input.comparisonOperator,
      treatMissingData: input.treatMissingData,
      evaluateLowSampleCountPercentile: input.evaluateLow,
      configUpdatedMs: now,
      // An update keeps the alarm's state; its tags are only set on creation.
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
      stateReasonData: existing?.stateReasonData,
      stateUpdatedMs: existing?.stateUpdatedMs ?? now,
      stateTransitionedMs: existing?.stateTransitionedMs ?? now,
      heldUntilMs: existing?.heldUntilMs,
      tags: existing?.tags ?? input.tags,
    };
    alarmsOf(req).set(alarm.name, alarm);
    return undefined;
  };

  const describeAlarms: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const names = reader.strList(tree, 'AlarmNames');
    errors.listLength('alarmNames', names, 0, 100);
    (names ?? []).forEach((n, i) => errors.length(`alarmNames.${i + 1}.member`, n, 1, 255));
    const prefix = reader.str(tree, 'AlarmNamePrefix');
    errors.length('alarmNamePrefix', prefix, 1, 255);
    const types = reader.strList(tree, 'AlarmTypes');
    (types ?? []).forEach((t, i) => errors.enumeration(`alarmTypes.${i + 1}.member`, t, ['CompositeAlarm', 'MetricAlarm']));
    const stateValue = reader.str(tree, 'StateValue');
    errors.enumeration('stateValue', stateValue, ALARM_STATES);
    const actionPrefix = reader.str(tree, 'ActionPrefix');
    errors.length('actionPrefix', actionPrefix, 1, 1024);
    const maxRecords = reader.int(tree, 'MaxRecords');
    errors.range('maxRecords', maxRecords, 1, 100);
    const children = reader.str(tree, 'ChildrenOfAlarmName');
    const parents = reader.str(tree, 'ParentsOfAlarmName');
    errors.throwIfAny();
    if (names !== undefined && names.length > 0 && prefix !== undefined) {
      throw invalidCombination('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.');
    }
    const offset = decodeToken(reader.str(tree, 'NextToken'));
    const wantMetric = types === undefined || types.length === 0 || types.includes('MetricAlarm');
    const wantComposite = types?.includes('CompositeAlarm') ?? false;
    // Composite alarms are not emulated, so children/parents queries match nothing.
    // Named alarms are looked up by name (a region may hold tens of thousands: a
    // scan per call would make reading them all quadratic); only the alarms read
    // are evaluated.
    const store = alarmsOf(req);
    const candidates =
      !wantMetric || children !== undefined || parents !== undefined
        ? []
        : names !== undefined && names.length > 0
          ? [...new Set(names)].flatMap((n) => store.get(n) ?? [])
          : [...store.values()].filter((a) => prefix === undefined || a.name.startsWith(prefix));
    candidates.forEach(evaluateAlarm);
    const matched = candidates
      .filter((a) => stateValue === undefined || a.state === stateValue)
      .filter((a) => actionPrefix === undefined || [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) => x.startsWith(actionPrefix)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const size = maxRecords ?? 50;
    const page = matched.slice(offset, offset + size);
    return {
      MetricAlarms: page.map(alarmOut),
      CompositeAlarms: wantComposite ? [] : undefined,
      NextToken: offset + size < matched.length ? encodeToken(offset + size) : undefined,
    };
  };

  const deleteAlarms: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const names = reader.strList(tree, 'AlarmNames');
    if (errors.required('alarmNames', names)) errors.listLength('alarmNames', names, 0, 100);
    (names ?? []).forEach((n, i) => errors.length(`alarmNames.${i + 1}.member`, n, 1, 255));
    errors.throwIfAny();
    // Names that do not exist are ignored, as CloudWatch does.
    for (const n of names ?? []) alarmsOf(req).delete(n);
    return undefined;
  };

  const setAlarmState: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'AlarmName');
    if (errors.required('alarmName', name)) errors.length('alarmName', name, 1, 255);
    const stateValue = reader.str(tree, 'StateValue');
    if (errors.required('stateValue', stateValue)) errors.enumeration('stateValue', stateValue, ALARM_STATES);
    const reason = reader.str(tree, 'StateReason');
    if (errors.required('stateReason', reason)) errors.length('stateReason', reason, 0, 1023);
    const reasonData = reader.str(tree, 'StateReasonData');
    errors.length('stateReasonData', reasonData, 0, 4000);
    errors.throwIfAny();
    const alarm = alarmsOf(req).get(name ?? '');
    if (!alarm) throw new AwsError('ResourceNotFound', 404, `Alarm ${name ?? ''} not found`);
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new AwsError('InvalidFormat', 400, 'The value for StateReasonData is not valid JSON.');
      }
    }
    const now = clock.now();
    transition(alarm, stateValue as AlarmState, reason ?? '', reasonData, now);
    alarm.stateReason = reason ?? '';
    alarm.stateReasonData = reasonData;
    // The alarm goes back to its evaluated state at its next evaluation, one period (at most a minute) later.
    alarm.heldUntilMs = now + Math.min(alarm.period, 60) * 1000;
    return undefined;
  };

  const alarmByArn = (req: EmuRequest, arn: string | undefined): Alarm => {
    const m = /^arn:aws:cloudwatch:([^:]+):(\d{12}):alarm:(.+)$/.exec(arn ?? '');
    const alarm = m && m[1] === req.region && m[2] === req.accountId ? alarmsOf(req).get(m[3] ?? '') : undefined;
    if (!alarm) throw new AwsError('ResourceNotFoundException', 404, `The specified resource does not exist: ${arn ?? ''}`);
    return alarm;
  };

  const resourceArn = (errors: ConstraintErrors, tree: InputTree): string | undefined => {
    const arn = reader.str(tree, 'ResourceARN');
    if (errors.required('resourceARN', arn)) errors.length('resourceARN', arn, 1, 1024);
    return arn;
  };

  const tagResource: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const arn = resourceArn(errors, tree);
    const tags = readTags(errors, tree, true);
    errors.throwIfAny();
    const alarm = alarmByArn(req, arn);
    const merged = [...alarm.tags];
    for (const t of tags) {
      const i = merged.findIndex((x) => x.Key === t.Key);
      if (i === -1) merged.push(t);
      else merged[i] = t;
    }
    if (merged.length > MAX_TAGS) throw new AwsError('LimitExceededException', 400, `The number of tags on the resource would exceed ${MAX_TAGS}.`);
    alarm.tags = merged;
    return {};
  };

  const untagResource: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const arn = resourceArn(errors, tree);
    const keys = reader.strList(tree, 'TagKeys');
    if (errors.required('tagKeys', keys)) (keys ?? []).forEach((k, i) => errors.length(`tagKeys.${i + 1}.member`, k, 1, 128));
    errors.throwIfAny();
    const alarm = alarmByArn(req, arn);
    alarm.tags = alarm.tags.filter((t) => !(keys ?? []).includes(t.Key));
    return {};
  };

  const listTagsForResource: Handler = (tree, req) => {
    const errors = new ConstraintErrors();
    const arn = resourceArn(errors, tree);
    errors.throwIfAny();
    return { Tags: alarmByArn(req, arn).tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
  };

  const handlers: Record<string, Handler> = {
    PutMetricAlarm: putMetricAlarm,
    DescribeAlarms: describeAlarms,
    DeleteAlarms: deleteAlarms,
    SetAlarmState: setAlarmState,
    PutMetricData: putMetricData,
    GetMetricStatistics: getMetricStatistics,
    GetMetricData: getMetricData,
    ListMetrics: listMetrics,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  };

  // ---- wire ----------------------------------------------------------------

  const handleJson = (req: EmuRequest): EmuResponse => {
    const requestId = newRequestId();
    const op = (req.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length);
    try {
      const handler = Object.prototype.hasOwnProperty.call(handlers, op) ? handlers[op] : undefined;
      if (!handler) throw new AwsError('UnknownOperation', 400, `Unknown operation ${op}`);
      let body: unknown;
      try {
        body = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new AwsError('SerializationException', 400, 'Invalid JSON in request body');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AwsError('SerializationException', 400, 'Request body must be a JSON object');
      const result = handler(body as InputTree, req);
      return {
        status: 200,
        headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
        body: JSON.stringify(toJsonValue(result ?? {})),
      };
    } catch (e) {
      if (e instanceof AwsError) return jsonError(e, requestId);
      throw e;
    }
  };

  const handleQuery = (req: EmuRequest): EmuResponse => {
    const requestId = newRequestId();
    const params = formParams(req);
    const action = params.get('Action') ?? '';
    try {
      const handler = Object.prototype.hasOwnProperty.call(handlers, action) ? handlers[action] : undefined;
      if (!handler) throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version 2010-08-01`);
      return queryResponse(action, XMLNS, handler(queryToTree(params), req), requestId, XML_OPTS);
    } catch (e) {
      if (e instanceof AwsError) return queryErrorResponse(e, XMLNS, requestId);
      throw e;
    }
  };

  return {
    handle: (req) => {
      opts.beforeRequest?.();
      return isJsonRequest(req) ? handleJson(req) : handleQuery(req);
    },
    throttled: (req) => errorFor(req, new AwsError('Throttling', 400, 'Rate exceeded')),
    internalError: (req) => errorFor(req, new AwsError('InternalServiceError', 500, 'Internal service error')),
    snapshot: (): CloudWatchSnapshot => ({ alarms: [...alarms.values()].flatMap((m) => [...m.values()]), series: metrics.snapshot() }),
    restore: (snapshot: unknown) => {
      const snap = (snapshot ?? {}) as Partial<CloudWatchSnapshot>;
      alarms = new Map();
      for (const a of snap.alarms ?? []) alarmsOf(a).set(a.name, a);
      metrics.restore(snap.series ?? []);
    },
    putMetricData: (accountId: string, region: string, namespace: string, data: MetricDatumInput[]) => {
      const now = clock.now();
      for (const d of data) {
        const sample: Sample = { t: d.Timestamp ?? now, unit: d.Unit ?? 'None', count: 1, sum: d.Value, min: d.Value, max: d.Value, values: [[d.Value, 1]] };
        storeDatum(accountId, region, namespace, { name: d.MetricName, dims: sortDimensions(d.Dimensions), sample });
      }
    },
  };
}

