/**
 * `events:` on a replication: the schema, AWS's rules for event notification
 * destinations (reported at line:col), and metrics turned on where an event
 * type needs them.
 */
import { describe, expect, it } from 'vitest';
import { brief, load, only } from './helpers.js';
import { eventPrefixes } from '../../src/config/events.js';

const Q = 'arn:aws:sqs:us-east-1:111122223333:repl-failures';

/**
 * Lines: 9 source, 12 rule "logs" (prefix logs/), 16 rule "app" (prefix logs/app/),
 * 20 rule "img" (prefix img/), 24 rule "fast" (rtc), 28 events:, 29 first entry.
 */
function doc(events: string, rules = ''): string {
  return `version: 1
defaults: { region: us-east-1 }
buckets:
  src-bucket: {}
  dst-bucket: { region: us-west-2 }
  other-bucket: {}
roles: { r: { name: repl } }
replications:
  - source: src-bucket
    role: r
    rules:
      - id: logs
        priority: 1
        filter: { prefix: logs/ }
        destination: { bucket: dst-bucket }
      - id: app
        priority: 2
        filter: { prefix: logs/app/ }
        destination: { bucket: dst-bucket }
      - id: img
        priority: 3
        filter: { prefix: img/ }
        destination: { bucket: dst-bucket }
      - id: fast
        priority: 4
        rtc: true${rules}
        destination: { bucket: other-bucket }
    events:
${events}`;
}

describe('events: valid entries', () => {
  it('resolves types, destination and rules, and turns metrics on where failed events need them', () => {
    const r = load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs, app]\n`));
    expect(r.diagnostics).toEqual([]);
    const rep = r.config!.replications[0]!;
    expect(rep.events).toEqual([{ types: ['failed'], destination: { type: 'queue', arn: Q }, rules: ['logs', 'app'] }]);
    const byId = Object.fromEntries(rep.rules.map((x) => [x.id, x]));
    expect(byId.logs!.metrics).toBe(true);
    expect(byId.logs!.metricsForEvents).toBe(true);
    expect(byId.img!.metrics).toBe(false);
    // RTC already had metrics: nothing was turned on for it.
    expect(byId.fast!.metricsForEvents).toBeUndefined();
  });

  it('narrows a rule-scoped entry to the smallest set of prefixes that cover its rules', () => {
    const r = load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs, app, img]\n`));
    const rep = r.config!.replications[0]!;
    expect(eventPrefixes(rep, rep.events![0]!)).toEqual(['img/', 'logs/']);
    const all = load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs, fast]\n`)).config!.replications[0]!;
    // "fast" has no prefix: the whole bucket.
    expect(eventPrefixes(all, all.events![0]!)).toEqual(['']);
  });

  it('accepts threshold events for a rule with rtc', () => {
    const r = load(doc(`      - types: [missedThreshold, replicatedAfterThreshold]\n        topic: arn:aws:sns:us-east-1:111122223333:late\n        rules: [fast]\n`));
    expect(r.diagnostics).toEqual([]);
  });
});

describe('events: what AWS refuses, at line:col', () => {
  it('requires exactly one destination', () => {
    const r = load(doc(`      - types: [failed]\n        queue: ${Q}\n        topic: arn:aws:sns:us-east-1:111122223333:t\n`));
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/exactly one of queue, topic or function/);
  });

  it('reports an unknown rule id with a suggestion', () => {
    const r = load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs, imgs]\n`));
    expect(brief(r)).toEqual(['31:23 error[events-unknown-rule]']);
    expect(r.diagnostics[0]!.message).toMatch(/no rule "imgs".*img/);
  });

  it("reports a destination outside the bucket's region", () => {
    const r = load(doc(`      - types: [failed]\n        queue: arn:aws:sqs:eu-west-1:111122223333:q\n`));
    expect(brief(r)).toEqual(['30:16 error[event-destination-region]']);
    expect(r.diagnostics[0]!.message).toContain('us-east-1');
  });

  it('reports FIFO queues and topics', () => {
    const r = load(doc(`      - types: [failed]\n        queue: arn:aws:sqs:us-east-1:111122223333:q.fifo\n`));
    expect(brief(r)).toEqual(['30:16 error[event-destination-fifo]']);
    const t = load(doc(`      - types: [failed]\n        topic: arn:aws:sns:us-east-1:111122223333:t.fifo\n`));
    expect(only(t, 'event-destination-fifo')).toHaveLength(1);
  });

  it('reports threshold events for rules without rtc', () => {
    const r = load(doc(`      - types: [missedThreshold]\n        queue: ${Q}\n        rules: [logs, fast]\n`));
    expect(brief(r)).toEqual(['29:9 error[events-need-rtc]']);
    expect(r.diagnostics[0]!.message).toMatch(/logs has no rtc/);
  });

  it('reports failed events for a rule that says metrics: false', () => {
    const r = load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [fast]\n`, '\n        metrics: false'));
    // rtc without metrics is its own error; the events one names the rule.
    expect(only(r, 'events-need-metrics').map((d) => d.message)).toEqual([expect.stringContaining('fast says metrics: false')]);
  });

  it('reports two entries with a common type on overlapping keys', () => {
    const r = load(
      doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs]\n      - types: [failed, notTracked]\n        topic: arn:aws:sns:us-east-1:111122223333:t\n        rules: [app]\n`),
    );
    expect(brief(r)).toEqual(['32:9 error[events-overlap]']);
    expect(r.diagnostics[0]!.message).toMatch(/prefix "logs\/app\/" and prefix "logs\/"/);
  });

  it('accepts entries with different types, or with prefixes that cannot overlap', () => {
    expect(load(doc(`      - types: [failed]\n        queue: ${Q}\n      - types: [notTracked]\n        queue: ${Q}\n`)).diagnostics).toEqual([]);
    expect(load(doc(`      - types: [failed]\n        queue: ${Q}\n        rules: [logs]\n      - types: [failed]\n        queue: ${Q}\n        rules: [img]\n`)).diagnostics).toEqual([]);
  });

  it("warns about a destination in another account than the bucket's", () => {
    const text = doc(`      - types: [failed]\n        queue: arn:aws:sqs:us-east-1:999999999999:q\n`).replace('  src-bucket: {}', '  src-bucket: { account: "111122223333" }');
    const r = load(text);
    expect(brief(r)).toEqual(['30:16 warning[event-destination-account]']);
    expect(r.config).toBeDefined();
  });
});
