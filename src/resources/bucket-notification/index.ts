/**
 * s3repl's entries in a source bucket's notification configuration: where S3
 * sends the replication events that `events:` asks for. The configuration is
 * one document per bucket that every PUT replaces whole (docs/aws-behaviour.md,
 * "Event notifications: one document, replaced on PUT"), shared with other
 * tools: s3repl owns only the entries whose Id starts with `s3repl-`, keeps
 * every other entry exactly as read and the EventBridge setting, and on
 * destroy removes only its own entries.
 *
 * S3 has no conditional PUT for it, so the PUT is guarded by a re-read: the
 * document is read, merged, read again right before the PUT, and merged anew
 * when it changed in between (someone else is editing it).
 *
 * The live value holds s3repl's entries (`entries`) and what other tools have
 * there (`kept`); plan and drift compare only `entries` (`managed`), and
 * `notices` shows the kept entries and flags overlaps S3 would refuse.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type GetBucketNotificationConfigurationCommandOutput,
  type LambdaFunctionConfiguration,
  type NotificationConfiguration,
  type QueueConfiguration,
  type TopicConfiguration,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import { UserError } from '../../errors.js';
import type { ApplyContext, Attrs, Json, Notice, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { BucketRegionError } from '../bucket/index.js';
import { expandBucketNotifications, ID_PREFIX, type DestinationType, type NotificationEntry } from './expand.js';
import { roleGrants } from './grants.js';

export { bucketNotificationAddress, entryId, ID_PREFIX } from './expand.js';
export type { NotificationEntry } from './expand.js';

type Entry = QueueConfiguration | TopicConfiguration | LambdaFunctionConfiguration;

const ours = (e: Entry) => typeof e.Id === 'string' && e.Id.startsWith(ID_PREFIX);

/** The document as S3 returns it, without the response metadata. */
function documentOf(r: GetBucketNotificationConfigurationCommandOutput): NotificationConfiguration {
  const doc: NotificationConfiguration = {};
  if (r.QueueConfigurations?.length) doc.QueueConfigurations = r.QueueConfigurations;
  if (r.TopicConfigurations?.length) doc.TopicConfigurations = r.TopicConfigurations;
  if (r.LambdaFunctionConfigurations?.length) doc.LambdaFunctionConfigurations = r.LambdaFunctionConfigurations;
  if (r.EventBridgeConfiguration) doc.EventBridgeConfiguration = r.EventBridgeConfiguration;
  return doc;
}

async function readDocument(aws: AwsClients, id: ResourceId): Promise<NotificationConfiguration> {
  const r = await aws.s3(id.region!).send(new GetBucketNotificationConfigurationCommand({ Bucket: id.bucket }));
  return documentOf(r);
}

function filterOf(e: Entry): { prefix?: string; suffix?: string } {
  const out: { prefix?: string; suffix?: string } = {};
  for (const r of e.Filter?.Key?.FilterRules ?? []) {
    const name = String(r.Name ?? '').toLowerCase();
    if (name === 'prefix' && r.Value) out.prefix = r.Value;
    if (name === 'suffix' && r.Value) out.suffix = r.Value;
  }
  return out;
}

/** Every entry of a document, in s3repl's shape. */
function entriesOf(doc: NotificationConfiguration): NotificationEntry[] {
  const one = (e: Entry, type: DestinationType, arn: string | undefined): NotificationEntry => ({
    id: e.Id ?? '',
    type,
    arn: arn ?? '',
    events: [...(e.Events ?? [])].map(String).sort(),
    ...filterOf(e),
  });
  return [
    ...(doc.QueueConfigurations ?? []).map((e) => one(e, 'queue', e.QueueArn)),
    ...(doc.TopicConfigurations ?? []).map((e) => one(e, 'topic', e.TopicArn)),
    ...(doc.LambdaFunctionConfigurations ?? []).map((e) => one(e, 'function', e.LambdaFunctionArn)),
  ];
}

