/**
 * An SQS queue for replication events that s3repl creates (`createQueue:
 * true`), and s3repl's statements in its access policy. Like a bucket policy,
 * the policy is merged by Sid (`S3replSendFrom…`): other statements are kept,
 * and the policy is read again right before it is written. s3repl never
 * deletes the queue: it may hold events not yet recorded.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import { UserError } from '../../errors.js';
import { normalizePolicy, type PolicyDocument } from '../policy-doc.js';
import type { ApplyContext, DesiredResource, Json, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { expandQueues, QUEUE_SID_PREFIX } from './expand.js';

export { queueAddress } from './expand.js';

type RawStatement = Record<string, unknown>;
const ours = (s: RawStatement) => typeof s.Sid === 'string' && s.Sid.startsWith(QUEUE_SID_PREFIX);
const missing = (e: unknown) => isAwsError(e, 'QueueDoesNotExist') || isAwsError(e, 'AWS.SimpleQueueService.NonExistentQueue');

async function queueUrl(aws: AwsClients, id: ResourceId): Promise<string | null> {
  try {
    const r = await aws.sqs(id.region!).send(new GetQueueUrlCommand({ QueueName: id.name, ...(id.account ? { QueueOwnerAWSAccountId: id.account } : {}) }));
    return r.QueueUrl ?? null;
  } catch (e) {
    if (missing(e)) return null;
    throw e;
  }
}

/** The queue's policy as stored ('' when it has none), or null when the queue does not exist. */
async function readPolicy(aws: AwsClients, id: ResourceId, url: string): Promise<{ text: string; doc: { Version?: string; Statement: RawStatement[] } } | null> {
  try {
    const r = await aws.sqs(id.region!).send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
    const text = r.Attributes?.Policy ?? '';
    const parsed = text ? (JSON.parse(text) as { Version?: string; Statement?: unknown }) : {};
    const st = parsed.Statement;
    return { text, doc: { ...parsed, Statement: (Array.isArray(st) ? st : st ? [st] : []) as RawStatement[] } };
  } catch (e) {
    if (missing(e)) return null;
    throw e;
  }
}

async function put(ctx: ApplyContext, r: DesiredResource): Promise<void> {
  const id = r.id;
  const aws = ctx.aws.in(id.account);
  const statements = ((r.attributes.statements ?? []) as unknown as RawStatement[]).map((s) => ({ ...s }));
  const url = await queueUrl(aws, id);
  if (!url) {
    await aws.sqs(id.region!).send(new CreateQueueCommand({ QueueName: id.name, Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) } }));
    return;
  }
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await readPolicy(aws, id, url);
    const foreign = (before?.doc.Statement ?? []).filter((s) => !ours(s));
    const next = { ...(before?.doc ?? {}), Version: before?.doc.Version ?? '2012-10-17', Statement: [...foreign, ...statements] };
    const again = await readPolicy(aws, id, url);
    if ((again?.text ?? null) !== (before?.text ?? null)) {
      ctx.log(`the access policy of queue ${id.name} changed while s3repl merged its statements; merging again`);
      continue;
    }
    await aws.sqs(id.region!).send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(next) } }));
    return;
  }
  throw new UserError(`the access policy of queue ${id.name} kept changing while s3repl merged its statements into it`, 'someone else is editing it: run apply again once they are done');
}

export const queue: ResourceKind = {
  kind: 'sqs-queue',
  phase: 4,
  doc: {
    address: '`sqs-queue.NAME`',
    resource: 'an SQS queue for replication events that `events:` asks s3repl to create (`createQueue: true`), with the statements letting S3 send to it',
    notes: 'statements merged by `Sid` (`S3replSendFrom…`) into its access policy, other statements kept; never deleted (it may hold events not yet recorded)',
  },
  describe: (id) => `SQS queue ${id.name} (${id.region}${id.account ? `, account ${id.account}` : ''})`,
  expand: expandQueues,
  normalize: (a) => ({ statements: normalizePolicy({ Statement: (a.statements ?? []) as unknown }).Statement as unknown as Json }),
  iam: {
    policy: 'permissions',
    document: (a) => (Array.isArray(a.statements) ? ({ Version: '2012-10-17', Statement: a.statements } as unknown as PolicyDocument) : null),
    role: (address) => ({ address, roleName: 'queue policy' }),
  },
  neverDelete: 'an SQS queue may hold replication events not yet recorded: s3repl leaves it and its policy in place (delete it by hand once s3repl failures has emptied it)',
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const aws = ctx.aws.in(id.account);
      const url = await queueUrl(aws, id);
      if (!url) return null;
      const policy = await readPolicy(aws, id, url);
      if (!policy) return null;
      const mine = policy.doc.Statement.filter(ours);
      return mine.length > 0 ? { statements: mine as unknown as Json } : null;
    });
  },
  create: async (ctx, r) => put(ctx, r),
  update: async (ctx, r) => put(ctx, r),
  async delete() {
    // neverDelete: a queue leaving the configuration is only forgotten.
  },
};
