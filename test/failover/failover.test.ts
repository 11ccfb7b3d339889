/** The pure decisions of `s3repl failover`: which routes change, and whether the new active Region has caught up. */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { failoverUpdates, judgeReadiness, type Backlog } from '../../src/failover/index.js';
import { meshRuleId } from '../../src/config/mesh.js';

const config = loadConfigText(
  `version: 1
defaults: { region: us-east-1 }
buckets:
  aaa: {}
  bbb: { region: eu-west-1 }
  ccc: { region: ap-southeast-2 }
roles: { r: { name: r } }
multiRegionAccessPoints:
  mmm: { buckets: [aaa, bbb, ccc], role: r, mesh: true }
`,
  '/tmp/replication.yaml',
).config!;
const ap = config.multiRegionAccessPoints.mmm!;

const routes = [
  { bucket: 'aaa', region: 'us-east-1', percent: 100 },
  { bucket: 'bbb', region: 'eu-west-1', percent: 0 },
  { bucket: 'ccc', region: 'ap-southeast-2', percent: 0 },
];

describe('failoverUpdates', () => {
  it('makes the target the only active Region, sending only what changes', () => {
    expect(failoverUpdates(routes, 'eu-west-1')).toEqual([
      { bucket: 'aaa', region: 'us-east-1', percent: 0 },
      { bucket: 'bbb', region: 'eu-west-1', percent: 100 },
    ]);
    expect(failoverUpdates(routes, 'us-east-1')).toEqual([]);
  });
  it('refuses a Region that is not a member', () => {
    expect(() => failoverUpdates(routes, 'us-west-2')).toThrow('us-west-2 is not a Region of this access point');
  });
});

describe('judgeReadiness', () => {
  const into = (to: string, patch: Partial<Backlog> = {}): Backlog[] =>
    ['aaa', 'bbb', 'ccc']
      .filter((s) => s !== to)
      .map((s) => ({ source: s, destination: to, ruleId: meshRuleId('mmm', to), enabled: true, metrics: true, pendingBytes: 0, latencySeconds: 3, ...patch }));
  const limits = { maxPendingBytes: 0, maxLatencySeconds: 900 };

  it('is ready when every other member replicates into the target with nothing pending and latency within bounds', () => {
    const r = judgeReadiness(ap, config, 'eu-west-1', into('bbb'), limits);
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.checked).toEqual([
      `aaa → bbb (rule ${meshRuleId('mmm', 'bbb')}): 0 bytes pending, latency up to 3 s`,
      `ccc → bbb (rule ${meshRuleId('mmm', 'bbb')}): 0 bytes pending, latency up to 3 s`,
    ]);
  });

  it('no datapoints (nothing written lately) is not a backlog', () => {
    expect(judgeReadiness(ap, config, 'eu-west-1', into('bbb', { pendingBytes: null, latencySeconds: null }), limits).ok).toBe(true);
  });

  it('refuses pending bytes, high latency, missing metrics and a member that does not replicate into the target', () => {
    expect(judgeReadiness(ap, config, 'eu-west-1', into('bbb', { pendingBytes: 5 }), limits).problems).toEqual([
      `aaa → bbb (rule ${meshRuleId('mmm', 'bbb')}) has 5 bytes pending replication (more than 0)`,
      `ccc → bbb (rule ${meshRuleId('mmm', 'bbb')}) has 5 bytes pending replication (more than 0)`,
    ]);
    expect(judgeReadiness(ap, config, 'eu-west-1', into('bbb', { latencySeconds: 1200 }), limits).problems[0]).toContain('latency reached 1200 s (more than 900 s)');
    expect(judgeReadiness(ap, config, 'eu-west-1', into('bbb', { metrics: false }), limits).problems[0]).toContain('publishes no replication metrics');
    const onlyFromA = into('bbb').filter((x) => x.source === 'aaa');
    expect(judgeReadiness(ap, config, 'eu-west-1', onlyFromA, limits).problems).toEqual([
      'nothing replicates ccc → bbb: objects written in ap-southeast-2 are missing in eu-west-1 (use mesh: true)',
    ]);
    const disabled = into('bbb').map((x) => (x.source === 'ccc' ? { ...x, enabled: false } : x));
    expect(judgeReadiness(ap, config, 'eu-west-1', disabled, limits).ok).toBe(false);
  });
});