/** s3repl's entries in the SDK's shape. */
function toDocument(entries: NotificationEntry[]): NotificationConfiguration {
  const doc: Required<Pick<NotificationConfiguration, 'QueueConfigurations' | 'TopicConfigurations' | 'LambdaFunctionConfigurations'>> = {
    QueueConfigurations: [],
    TopicConfigurations: [],
    LambdaFunctionConfigurations: [],
  };
  for (const e of entries) {
    const base = {
      Id: e.id,
      Events: e.events as never[],
      ...(e.prefix ? { Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: e.prefix }] } } } : {}),
    };
    if (e.type === 'queue') doc.QueueConfigurations.push({ ...base, QueueArn: e.arn });
    else if (e.type === 'topic') doc.TopicConfigurations.push({ ...base, TopicArn: e.arn });
    else doc.LambdaFunctionConfigurations.push({ ...base, LambdaFunctionArn: e.arn });
  }
  return doc;
}

/**
 * An entry as it is sent back: S3 reads filter rule names back as `Prefix` /
 * `Suffix` but its API model spells them `prefix` / `suffix`, and S3 takes
 * them in any case (docs/aws-behaviour.md, "Event notifications: filter
 * rules"): the names are lowercased, nothing else changes.
 */
function asSent<T extends Entry>(e: T): T {
  const rules = e.Filter?.Key?.FilterRules;
  if (!rules) return e;
  return { ...e, Filter: { ...e.Filter, Key: { ...e.Filter!.Key, FilterRules: rules.map((r) => ({ ...r, Name: String(r.Name ?? '').toLowerCase() as 'prefix' | 'suffix' })) } } };
}

/** The document with s3repl's entries replaced by `entries`; every other entry and EventBridge kept as read. */
export function mergeDocument(before: NotificationConfiguration, entries: NotificationEntry[]): NotificationConfiguration {
  const mine = toDocument(entries);
  const keep = <T extends Entry>(list: T[] | undefined, add: T[]): T[] | undefined => {
    const all = [...(list ?? []).filter((e) => !ours(e)).map(asSent), ...add];
    return all.length ? all : undefined;
  };
  const next: NotificationConfiguration = {};
  const q = keep(before.QueueConfigurations, mine.QueueConfigurations!);
  const t = keep(before.TopicConfigurations, mine.TopicConfigurations!);
  const l = keep(before.LambdaFunctionConfigurations, mine.LambdaFunctionConfigurations!);
  if (t) next.TopicConfigurations = t;
  if (q) next.QueueConfigurations = q;
  if (l) next.LambdaFunctionConfigurations = l;
  if (before.EventBridgeConfiguration) next.EventBridgeConfiguration = before.EventBridgeConfiguration;
  return next;
}

/** Two event names overlap when equal or when one is the other's `:*` wildcard (docs/aws-behaviour.md, "Event notifications: overlapping filters"). */
function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const wild = (w: string, x: string) => w.endsWith(':*') && x.startsWith(w.slice(0, -1));
  return wild(a, b) || wild(b, a);
}

/** Whether one key could match both filters: prefixes overlap (one starts with the other) and suffixes overlap (one ends with the other). */
export function entriesOverlap(a: NotificationEntry, b: NotificationEntry): boolean {
  if (!a.events.some((x) => b.events.some((y) => eventsOverlap(x, y)))) return false;
  const pa = a.prefix ?? '';
  const pb = b.prefix ?? '';
  const sa = a.suffix ?? '';
  const sb = b.suffix ?? '';
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

async function writeOurs(ctx: ApplyContext, id: ResourceId, entries: NotificationEntry[]): Promise<void> {
  const aws = ctx.aws.in(id.account);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await readDocument(aws, id);
    const next = mergeDocument(before, entries);
    const again = await readDocument(aws, id);
    if (JSON.stringify(again) !== JSON.stringify(before)) {
      ctx.log(`the notification configuration of ${id.bucket} changed while s3repl merged its entries; merging again`);
      continue;
    }
    if (JSON.stringify(next) === JSON.stringify(before)) return;
    await aws.s3(id.region!).send(new PutBucketNotificationConfigurationCommand({ Bucket: id.bucket, NotificationConfiguration: next }));
    return;
  }
  throw new UserError(
    `the notification configuration of ${id.bucket} kept changing while s3repl merged its entries into it`,
    'someone else is editing it: run apply again once they are done',
  );
}

