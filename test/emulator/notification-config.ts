/**
 * PutBucketNotificationConfiguration / GetBucketNotificationConfiguration:
 * parse, validate (docs/aws-behaviour.md, "Event notifications") and render
 * the stored document, plus matching an event against it.
 *
 * The document is replaced whole on every PUT. Validation, in AWS's order:
 * the XML shape, event names, filter rules, destination ARNs (checked even
 * with `x-amz-skip-destination-validation`), overlapping filters for the same
 * event type, then (unless skipped) every destination: it must exist, be in
 * the bucket's region and let s3.amazonaws.com send from this bucket.
 */
import { child, children, isObject, text, type XmlNode, type XmlValue } from './xml.js';
import { generatedRuleId } from './s3-model.js';
import type { S3ErrorSpec } from './replication-config.js';

export type DestinationKind = 'Topic' | 'Queue' | 'CloudFunction';

export interface NotificationFilterRule {
  Name: 'Prefix' | 'Suffix';
  Value: string;
}

export interface NotificationTarget {
  kind: DestinationKind;
  Id: string;
  Arn: string;
  Events: string[];
  FilterRules: NotificationFilterRule[];
}

export interface NotificationConfig {
  targets: NotificationTarget[];
  eventBridge: boolean;
}

/** What S3 finds when it checks a destination before storing a configuration. */
export type DestinationCheck = 'ok' | 'missing' | 'denied';

/**
 * The destinations S3 can deliver to: the emulator's SQS queues. SNS and
 * Lambda are not emulated, so a topic or function never exists here.
 */
export interface NotificationDestinations {
  /** Whether the queue exists and its policy lets s3.amazonaws.com send messages from this bucket. */
  checkQueue(queueArn: string, source: { bucketName: string; accountId: string }): DestinationCheck;
  /** Sends a message as S3 does; false when the queue is gone or no longer allows S3. */
  sendToQueue(queueArn: string, body: string, source: { bucketName: string; accountId: string }): boolean;
}

/** Every event type the S3 model's `Event` enum lists (docs/aws-behaviour.md, "Event notifications: event types"). */
export const NOTIFICATION_EVENTS: ReadonlySet<string> = new Set([
  's3:ReducedRedundancyLostObject',
  's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*', 's3:ObjectRestore:Post', 's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete',
  's3:Replication:*', 's3:Replication:OperationFailedReplication', 's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold', 's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleTransition', 's3:IntelligentTiering',
  's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:ObjectTagging:*', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put', 's3:ObjectRetention:Put',
  's3:ObjectAnnotation:*', 's3:ObjectAnnotation:Put', 's3:ObjectAnnotation:Delete',
]);

const MALFORMED: S3ErrorSpec = {
  status: 400,
  code: 'MalformedXML',
  message: 'The XML you provided was not well-formed or did not validate against our published schema',
};
const invalidArgument = (message: string, extra?: Record<string, string>): S3ErrorSpec => ({
  status: 400,
  code: 'InvalidArgument',
  message,
  ...(extra ? { extra } : {}),
});

class Reject extends Error {
  constructor(readonly spec: S3ErrorSpec) {
    super(spec.message);
  }
}
const reject = (spec: S3ErrorSpec): never => {
  throw new Reject(spec);
};

