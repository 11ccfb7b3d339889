/**
 * CloudWatch alarms on each rule's replication metrics (`alarms:` thresholds),
 * each in the region S3 publishes its metric in, notifying the topics of that
 * region (src/config/alarms.ts).
 */
import { ALARM_METRICS, alarmName, alarmRegion, topicsIn } from '../../config/alarms.js';
import type { DesiredResource, ExpandContext } from '../types.js';
import { replicationAddress } from '../replication/expand.js';

export const ALARM_DESCRIPTION_PREFIX = 's3repl:';

export const alarmAddress = (source: string, ruleId: string, metricSuffix: string): string => `alarm.${source}.${ruleId}.${metricSuffix}`;

export function expandAlarms({ config }: ExpandContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  for (const rep of config.replications) {
    const source = config.buckets[rep.source]!;
    for (const rule of rep.rules) {
      if (!rule.alarms) continue;
      const dest = config.buckets[rule.destination.bucket]!;
      for (const m of ALARM_METRICS) {
        const threshold = rule.alarms[m.key];
        if (threshold === undefined) continue;
        const name = alarmName(config, rep.source, rule.id, m.suffix);
        const region = alarmRegion(m, source, dest);
        const topics = topicsIn(rule.alarms.notify, region);
        out.push({
          address: alarmAddress(rep.source, rule.id, m.suffix),
          kind: 'alarm',
          id: { alarmName: name, region },
          attributes: {
            name,
            description: `${ALARM_DESCRIPTION_PREFIX} ${m.metric} of replication rule ${rule.id} (${rep.source} → ${dest.name})`,
            namespace: 'AWS/S3',
            metricName: m.metric,
            dimensions: { SourceBucket: rep.source, DestinationBucket: dest.name, RuleId: rule.id },
            statistic: m.statistic,
            period: 60,
            evaluationPeriods: config.alarms.evaluationPeriods,
            datapointsToAlarm: m.datapointsToAlarm,
            threshold,
            comparisonOperator: m.op,
            treatMissingData: m.missing,
            alarmActions: topics,
            okActions: topics,
          },
          // Alarms watch the metrics the replication configuration turns on.
          dependsOn: [replicationAddress(rep.source)],
        });
      }
    }
  }
  return out;
}