const normEntry = (e: NotificationEntry): NotificationEntry => ({
  id: e.id,
  type: e.type,
  arn: e.arn,
  events: [...e.events].sort(),
  ...(e.prefix ? { prefix: e.prefix } : {}),
  ...(e.suffix ? { suffix: e.suffix } : {}),
});
const normList = (v: unknown): NotificationEntry[] => ((Array.isArray(v) ? v : []) as NotificationEntry[]).map(normEntry).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const describeEntry = (e: NotificationEntry): string =>
  `${e.id || '(no id)'} → ${e.type} ${e.arn} (${e.events.join(', ')}${e.prefix ? `, prefix "${e.prefix}"` : ''}${e.suffix ? `, suffix "${e.suffix}"` : ''})`;

export const bucketNotification: ResourceKind = {
  kind: 'bucket-notification',
  phase: 5,
  doc: {
    address: '`bucket-notification.SOURCE`',
    resource: "s3repl's entries in the notification configuration of a source bucket whose replication has `events:`",
    notes: 'entries with an Id starting `s3repl-`, merged into the existing configuration; other entries and EventBridge kept; removed on destroy',
  },
  describe: (id) => `s3repl's replication event notifications of s3://${id.bucket} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandBucketNotifications,
  roleGrants,
  normalize: (a) => {
    const out: Attrs = { entries: normList(a.entries) as unknown as Json };
    const kept = a.kept as { entries?: unknown; eventBridge?: boolean } | undefined;
    if (kept) out.kept = { entries: normList(kept.entries) as unknown as Json, eventBridge: Boolean(kept.eventBridge) };
    return out;
  },
  managed: (live) => ((live.entries as unknown[] | undefined)?.length ? { entries: live.entries! } : null),
  notices({ address, live, desired }) {
    if (!live) return [];
    const kept = normList((live.kept as { entries?: unknown } | undefined)?.entries);
    const eventBridge = Boolean((live.kept as { eventBridge?: boolean } | undefined)?.eventBridge);
    const out: Notice[] = [];
    if (kept.length || eventBridge) {
      out.push({
        level: 'info',
        address,
        message: `keeps ${kept.length} notification entr${kept.length === 1 ? 'y' : 'ies'} of other tools${eventBridge ? ' and the EventBridge setting' : ''}: s3repl changes only its own (Id s3repl-…)`,
        ...(kept.length ? { detail: kept.map(describeEntry).join('\n') } : {}),
      });
    }
    for (const mine of normList(desired?.entries)) {
      for (const other of kept) {
        if (!entriesOverlap(mine, other)) continue;
        out.push({
          level: 'warning',
          address,
          message: `S3 will refuse the notification configuration: s3repl's entry ${mine.id} and another tool's entry ${other.id || '(no id)'} share an event type on overlapping keys ("Configuration is ambiguously defined")`,
          detail: `${describeEntry(mine)}\n${describeEntry(other)}\nSend those events to one destination, or narrow one entry's prefix so the two cannot match the same key.`,
        });
      }
    }
    return out;
  },
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      try {
        const doc = await readDocument(ctx.aws.in(id.account), id);
        const all = entriesOf(doc);
        return {
          entries: all.filter((e) => e.id.startsWith(ID_PREFIX)) as unknown as Json,
          kept: { entries: all.filter((e) => !e.id.startsWith(ID_PREFIX)) as unknown as Json, eventBridge: Boolean(doc.EventBridgeConfiguration) },
        };
      } catch (e) {
        if (isAwsError(e, 'NoSuchBucket')) return null;
        throw BucketRegionError.wrap(e, id.bucket!, id.region!);
      }
    });
  },
  async create(ctx, r) {
    await writeOurs(ctx, r.id, normList(r.attributes.entries));
  },
  async update(ctx, r) {
    await writeOurs(ctx, r.id, normList(r.attributes.entries));
  },
  async delete(ctx, _address, id) {
    try {
      await writeOurs(ctx, id, []);
    } catch (e) {
      if (!isAwsError(e, 'NoSuchBucket')) throw e;
    }
  },
};
