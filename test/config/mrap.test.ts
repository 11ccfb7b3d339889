/**
 * `multiRegionAccessPoints:`: schema, defaults, the generated two-way mesh
 * and AWS's rules, with line:column.
 */
import { describe, expect, it } from 'vitest';
import { meshRuleId, withMeshes } from '../../src/config/mesh.js';
import { mrapNameProblem } from '../../src/config/mrap-rules.js';
import type { BucketConfig, MultiRegionAccessPointConfig, ReplicationConfig } from '../../src/config/types.js';
import { brief, load } from './helpers.js';

/** Lines: 4 use1, 5 euw1, 6 apse2, 7 use1b; 10 global:, 11 buckets, 12 role, 13 mesh. */
const BASE = `version: 1
defaults: { region: us-east-1 }
buckets:
  media-use1: {}
  media-euw1: { region: eu-west-1 }
  media-apse2: { region: ap-southeast-2 }
  media-use1b: {}
roles: { mesh: { name: mesh-replication } }
multiRegionAccessPoints:
  global:
    buckets: [media-use1, media-euw1, media-apse2]
    role: mesh
    mesh: true
`;

const line = (n: number, text: string, base = BASE): string => {
  const lines = base.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
};

describe('mesh: true', () => {
  it('generates a rule from every member to every other, with replica modification sync, delete markers, RTC and metrics', () => {
    const r = load(BASE);
    expect(r.diagnostics).toEqual([]);
    const reps = r.config!.replications;
    expect(reps.map((x) => x.source)).toEqual(['media-use1', 'media-euw1', 'media-apse2']);
    for (const rep of reps) {
      expect(rep.role).toBe('mesh');
      expect(rep.origin).toEqual(['multiRegionAccessPoints', 'global', 'mesh']);
      const others = ['media-use1', 'media-euw1', 'media-apse2'].filter((b) => b !== rep.source);
      expect(rep.rules.map((x) => x.destination.bucket)).toEqual(others);
      expect(rep.rules.map((x) => x.id)).toEqual(others.map((d) => meshRuleId('global', d)));
      expect(rep.rules.map((x) => x.priority)).toEqual([1, 2]);
      for (const rule of rep.rules) {
        expect(rule).toMatchObject({ status: 'enabled', replicaModifications: true, deleteMarkers: true, rtc: true, metrics: true, filter: { tags: {} } });
        expect(rule.alarms).toBeUndefined();
      }
    }
    const ap = r.config!.multiRegionAccessPoints.global!;
    expect(ap.publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    expect(ap.routes).toBeUndefined();
  });

  it('a mapping turns settings off and asks for alarms on every generated rule', () => {
    const r = load(line(13, '    mesh: { rtc: false, deleteMarkers: false, alarms: { latencySeconds: 900, failedOperations: 1 } }'));
    expect(r.diagnostics).toEqual([]);
    for (const rep of r.config!.replications) {
      for (const rule of rep.rules) {
        expect(rule).toMatchObject({ rtc: false, metrics: true, deleteMarkers: false, replicaModifications: true });
        expect(rule.alarms).toEqual({ latencySeconds: 900, failedOperations: 1, notify: [], notifyFrom: 'alarms' });
      }
    }
  });

  it('mesh: false, or no mesh, generates nothing', () => {
    expect(load(line(13, '    mesh: false')).config!.replications).toEqual([]);
    expect(load(line(13, '')).config!.replications).toEqual([]);
  });

  it('merges into a member\'s own replications entry, after its rules, with the next priorities', () => {
    const text = `${BASE}replications:
  - source: media-use1
    role: mesh
    rules:
      - id: archive
        priority: 7
        destination: { bucket: media-use1b }
`;
    const r = load(text);
    // Replicas that reach media-use1 from the mesh do not go on to media-use1b: S3 does not replicate replicas.
    expect(new Set(brief(r))).toEqual(new Set(['20:32 warning[chained-replication]']));
    const use1 = r.config!.replications.filter((x) => x.source === 'media-use1');
    expect(use1).toHaveLength(1);
    expect(use1[0]!.origin).toBeUndefined();
    expect(use1[0]!.rules.map((x) => [x.id, x.priority])).toEqual([
      ['archive', 7],
      [meshRuleId('global', 'media-euw1'), 8],
      [meshRuleId('global', 'media-apse2'), 9],
    ]);
  });

  it('withMeshes is pure: the input entries are not changed', () => {
    const buckets: Record<string, BucketConfig> = {
      a: { name: 'a', region: 'us-east-1', create: false, objectLock: false, bucketKey: false },
      b: { name: 'b', region: 'eu-west-1', create: false, objectLock: false, bucketKey: false, account: '222222222222' },
    };
    const written: ReplicationConfig[] = [{ source: 'a', role: 'r', rules: [] }];
    const aps: Record<string, MultiRegionAccessPointConfig> = {
      x: {
        name: 'x',
        buckets: ['a', 'b', 'missing'],
        role: 'r',
        mesh: { replicaModifications: true, deleteMarkers: true, rtc: true, metrics: true },
        publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      },
    };
    const out = withMeshes(written, aps, buckets);
    expect(written[0]!.rules).toEqual([]);
    expect(out.map((x) => [x.source, x.rules.map((r) => r.destination)])).toEqual([
      ['a', [{ bucket: 'b', account: '222222222222', ownerOverride: false }]],
      ['b', [{ bucket: 'a', ownerOverride: false }]],
    ]);
  });
});

describe('a valid access point', () => {
  it('has no diagnostics: s3repl creates the access point, its policy and routes', () => {
    const r = load(BASE);
    expect(brief(r)).toEqual([]);
    expect(r.config).toBeDefined();
  });
});

describe('rules, located', () => {
  it('one bucket per Region', () => {
    const r = load(line(11, '    buckets: [media-use1, media-euw1, media-use1b]'));
    expect(brief(r)).toEqual(['11:39 error[mrap-one-bucket-per-region]']);
    expect(r.diagnostics[0]!.message).toContain('media-use1" and "media-use1b" are both in us-east-1');
  });

  it('names AWS would reject, at the key', () => {
    for (const bad of ['ab', 'Global', 'glo_bal', 'glo.bal', '-global', 'global-', 'x'.repeat(51)]) {
      expect(brief(load(line(10, `  ${JSON.stringify(bad)}:`))), bad).toEqual(['10:3 error[invalid-mrap-name]']);
    }
    expect(mrapNameProblem('media-2026')).toBeUndefined();
  });

  it('unknown and repeated buckets, unknown role, mesh without role', () => {
    expect(brief(load(line(11, '    buckets: [media-use1, media-eu1]')))).toEqual(['11:27 error[unknown-bucket]']);
    expect(brief(load(line(11, '    buckets: [media-use1, media-euw1, media-use1]')))).toEqual(['11:39 error[mrap-duplicate-bucket]']);
    expect(brief(load(line(12, '    role: nobody')))).toEqual(['12:11 error[unknown-role]']);
    const noRole = load(line(12, ''));
    expect(brief(noRole)).toEqual(['10:3 error[schema]']);
    expect(noRole.diagnostics[0]!.message).toContain('role');
  });

  it('routes: every active Region a member Region, and at least one', () => {
    const routes = (active: string) => `${BASE}    routes: { active: ${active} }\n`;
    expect(load(routes('[eu-west-1]')).diagnostics).toEqual([]);
    expect(load(routes('[eu-west-1]')).config!.multiRegionAccessPoints.global!.routes).toEqual({ active: ['eu-west-1'] });
    expect(brief(load(routes('[eu-west-1, us-west-2]')))).toEqual(['14:35 error[mrap-route-unknown-region]']);
    expect(brief(load(routes('[]')))).toEqual(['14:15 error[mrap-all-passive]']);
  });

  it('a member replicating with another role under replications: conflicts with the mesh role', () => {
    const text = `${BASE.replace('roles: { mesh: { name: mesh-replication } }', 'roles: { mesh: { name: mesh-replication }, other: { name: other } }')}replications:
  - source: media-euw1
    role: other
    rules:
      - id: archive
        destination: { bucket: media-use1b }
`;
    expect(brief(load(text)).filter((b) => b.includes('error'))).toEqual(['13:11 error[mesh-role-conflict]']);
  });

  it('problems of the generated rules are reported at mesh:', () => {
    const r = load(line(13, '    mesh: { rtc: true, metrics: false }'));
    // Six generated rules, one problem: said once, at the mesh's metrics setting.
    expect(brief(r)).toEqual(['13:33 error[rtc-without-metrics]']);
  });

  it('a mesh of one bucket is a warning', () => {
    expect(brief(load(line(11, '    buckets: [media-use1]')))).toEqual(['13:11 warning[mesh-single-bucket]']);
  });
});
