/** CloudWatch alarms on each rule's replication metrics (`alarms:` thresholds), in the source bucket's region. */
import { ALARM_METRICS, alarmName } from '../../config/alarms.js';
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
        out.push({
          address: alarmAddress(rep.source, rule.id, m.suffix),
          kind: 'alarm',
          id: { alarmName: name, region: source.region },
          attributes: {
            name,
            description: `${ALARM_DESCRIPTION_PREFIX} ${m.metric} of replication rule ${rule.id} (${rep.source} → ${dest.name})`,
            namespace: 'AWS/S3',
            metricName: m.metric,
            dimensions: { SourceBucket: rep.source, DestinationBucket: dest.name, RuleId: rule.id },
            statistic: m.statistic,
            period: 60,
            evaluationPeriods: config.alarms.evaluationPeriods,
            datapointsToAlarm: null,
            threshold,
            comparisonOperator: m.op,
            treatMissingData: m.missing,
            alarmActions: rule.alarms.notify,
            okActions: rule.alarms.notify,
          },
          // Alarms watch the metrics the replication configuration turns on.
          dependsOn: [replicationAddress(rep.source)],
        });
      }
    }
  }
  return out;
}