/** Element names on the wire (the SDK's xmlName for each list member and ARN). */
const KINDS: Array<{ kind: DestinationKind; element: string; arnElement: string; service: string; noun: string }> = [
  { kind: 'Topic', element: 'TopicConfiguration', arnElement: 'Topic', service: 'sns', noun: 'topic' },
  { kind: 'Queue', element: 'QueueConfiguration', arnElement: 'Queue', service: 'sqs', noun: 'queue' },
  { kind: 'CloudFunction', element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction', service: 'lambda', noun: 'function' },
];
const TOP_LEVEL = new Set([...KINDS.map((k) => k.element), 'EventBridgeConfiguration']);
const TARGET_FIELDS = new Set(['Id', 'Event', 'Filter', 'Queue', 'Topic', 'CloudFunction', 'InvocationRole']);

/** `arn:aws:sqs:us-east-1:111111111111:name` → its parts; null when it does not parse. */
export function parseDestinationArn(arn: string): { partition: string; service: string; region: string; account: string; resource: string } | null {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
  if (!m) return null;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

function parseFilter(cfg: XmlValue): NotificationFilterRule[] {
  const filter = child(cfg, 'Filter');
  if (filter === undefined || filter === '') return [];
  const key = child(filter, 'S3Key');
  if (key === undefined || key === '') return [];
  const rules: NotificationFilterRule[] = [];
  const seen = new Set<string>();
  for (const r of children(key, 'FilterRule')) {
    const name = text(r, 'Name');
    const value = text(r, 'Value') ?? '';
    const lower = (name ?? '').toLowerCase();
    // Names are case-insensitive and read back capitalised (docs/aws-behaviour.md, "Event notifications: filter rules").
    if (lower !== 'prefix' && lower !== 'suffix') {
      reject(invalidArgument('filter rule name must be either prefix or suffix', { ArgumentName: 'FilterRule.Name', ArgumentValue: name ?? '' }));
    }
    if (seen.has(lower)) {
      // unconfirmed wording; the rule itself is documented ("The same type of filter rule cannot be used more than once").
      reject(invalidArgument(`Cannot specify more than one ${lower} rule in a filter.`, { ArgumentName: 'FilterRule.Name', ArgumentValue: name ?? '' }));
    }
    seen.add(lower);
    if (value.length > 1024) {
      // unconfirmed wording; FilterRule: "The maximum length is 1,024 characters."
      reject(invalidArgument('The filter rule value is too long', { ArgumentName: 'FilterRule.Value', ArgumentValue: value }));
    }
    rules.push({ Name: lower === 'prefix' ? 'Prefix' : 'Suffix', Value: value });
  }
  return rules;
}

const ruleValue = (t: NotificationTarget, name: 'Prefix' | 'Suffix') => t.FilterRules.find((r) => r.Name === name)?.Value ?? '';

/** Two event names overlap when equal or when one is the other's `:*` wildcard. */
function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, e: string) => w.endsWith(':*') && e.startsWith(w.slice(0, -1));
  return covers(a, b) || covers(b, a);
}

/**
 * Two configurations are ambiguous when they share an event type and a key
 * could match both filters: prefixes overlap when one starts with the other,
 * suffixes when one ends with the other; a missing rule matches everything
 * (docs/aws-behaviour.md, "Event notifications: overlapping filters").
 */
