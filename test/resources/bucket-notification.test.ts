/**
 * The bucket-notification kind without AWS: what `events:` expands into, how
 * s3repl's entries are merged into a document other tools also write, and what
 * the plan says about the entries it keeps and the overlaps S3 would refuse.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { desiredResources } from '../../src/engine/desired.js';
import { bucketNotification, entriesOverlap, mergeDocument, type NotificationEntry } from '../../src/resources/bucket-notification/index.js';
import { rolePolicy, rolesUses } from '../../src/resources/role/policy.js';

const ACCOUNT = '111122223333';
const Q = `arn:aws:sqs:us-east-1:${ACCOUNT}:repl-failures`;

function expand(events: string) {
  const r = loadConfigText(
    `version: 1
defaults: { region: us-east-1 }
buckets:
  src: { create: true }
  dst: { region: us-west-2 }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: logs
        priority: 1
        filter: { prefix: logs/ }
        destination: { bucket: dst }
      - id: img
        priority: 2
        filter: { prefix: img/ }
        destination: { bucket: dst }
    events:
${events}`,
    '/project/replication.yaml',
  );
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return desiredResources(r.config!, { accountId: ACCOUNT, lineage: 'L' });
}

describe('expand', () => {
  it('makes one resource per source with one s3repl- entry per destination and prefix', () => {
    const { resources, notices } = expand(`      - types: [failed, notTracked]\n        queue: ${Q}\n        rules: [logs, img]\n`);
    const n = resources.find((r) => r.kind === 'bucket-notification')!;
    expect(n.address).toBe('bucket-notification.src');
    expect(n.id).toEqual({ bucket: 'src', region: 'us-east-1' });
    expect(n.dependsOn).toEqual(['bucket.src']);
    const entries = n.attributes.entries as unknown as NotificationEntry[];
    expect(entries.map((e) => [e.type, e.arn, e.prefix, e.events])).toEqual(
      expect.arrayContaining([
        ['queue', Q, 'img/', ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationNotTracked']],
        ['queue', Q, 'logs/', ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationNotTracked']],
      ]),
    );
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e.id).toMatch(/^s3repl-replication-[0-9a-f]{12}$/);
    // Metrics were turned on for both rules, and the plan says so.
    const replication = resources.find((r) => r.kind === 'replication')!;
    expect(JSON.stringify(replication.attributes)).toContain('"metrics":true');
    expect(notices.filter((x) => x.message.startsWith('replication metrics turned on')).map((x) => x.message)).toEqual([
      expect.stringContaining('rule logs of src'),
      expect.stringContaining('rule img of src'),
    ]);
  });

  it('gives the same Ids for the same entries, and different ones when the entry changes', () => {
    const a = expand(`      - types: [failed]\n        queue: ${Q}\n`).resources.find((r) => r.kind === 'bucket-notification')!;
    const b = expand(`      - types: [failed]\n        queue: ${Q}\n`).resources.find((r) => r.kind === 'bucket-notification')!;
    const c = expand(`      - types: [failed, notTracked]\n        queue: ${Q}\n`).resources.find((r) => r.kind === 'bucket-notification')!;
    expect(a.attributes).toEqual(b.attributes);
    expect((a.attributes.entries as unknown as NotificationEntry[])[0]!.id).not.toBe((c.attributes.entries as unknown as NotificationEntry[])[0]!.id);
  });
});

const foreignQueue = {
  Id: 'thumbnails',
  QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:thumbs`,
  Events: ['s3:ObjectCreated:*' as const],
  Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'img/' }] } },
};
const mine: NotificationEntry = { id: 's3repl-replication-aaaaaaaaaaaa', type: 'queue', arn: Q, events: ['s3:Replication:OperationFailedReplication'] };

describe('the role', () => {
  const policyOf = (yaml: string) => {
    const c = loadConfigText(yaml, '/project/replication.yaml').config!;
    return JSON.stringify(rolePolicy(rolesUses(c).get('r')!, c).document);
  };
  const base = `version: 1
defaults: { region: us-east-1 }
buckets: { src: {}, dst: { region: us-west-2 }, reports: {} }
roles: { r: { name: repl } }
jobs: { reportBucket: reports }
replications:
  - source: src
    role: r
    rules: [{ id: a, metrics: true, destination: { bucket: dst } }]
`;
  it('may read the retry manifests when failure events go to a queue, and only then', () => {
    const manifests = 'arn:aws:s3:::reports/s3repl/batch-reports/manifests/*';
    expect(policyOf(`${base}    events: [{ types: [failed], queue: "${Q}" }]\n`)).toContain(manifests);
    expect(policyOf(base)).not.toContain('manifests');
  });
});

describe('createQueue', () => {
  it('makes a queue resource with one send statement per source, which the notification waits for', () => {
    const { resources } = expand(`      - types: [failed]\n        queue: ${Q}\n        createQueue: true\n`);
    const q = resources.find((r) => r.kind === 'sqs-queue')!;
    expect(q.address).toBe('sqs-queue.repl-failures');
    expect(q.id).toEqual({ name: 'repl-failures', region: 'us-east-1' });
    expect(q.attributes.statements).toEqual([
      {
        Sid: expect.stringMatching(/^S3replSendFrom[0-9a-f]{12}$/),
        Effect: 'Allow',
        Principal: { Service: ['s3.amazonaws.com'] },
        Action: ['sqs:SendMessage'],
        Resource: [Q],
        Condition: { ArnLike: { 'aws:SourceArn': ['arn:aws:s3:*:*:src'] }, StringEquals: { 'aws:SourceAccount': [ACCOUNT] } },
      },
    ]);
    expect(resources.find((r) => r.kind === 'bucket-notification')!.dependsOn).toEqual(['bucket.src', 'sqs-queue.repl-failures']);
  });

  it('leaves a queue in an account it cannot reach to its owners, and does not wait for it', () => {
    const other = 'arn:aws:sqs:us-east-1:999999999999:elsewhere';
    const { resources, notices } = expand(`      - types: [failed]\n        queue: ${other}\n        createQueue: true\n`);
    expect(resources.some((r) => r.kind === 'sqs-queue')).toBe(false);
    expect(resources.find((r) => r.kind === 'bucket-notification')!.dependsOn).toEqual(['bucket.src']);
    expect(notices.some((n) => n.level === 'warning' && n.message.includes('s3repl cannot create it'))).toBe(true);
  });

  it('is refused on a topic', () => {
    const r = loadConfigText(
      `version: 1
defaults: { region: us-east-1 }
buckets: { src: {}, dst: { region: us-west-2 } }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules: [{ id: a, destination: { bucket: dst } }]
    events:
      - types: [failed]
        topic: arn:aws:sns:us-east-1:${ACCOUNT}:t
        createQueue: true
`,
      '/project/replication.yaml',
    );
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual(['12:22 create-queue-without-queue']);
  });
});

describe('mergeDocument', () => {
  it("keeps other tools' entries and EventBridge exactly, and replaces only s3repl's", () => {
    const before = {
      QueueConfigurations: [foreignQueue, { Id: 's3repl-replication-old000000000', QueueArn: Q, Events: ['s3:Replication:OperationNotTracked' as const] }],
      LambdaFunctionConfigurations: [{ Id: 'indexer', LambdaFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:index`, Events: ['s3:ObjectRemoved:*' as const] }],
      EventBridgeConfiguration: {},
    };
    const next = mergeDocument(before, [mine]);
    expect(next.QueueConfigurations).toEqual([foreignQueue, { Id: mine.id, QueueArn: Q, Events: mine.events }]);
    expect(next.LambdaFunctionConfigurations).toEqual(before.LambdaFunctionConfigurations);
    expect(next.EventBridgeConfiguration).toEqual({});
    // Destroy: only s3repl's entries go.
    const gone = mergeDocument(next, []);
    expect(gone).toEqual({ QueueConfigurations: [foreignQueue], LambdaFunctionConfigurations: before.LambdaFunctionConfigurations, EventBridgeConfiguration: {} });
  });

  it('writes a prefix filter for a rule-scoped entry', () => {
    const next = mergeDocument({}, [{ ...mine, prefix: 'logs/' }]);
    expect(next.QueueConfigurations![0]!.Filter).toEqual({ Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] } });
  });
});

describe('overlaps S3 would refuse', () => {
  const other = (o: Partial<NotificationEntry>): NotificationEntry => ({ id: 'other', type: 'topic', arn: 'arn:aws:sns:us-east-1:1:t', events: ['s3:Replication:*'], ...o });
  it('sees a wildcard, equal events, and overlapping prefixes and suffixes', () => {
    expect(entriesOverlap(mine, other({}))).toBe(true);
    expect(entriesOverlap({ ...mine, prefix: 'logs/' }, other({ prefix: 'logs/app/' }))).toBe(true);
    expect(entriesOverlap({ ...mine, prefix: 'logs/' }, other({ prefix: 'img/' }))).toBe(false);
    expect(entriesOverlap(mine, other({ events: ['s3:ObjectCreated:*'] }))).toBe(false);
    expect(entriesOverlap(mine, other({ events: ['s3:Replication:OperationFailedReplication'], suffix: '.jpg' }))).toBe(true);
  });

  it('the plan lists the kept entries and warns about an overlap', () => {
    const live = bucketNotification.normalize({
      entries: [],
      kept: { entries: [{ id: 'audit', type: 'topic', arn: 'arn:aws:sns:us-east-1:1:audit', events: ['s3:Replication:*'] }, { id: 'thumbnails', type: 'queue', arn: foreignQueue.QueueArn, events: ['s3:ObjectCreated:*'], prefix: 'img/' }], eventBridge: true },
    } as never);
    const notices = bucketNotification.notices!({ address: 'bucket-notification.src', id: { bucket: 'src', region: 'us-east-1' }, live, desired: { entries: [mine] as never } });
    expect(notices[0]).toMatchObject({ level: 'info', message: expect.stringContaining('keeps 2 notification entries of other tools and the EventBridge setting') });
    expect(notices[0]!.detail).toContain('thumbnails → queue');
    expect(notices.slice(1)).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining("another tool's entry audit") })]);
    // s3repl's part alone is what plan and drift compare.
    expect(bucketNotification.managed!(live)).toBeNull();
  });
});
