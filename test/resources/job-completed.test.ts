/**
 * When a backfill includes COMPLETED objects (docs/aws-behaviour.md, "Batch
 * Replication: COMPLETED objects"): only when one of its destinations is new
 * to the bucket's live replication configuration and the bucket already
 * replicated to another one. Decided once the plan has read AWS (settleJob).
 */
import { describe, expect, it } from 'vitest';
import { jobToken, settleJob } from '../../src/resources/job/expand.js';
import type { Attrs, DesiredResource, LiveValue, Notice } from '../../src/resources/types.js';

function job(destinations: string[]): DesiredResource {
  const shape = { asked: ['all'], keyPrefix: '', destinations };
  const token = jobToken('photos', shape);
  return {
    address: 'job.photos',
    kind: 'job',
    id: { token, region: 'us-east-1' },
    attributes: { token, source: 'photos', rules: ['all'], alsoCovered: [], keyPrefix: '', statuses: ['NONE', 'FAILED'], destinations },
    dependsOn: ['replication.photos'],
  };
}

/** A replication resource's attributes as the replication kind reads them (destination ARNs). */
function replication(rules: Record<string, { dest: string; enabled?: boolean }>): Attrs {
  return {
    role: 'arn:aws:iam::111111111111:role/r',
    format: 'V2',
    rules: Object.fromEntries(
      Object.entries(rules).map(([id, r]) => [id, { status: r.enabled === false ? 'Disabled' : 'Enabled', destination: { bucket: `arn:aws:s3:::${r.dest}` } }]),
    ),
  };
}

function settle(d: DesiredResource, live: Record<string, LiveValue>, applied: Record<string, Attrs> = {}) {
  const notices: Notice[] = [];
  const out = settleJob(d, { live: (a) => live[a], applied: (a) => applied[a], notice: (n) => notices.push(n) });
  return { statuses: out.attributes.statuses, notices: notices.map((n) => n.message) };
}

describe('backfill statuses', () => {
  it('two destinations, no replication configuration yet: nothing is COMPLETED, so the job does not ask for it', () => {
    expect(settle(job(['a', 'b']), { 'replication.photos': null, 'job.photos': null })).toEqual({ statuses: ['NONE', 'FAILED'], notices: [] });
  });

  it('a destination added to a configuration that replicates to another: COMPLETED, and the plan says which is new', () => {
    const r = settle(job(['a', 'b']), { 'replication.photos': replication({ old: { dest: 'a' } }), 'job.photos': null });
    expect(r.statuses).toEqual(['NONE', 'FAILED', 'COMPLETED']);
    expect(r.notices).toEqual([
      'the backfill of photos includes objects already COMPLETED: b is new to its replication configuration, which already replicates to a; ' +
        'an object replicated there is COMPLETED without having reached the new destination. Such objects are copied again to every destination they match',
    ]);
  });

  it('one destination replaced by another: COMPLETED (the objects reached only the old one)', () => {
    const r = settle(job(['b']), { 'replication.photos': replication({ old: { dest: 'a' } }), 'job.photos': null });
    expect(r.statuses).toEqual(['NONE', 'FAILED', 'COMPLETED']);
    expect(r.notices[0]).toContain('b is new to its replication configuration, which already replicates to a');
  });

  it('the same destinations as the live configuration: no COMPLETED', () => {
    const live = { 'replication.photos': replication({ x: { dest: 'a' }, y: { dest: 'b' } }), 'job.photos': null };
    expect(settle(job(['a', 'b']), live)).toEqual({ statuses: ['NONE', 'FAILED'], notices: [] });
  });

  it('a destination whose rule is disabled in the live configuration is new: objects written meanwhile are COMPLETED elsewhere', () => {
    const live = { 'replication.photos': replication({ x: { dest: 'a' }, y: { dest: 'b', enabled: false } }), 'job.photos': null };
    expect(settle(job(['a', 'b']), live).statuses).toEqual(['NONE', 'FAILED', 'COMPLETED']);
  });

  it('an apply that wrote the configuration but stopped before the job: the last backfill in state says what is new', () => {
    const live = { 'replication.photos': replication({ x: { dest: 'a' }, y: { dest: 'b' } }), 'job.photos': null };
    const applied = { 'job.photos': { destinations: ['a'] } };
    expect(settle(job(['a', 'b']), live, applied).statuses).toEqual(['NONE', 'FAILED', 'COMPLETED']);
  });

  it('the configuration deleted by hand: the state records what it replicated to', () => {
    const r = settle(job(['a', 'b']), { 'replication.photos': null, 'job.photos': null }, { 'replication.photos': replication({ x: { dest: 'a' } }) });
    expect(r.statuses).toEqual(['NONE', 'FAILED', 'COMPLETED']);
  });

  it('a job that already exists is left as it is, and its token does not depend on its statuses', () => {
    const d = job(['a', 'b']);
    const r = settle(d, { 'replication.photos': replication({ old: { dest: 'a' } }), 'job.photos': { token: d.id.token!, jobId: '1', status: 'Complete' } });
    expect(r).toEqual({ statuses: ['NONE', 'FAILED'], notices: [] });
  });
});
