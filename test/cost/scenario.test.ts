/**
 * The cost estimate reads a plan through the kinds' cost facts: the live rules
 * (with the alarms that watch them and the backfills that covered them), the
 * backfills the plan starts, and the buckets it creates.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { backfillsFromPlan, bucketsCreated, specsFromPlan } from '../../src/cost/scenario.js';
import type { Plan, ResourceChange } from '../../src/engine/types.js';
import type { Attrs, KindName } from '../../src/resources/types.js';

const config = loadConfigText(
  `
version: 1
defaults: { region: us-east-1 }
buckets:
  src: {}
  dst: { region: us-west-2, create: true }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: all
        destination: { bucket: dst }
`,
  'test.yaml',
).config!;

const change = (kind: string, action: ResourceChange['action'], id: Record<string, string>, before: Attrs | null, after: Attrs | null): ResourceChange => ({
  address: `${kind}.x`,
  kind: kind as KindName,
  action,
  id,
  before,
  after,
  changes: [],
  reasons: [],
  dependsOn: [],
});

const rule = { priority: 1, status: 'Enabled', filter: { prefix: 'logs/', tags: {} }, destination: { bucket: 'arn:aws:s3:::dst', storageClass: 'GLACIER_IR' }, rtc: true, metrics: true, sseKmsEncryptedObjects: false };
const job = { token: 't', source: 'src', rules: ['all'] };
const plan = (changes: ResourceChange[]) => ({ changes }) as unknown as Plan;

describe('cost scenario from a plan', () => {
  it('counts the alarms and the earlier backfill of each live rule', () => {
    const p = plan([
      change('replication', 'update', { bucket: 'src', region: 'us-east-1' }, { role: 'arn', format: 'V2', rules: { all: rule } }, null),
      change('alarm', 'no-op', { alarmName: 'a', region: 'us-east-1' }, { dimensions: { SourceBucket: 'src', RuleId: 'all', DestinationBucket: 'dst' } }, null),
      change('alarm', 'no-op', { alarmName: 'b', region: 'us-west-2' }, { dimensions: { SourceBucket: 'src', RuleId: 'all', DestinationBucket: 'dst' } }, null),
      change('job', 'no-op', { token: 't', region: 'us-east-1' }, job, job),
    ]);
    expect(specsFromPlan(p, config)).toEqual([
      {
        source: 'src',
        sourceRegion: 'us-east-1',
        ruleId: 'all',
        destination: 'dst',
        destinationRegion: 'us-west-2',
        storageClass: 'GLACIER_IR',
        enabled: true,
        rtc: true,
        metrics: true,
        sseKms: false,
        filter: { prefix: 'logs/', tags: {} },
        usageShare: null,
        alarms: 2,
        backfilled: true,
      },
    ]);
    // A job that already ran starts nothing.
    expect(backfillsFromPlan(p)).toEqual([]);
  });

  it("uses the configuration's usageShare for a live rule only when the live rule filters the same way", () => {
    const shared = (prefix: string) =>
      loadConfigText(
        `
version: 1
defaults: { region: us-east-1 }
buckets:
  src: {}
  dst: { region: us-west-2, create: true }
roles: { r: { name: repl } }
replications:
  - source: src
    role: r
    rules:
      - id: all
        filter: { prefix: ${prefix} }
        usageShare: 0.3
        destination: { bucket: dst }
`,
        'test.yaml',
      ).config!;
    const p = plan([change('replication', 'update', { bucket: 'src', region: 'us-east-1' }, { role: 'arn', format: 'V2', rules: { all: rule } }, null)]);
    // Live filter logs/, configured logs/: the share describes the live rule too.
    expect(specsFromPlan(p, shared('logs/'))[0]!.usageShare).toBe(0.3);
    // The plan changes the filter to app/: the share says nothing about the live logs/ rule.
    expect(specsFromPlan(p, shared('app/'))[0]!.usageShare).toBeNull();
  });

  it('prices the backfills the plan starts (a job recorded per rule too) and knows the buckets it creates are empty', () => {
    const p = plan([
      change('bucket', 'create', { bucket: 'dst', region: 'us-west-2' }, null, { region: 'us-west-2' }),
      change('bucket', 'no-op', { bucket: 'src', region: 'us-east-1' }, { region: 'us-east-1' }, { region: 'us-east-1' }),
      change('job', 'create', { token: 't', region: 'us-east-1' }, null, job),
      change('job', 'replace', { token: 'u', region: 'us-east-1' }, null, { token: 'u', source: 'src', ruleId: 'old' }),
    ]);
    expect(backfillsFromPlan(p)).toEqual([
      { source: 'src', ruleId: 'all' },
      { source: 'src', ruleId: 'old' },
    ]);
    expect([...bucketsCreated(p)]).toEqual(['dst']);
  });
});
