/**
 * AWS's rules for a replication's `events:` (docs/aws-behaviour.md,
 * "Replication event notifications"): destinations in the source bucket's
 * region, no FIFO queue or topic, the rule's metrics or RTC the event types
 * need, and no two entries of one bucket with a common event type and
 * overlapping key filters (PutBucketNotificationConfiguration refuses them).
 */
import type { Finding } from './findings.js';
import { didYouMean } from './suggest.js';
import type { Config } from './types.js';
import { EVENT_TYPES_NEEDING_METRICS, EVENT_TYPES_NEEDING_RTC, eventPrefixes, parseDestinationArn, prefixesOverlap, rulesOfEvents } from './events.js';

export const EVENT_RULES = {
  'events-unknown-rule': "an events: entry names a rule its replication does not have",
  'event-destination-region': "an events: queue, topic or function outside the source bucket's region",
  'event-destination-account': "an events: destination in another account than the source bucket's (warning: its policy must let S3 send)",
  'event-destination-fifo': 'an events: FIFO queue or FIFO topic (S3 sends only to standard ones)',
  'events-need-rtc': 'missedThreshold or replicatedAfterThreshold for a rule without rtc: true',
  'events-need-metrics': 'failed or notTracked events for a rule with metrics: false',
  'create-queue-without-queue': 'createQueue: true on an events: entry that sends to a topic or function',
  'events-overlap': 'two events: entries of one source share an event type and key filter (S3 would refuse the configuration)',
} as const;

export type EventRuleId = keyof typeof EVENT_RULES;

type Report = (rule: EventRuleId, path: Array<string | number>, message: string, hint?: string, extra?: Partial<Finding>) => void;

export function checkEvents(config: Config, report: Report): void {
  config.replications.forEach((rep, r) => {
    if (rep.origin || !rep.events?.length) return;
    const bucket = config.buckets[rep.source];
    const base = ['replications', r, 'events'];
    const ruleIds = rep.rules.map((x) => x.id);
    rep.events.forEach((e, j) => {
      const at = [...base, j];
      e.rules.forEach((id, k) => {
        if (!ruleIds.includes(id)) {
          report('events-unknown-rule', [...at, 'rules', k], `replication of "${rep.source}" has no rule "${id}"${didYouMean(id, ruleIds)}`, `rules of ${rep.source}: ${ruleIds.join(', ')}`);
        }
      });
      const where = [...at, e.destination.type];
      const dest = parseDestinationArn(e.destination.arn);
      if (bucket?.region && dest.region !== bucket.region) {
        report(
          'event-destination-region',
          where,
          `${e.destination.type} ${e.destination.arn} is in ${dest.region}, but S3 sends the events of ${rep.source} only to a ${e.destination.type} in the bucket's region, ${bucket.region}`,
          `use a ${e.destination.type} in ${bucket.region}`,
        );
      }
      if (bucket?.account && dest.account !== bucket.account) {
        report(
          'event-destination-account',
          where,
          `${e.destination.type} ${e.destination.arn} belongs to account ${dest.account}, not to ${rep.source}'s account ${bucket.account}`,
          `its ${e.destination.type === 'function' ? 'resource' : 'access'} policy must let S3 send ${rep.source}'s events (aws:SourceArn and aws:SourceAccount ${bucket.account})`,
          { severity: 'warning' },
        );
      }
      if (e.destination.type !== 'function' && dest.name.endsWith('.fifo')) {
        report('event-destination-fifo', where, `${e.destination.arn} is a FIFO ${e.destination.type}: S3 event notifications go only to a standard ${e.destination.type}`, `use a standard ${e.destination.type === 'queue' ? 'SQS queue' : 'SNS topic'}`);
      }
      if (e.createQueue && e.destination.type !== 'queue') {
        report('create-queue-without-queue', [...at, 'createQueue'], `createQueue: true, but this entry sends to a ${e.destination.type}: s3repl creates SQS queues only`, 'remove createQueue, or send to a queue');
      }
      const covered = rulesOfEvents(rep, e);
      const needRtc = e.types.filter((t) => EVENT_TYPES_NEEDING_RTC.includes(t));
      if (needRtc.length) {
        const without = covered.filter((x) => !x.rtc).map((x) => x.id);
        if (without.length) {
          report(
            'events-need-rtc',
            [...at, 'types'],
            `${needRtc.join(' and ')} events come only from rules with S3 Replication Time Control; ${without.join(', ')} ha${without.length === 1 ? 's' : 've'} no rtc`,
            `set rtc: true on ${without.join(', ')}, or list only rules with rtc under this entry's rules:`,
          );
        }
      }
      const needMetrics = e.types.filter((t) => EVENT_TYPES_NEEDING_METRICS.includes(t));
      if (needMetrics.length) {
        const off = covered.filter((x) => !x.metrics).map((x) => x.id);
        if (off.length) {
          report(
            'events-need-metrics',
            [...at, 'types'],
            `${needMetrics.join(' and ')} events come only from rules with replication metrics; ${off.join(', ')} say${off.length === 1 ? 's' : ''} metrics: false`,
            `remove metrics: false from ${off.join(', ')} (s3repl turns metrics on for rules whose events need them)`,
          );
        }
      }
    });
    // Two entries with a common event type and overlapping key filters.
    rep.events.forEach((a, i) => {
      rep.events!.forEach((b, j) => {
        if (j <= i) return;
        const common = a.types.filter((t) => b.types.includes(t));
        if (!common.length) return;
        const pa = eventPrefixes(rep, a);
        const pb = eventPrefixes(rep, b);
        const clash = pa.flatMap((x) => pb.filter((y) => prefixesOverlap(x, y)).map((y) => [x, y] as const))[0];
        if (!clash) return;
        const show = (p: string) => (p ? `prefix "${p}"` : 'the whole bucket');
        report(
          'events-overlap',
          [...base, j],
          `events[${j}] and events[${i}] of ${rep.source} both ask for ${common.join(', ')} on overlapping keys (${show(clash[1])} and ${show(clash[0])}): S3 refuses a notification configuration whose entries share an event type with overlapping filters`,
          'send those event types to one destination (one entry with several types), or give the entries rules with non-overlapping prefixes',
        );
      });
    });
  });
}
