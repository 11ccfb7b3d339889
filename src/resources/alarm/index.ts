/**
 * CloudWatch alarms on a rule's replication metrics (namespace AWS/S3,
 * dimensions SourceBucket, DestinationBucket, RuleId), each in the region S3
 * publishes its metric in (src/config/alarms.ts). Read in batches of 100 names
 * per DescribeAlarms call.
 */
import { DeleteAlarmsCommand, paginateDescribeAlarms, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../../aws/clients.js';
import type { ApplyContext, Attrs, DesiredResource, Json, ResourceKind } from '../types.js';
import { chunks, readHooks, sortedRecord, tagsToList } from '../util.js';
import { ALARM_DESCRIPTION_PREFIX, expandAlarms } from './expand.js';
import { NotOwned } from '../ownership.js';

export { ALARM_DESCRIPTION_PREFIX, alarmAddress } from './expand.js';

export const alarm: ResourceKind = {
  kind: 'alarm',
  phase: 5,
  doc: { address: '`alarm.SOURCE.RULE.METRIC`', resource: 'CloudWatch alarms on AWS/S3 replication metrics', notes: '`latency`, `failed-operations`, `pending-bytes`, `pending-operations`' },
  describe: (id) => `CloudWatch alarm ${id.alarmName} (${id.region})`,
  expand: expandAlarms,
  explainIdChange(prior, next, desired) {
    if (prior.region === next.region) return [];
    // docs/aws-behaviour.md, "Replication metrics: region": earlier versions put every alarm in the source region.
    return [
      `S3 publishes ${String(desired.metricName)} in ${next.region ?? '?'}, not ${prior.region ?? '?'}: the alarm in ${prior.region ?? '?'} watched a metric that never arrives there, so it moves (the new one is created, then the old one deleted)`,
    ];
  },
  importCheck({ desired, live, paths }) {
    if (!live) return { verdict: 'unexpected' };
    const dims = desired.attributes.dimensions as Record<string, string>;
    return {
      verdict: 'record',
      nextPlan: `alarm ${desired.id.alarmName} is rewritten in s3repl's form (${paths.join(', ')}); its name, metric, threshold and topics stay`,
      comment: {
        source: dims.SourceBucket!,
        ruleId: dims.RuleId!,
        key: 'alarms',
        text: `The next plan rewrites alarm ${String(desired.id.alarmName)} in s3repl's form: ${paths.join(', ')}.`,
      },
    };
  },
  // An alarm watches one rule's replication metrics (its SourceBucket and RuleId dimensions).
  costFacts(v) {
    const d = v.dimensions;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return [];
    const { SourceBucket: source, RuleId: ruleId } = d as Record<string, unknown>;
    return typeof source === 'string' && typeof ruleId === 'string' ? [{ fact: 'rule-alarm', source, ruleId }] : [];
  },
  normalize: (a) => ({
    name: a.name ?? null,
    description: a.description ?? null,
    namespace: a.namespace ?? null,
    metricName: a.metricName ?? null,
    dimensions: sortedRecord(a.dimensions as Record<string, string> | undefined),
    statistic: a.statistic ?? null,
    period: a.period ?? null,
    evaluationPeriods: a.evaluationPeriods ?? null,
    datapointsToAlarm: a.datapointsToAlarm ?? null,
    threshold: a.threshold ?? null,
    comparisonOperator: a.comparisonOperator ?? null,
    treatMissingData: a.treatMissingData ?? 'missing',
    alarmActions: [...new Set((a.alarmActions ?? []) as string[])].sort(),
    okActions: [...new Set((a.okActions ?? []) as string[])].sort(),
  }),
  async readMany(ctx, items) {
    const out = new Map<string, Attrs | null>();
    const byRegion = new Map<string, Array<{ address: string; name: string }>>();
    for (const { address, id } of items) {
      const list = byRegion.get(id.region!) ?? [];
      list.push({ address, name: id.alarmName! });
      byRegion.set(id.region!, list);
    }
    const { keep, slot } = readHooks(ctx, out);
    const batches = [...byRegion].flatMap(([region, list]) => chunks(list, 100).map((batch) => ({ region, batch })));
    await Promise.all(
      batches.map(async ({ region, batch }) => {
        const found = new Map<string, MetricAlarm>();
        for (const m of await slot(() => describeMetricAlarms(ctx.aws, region, batch.map((b) => b.name)))) {
          if (m.AlarmName) found.set(m.AlarmName, m);
        }
        // Each batch's answer is kept as it arrives, not the SDK's objects until the last batch.
        for (const { address, name } of batch) {
          const m = found.get(name);
          keep(address, m ? fromAws(m) : null);
        }
      }),
    );
    return out;
  },
  // An alarm s3repl writes says so in its description (CloudWatch alarms carry no tags here).
  ownedBy: (live) => typeof live.description === 'string' && live.description.startsWith(ALARM_DESCRIPTION_PREFIX),
  adoptable(live) {
    if (alarm.ownedBy!(live, null)) return true;
    return `CloudWatch alarm ${String(live.name)} already exists and was not created by s3repl; rename it, delete it, or change alarms.namePrefix`;
  },
  create: put,
  update: put,
  async delete(ctx: ApplyContext, _address, id) {
    // Right before deleting: still an alarm s3repl wrote (not one made again by hand under the name)?
    const [now] = await describeMetricAlarms(ctx.aws, id.region!, [id.alarmName!]);
    if (!now) return;
    if (!alarm.ownedBy!(fromAws(now), ctx.lineage)) {
      throw new NotOwned(`CloudWatch alarm ${id.alarmName} (${id.region})`, 'its description is not one s3repl writes, so it was made or changed by hand; delete it yourself if it is not needed');
    }
    // Deleting a missing alarm is not an error in CloudWatch.
    await ctx.aws.cloudwatch(id.region!).send(new DeleteAlarmsCommand({ AlarmNames: [id.alarmName!] }));
  },
};

/** Metric alarms of a region as DescribeAlarms returns them, all pages: those named (at most 100), or every one. */
export async function describeMetricAlarms(aws: AwsClients, region: string, names?: string[]): Promise<MetricAlarm[]> {
  const out: MetricAlarm[] = [];
  const input = { ...(names ? { AlarmNames: names } : {}), AlarmTypes: ['MetricAlarm' as const] };
  for await (const page of paginateDescribeAlarms({ client: aws.cloudwatch(region), pageSize: 100 }, input)) out.push(...(page.MetricAlarms ?? []));
  return out;
}

function fromAws(m: MetricAlarm): Attrs {
  const dims: Record<string, string> = {};
  for (const d of m.Dimensions ?? []) if (d.Name) dims[d.Name] = d.Value ?? '';
  return {
    name: m.AlarmName ?? null,
    description: m.AlarmDescription ?? null,
    namespace: m.Namespace ?? null,
    metricName: m.MetricName ?? null,
    dimensions: dims,
    statistic: m.Statistic ?? null,
    period: m.Period ?? null,
    evaluationPeriods: m.EvaluationPeriods ?? null,
    datapointsToAlarm: m.DatapointsToAlarm ?? null,
    threshold: m.Threshold ?? null,
    comparisonOperator: m.ComparisonOperator ?? null,
    treatMissingData: m.TreatMissingData ?? 'missing',
    alarmActions: (m.AlarmActions ?? []) as Json[],
    okActions: (m.OKActions ?? []) as Json[],
  } as Attrs;
}

async function put(ctx: ApplyContext, r: DesiredResource): Promise<void> {
  const a = r.attributes;
  const dims = a.dimensions as Record<string, string>;
  await ctx.aws.cloudwatch(r.id.region!).send(
    new PutMetricAlarmCommand({
      AlarmName: a.name as string,
      AlarmDescription: a.description as string,
      Namespace: a.namespace as string,
      MetricName: a.metricName as string,
      Dimensions: Object.keys(dims).map((Name) => ({ Name, Value: dims[Name]! })),
      Statistic: a.statistic as 'Maximum',
      Period: a.period as number,
      EvaluationPeriods: a.evaluationPeriods as number,
      DatapointsToAlarm: (a.datapointsToAlarm as number | null) ?? undefined,
      Threshold: a.threshold as number,
      ComparisonOperator: a.comparisonOperator as 'GreaterThanThreshold',
      TreatMissingData: a.treatMissingData as string,
      AlarmActions: a.alarmActions as string[],
      OKActions: a.okActions as string[],
      ActionsEnabled: true,
      // Tags are only taken when the alarm is created (ignored on update).
      Tags: tagsToList({ ...ctx.tags, 'managed-by': 's3repl' }),
    }),
  );
}