export function overlapping(a: NotificationTarget, b: NotificationTarget): boolean {
  if (!a.Events.some((x) => b.Events.some((y) => eventsOverlap(x, y)))) return false;
  const [pa, pb, sa, sb] = [ruleValue(a, 'Prefix'), ruleValue(b, 'Prefix'), ruleValue(a, 'Suffix'), ruleValue(b, 'Suffix')];
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** Does a configuration fire for this event (`s3:Replication:OperationFailedReplication`) on this key? */
export function targetMatches(t: NotificationTarget, event: string, key: string): boolean {
  if (!t.Events.some((e) => eventsOverlap(e, event) && (e === event || e.endsWith(':*')))) return false;
  return key.startsWith(ruleValue(t, 'Prefix')) && key.endsWith(ruleValue(t, 'Suffix'));
}

export interface ValidateContext {
  bucketName: string;
  bucketRegion: string;
  accountId: string;
  skipDestinationValidation: boolean;
  destinations: NotificationDestinations;
}

export function validateNotificationConfig(
  root: string,
  value: XmlValue,
  ctx: ValidateContext,
): { ok: true; config: NotificationConfig } | { ok: false; error: S3ErrorSpec } {
  try {
    return { ok: true, config: parse(root, value, ctx) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.spec };
    throw e;
  }
}

function parse(root: string, value: XmlValue, ctx: ValidateContext): NotificationConfig {
  if (root !== 'NotificationConfiguration') reject(MALFORMED);
  if (value !== '' && !isObject(value)) reject(MALFORMED);
  if (isObject(value) && Object.keys(value).some((k) => !TOP_LEVEL.has(k))) reject(MALFORMED);
  const targets: NotificationTarget[] = [];
  for (const k of KINDS) {
    for (const cfg of children(value, k.element)) {
      if (cfg !== '' && !isObject(cfg)) reject(MALFORMED);
      if (isObject(cfg) && Object.keys(cfg).some((f) => !TARGET_FIELDS.has(f))) reject(MALFORMED);
      const events = children(cfg, 'Event').map((e) => (typeof e === 'string' ? e : ''));
      const arn = text(cfg, k.arnElement);
      if (events.length === 0 || arn === undefined) reject(MALFORMED);
      for (const e of events) if (!NOTIFICATION_EVENTS.has(e)) reject(invalidArgument('The event is not supported for notifications'));
      const FilterRules = parseFilter(cfg);
      const id = text(cfg, 'Id');
      targets.push({ kind: k.kind, Id: id && id !== '' ? id : generatedRuleId(), Arn: arn!, Events: [...new Set(events)], FilterRules });
    }
  }
  // ARNs are parsed even when destination validation is skipped (docs/aws-behaviour.md, "Event notifications: destination validation").
  for (const t of targets) {
    const k = KINDS.find((x) => x.kind === t.kind)!;
    const p = parseDestinationArn(t.Arn);
    if (!p || p.service !== k.service) reject(invalidArgument('The ARN could not be parsed', { ArgumentName: k.arnElement, ArgumentValue: t.Arn }));
  }
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      if (overlapping(targets[i]!, targets[j]!)) {
        reject(
          invalidArgument(
            'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
          ),
        );
      }
    }
  }
  for (const t of targets) {
    const p = parseDestinationArn(t.Arn)!;
    if (p.region !== ctx.bucketRegion) {
      // unconfirmed wording; the rule is documented ("must be in the same AWS Region as your Amazon S3 bucket").
      reject(invalidArgument('The notification destination service region is not valid for the bucket location constraint', { ArgumentName: KINDS.find((x) => x.kind === t.kind)!.arnElement, ArgumentValue: t.Arn }));
    }
  }
  if (!ctx.skipDestinationValidation) {
    const failures: Array<[string, string]> = [];
    for (const arn of [...new Set(targets.map((t) => t.Arn))]) {
      const t = targets.find((x) => x.Arn === arn)!;
      const noun = KINDS.find((x) => x.kind === t.kind)!.noun;
      const check = t.kind === 'Queue' ? ctx.destinations.checkQueue(arn, { bucketName: ctx.bucketName, accountId: ctx.accountId }) : 'missing';
      if (check === 'missing') failures.push([arn, `The destination ${noun} does not exist`]);
      else if (check === 'denied') failures.push([arn, `Permissions on the destination ${noun} do not allow S3 to publish notifications from this bucket`]);
    }
    if (failures.length > 0) {
      const extra: Record<string, string> = {};
      failures.forEach(([arn, why], i) => {
        extra[`ArgumentName${i + 1}`] = arn;
        extra[`ArgumentValue${i + 1}`] = why;
      });
      reject(invalidArgument('Unable to validate the following destination configurations', extra));
    }
  }
  return { targets, eventBridge: isObject(value) && value['EventBridgeConfiguration'] !== undefined };
}

/** The stored document as GetBucketNotificationConfiguration returns it. */
export function notificationConfigNodes(config: NotificationConfig | undefined): XmlNode[] {
  if (!config) return [];
  const nodes: XmlNode[] = [];
  for (const k of KINDS) {
    for (const t of config.targets.filter((x) => x.kind === k.kind)) {
      nodes.push([
        k.element,
        [
          ['Id', t.Id],
          [k.arnElement, t.Arn],
          ...t.Events.map((e): XmlNode => ['Event', e]),
          [
            'Filter',
            t.FilterRules.length > 0
              ? [['S3Key', t.FilterRules.map((r): XmlNode => ['FilterRule', [['Name', r.Name], ['Value', r.Value]]])]]
              : undefined,
          ],
        ],
      ]);
    }
  }
  if (config.eventBridge) nodes.push(['EventBridgeConfiguration', []]);
  return nodes;
}
