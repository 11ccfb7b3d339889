import { describe, expect, it } from 'vitest';
import { checkRules, bucketNameProblem, RULES } from '../../src/config/rules.js';
import type { Config } from '../../src/config/types.js';
import { brief, load } from './helpers.js';

/**
 * A valid document, laid out so that line numbers are easy to follow:
 *   4 src-bucket, 5 dst-bucket, 6 other-bucket,
 *   9 source, 10 role, 12 rule "one", 14 destination bucket (value at column 19);
 *   extra rule lines start at line 15.
 */
const RBASE = `version: 1
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
      - id: one
        destination:
          bucket: dst-bucket
`;

function withLine(line: number, text: string, base = RBASE): string {
  const lines = base.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

const ok = (text: string): void => {
  const r = load(text);
  expect(r.diagnostics).toEqual([]);
  expect(r.config).toBeDefined();
};

describe('the base document', () => {
  it('is valid', () => ok(RBASE));
});

describe('source-equals-destination', () => {
  it('is reported at the destination bucket', () => {
    const r = load(withLine(14, '          bucket: src-bucket'));
    expect(brief(r)).toEqual(['14:19 error[source-equals-destination]']);
    expect(r.diagnostics[0]!.hint).toBeDefined();
    expect(r.config).toBeUndefined();
  });
});

describe('unknown-bucket', () => {
  it('for a destination, with a suggestion', () => {
    const r = load(withLine(14, '          bucket: dst-buckt'));
    expect(brief(r)).toEqual(['14:19 error[unknown-bucket]']);
    expect(r.diagnostics[0]!.message).toBe('unknown bucket "dst-buckt" (did you mean "dst-bucket"?)');
  });
  it('for a source', () => {
    expect(brief(load(withLine(9, '  - source: nowhere')))).toEqual(['9:13 error[unknown-bucket]']);
  });
  it('for the jobs report bucket', () => {
    expect(brief(load(`${RBASE}jobs: { reportBucket: nowhere }\n`))).toEqual(['15:23 error[unknown-bucket]']);
    ok(`${RBASE}jobs: { reportBucket: other-bucket }\n`);
  });
});

describe('unknown-role', () => {
  it('is reported at the role reference', () => {
    const r = load(withLine(10, '    role: repl'));
    expect(brief(r)).toEqual(['10:11 error[unknown-role]']);
  });
});

describe('duplicate-rule-id', () => {
  it('is reported at the second id', () => {
    const r = load(`${RBASE}      - id: one
        filter: { prefix: b/ }
        destination: { bucket: dst-bucket }
`);
    expect(brief(r)).toEqual(['15:13 error[duplicate-rule-id]']);
  });
  it('allows the same id on different sources', () => {
    ok(`${RBASE}  - source: other-bucket
    role: r
    rules:
      - id: one
        destination: { bucket: dst-bucket }
`);
  });
});

describe('duplicate-source', () => {
  it('is reported at the second entry for a source', () => {
    const r = load(`${RBASE}  - source: src-bucket
    role: r
    rules:
      - id: two
        priority: 2
        destination: { bucket: dst-bucket }
`);
    expect(brief(r)).toEqual(['15:13 error[duplicate-source]']);
  });
});

describe('duplicate-priority', () => {
  it('is reported when rules with different destinations share a priority', () => {
    const r = load(`${RBASE}      - id: two
        priority: 1
        destination: { bucket: other-bucket }
`);
    expect(brief(r)).toEqual(['16:19 error[duplicate-priority]']);
    expect(r.diagnostics[0]!.message).toBe('priority 1 is also the priority of rule "one" (replications[0].rules[0]) of bucket "src-bucket"');
  });
  it('is reported when rules to the same destination share a priority', () => {
    const r = load(`${RBASE}      - id: two
        priority: 1
        filter: { prefix: b/ }
        destination: { bucket: dst-bucket }
`);
    expect(brief(r)).toEqual(['16:19 error[duplicate-priority]']);
  });
  it('counts default priorities (the 1-based position)', () => {
    const r = load(`${RBASE}      - id: two
        destination: { bucket: other-bucket }
      - id: three
        priority: 2
        filter: { prefix: x/ }
        destination: { bucket: dst-bucket }
`);
    expect(brief(r)).toEqual(['18:19 error[duplicate-priority]']);
  });
  it('allows distinct priorities, and equal priorities in different sources', () => {
    ok(`${RBASE}      - id: two
        priority: 5
        destination: { bucket: other-bucket }
`);
    ok(`${RBASE}  - source: other-bucket
    role: r
    rules:
      - id: one
        destination: { bucket: dst-bucket }
`);
  });
});

describe('delete-markers-with-tags', () => {
  it('is reported at deleteMarkers', () => {
    const r = load(`${RBASE}        filter: { tags: { replicate: "yes" } }
        deleteMarkers: true
`);
    expect(brief(r)).toEqual(['16:24 error[delete-markers-with-tags]']);
  });
  it('allows delete markers with a prefix filter, and tags without delete markers', () => {
    ok(`${RBASE}        filter: { prefix: a/ }\n        deleteMarkers: true\n`);
    ok(`${RBASE}        filter: { tags: { replicate: "yes" } }\n`);
  });
});

describe('rtc-without-metrics', () => {
  it('is reported at metrics: false', () => {
    expect(brief(load(`${RBASE}        rtc: true\n        metrics: false\n`))).toEqual(['16:18 error[rtc-without-metrics]']);
  });
  it('rtc turns metrics on by default', () => {
    const r = load(`${RBASE}        rtc: true\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.replications[0]!.rules[0]!.metrics).toBe(true);
  });
});

describe('alarms-without-metrics', () => {
  it('is reported at alarms', () => {
    expect(brief(load(`${RBASE}        alarms: { failedOperations: 1 }\n`))).toEqual(['15:9 error[alarms-without-metrics]']);
    expect(brief(load(`${RBASE}        alarms:\n          failedOperations: 1\n`))).toEqual(['15:9 error[alarms-without-metrics]']);
  });
  it('accepts alarms with metrics or rtc', () => {
    ok(`${RBASE}        metrics: true\n        alarms: { failedOperations: 1 }\n`);
    ok(`${RBASE}        rtc: true\n        alarms: { latencySeconds: 900 }\n`);
  });
});

/** A top-level `accounts:` entry appended after the rule lines (line numbers above it stay put). */
const reach = (id: string, entry = '{ profile: audit }') => `accounts: { "${id}": ${entry} }\n`;

describe('owner-override-without-account', () => {
  it('is reported at ownerOverride', () => {
    expect(brief(load(`${RBASE}          ownerOverride: true\n`))).toEqual(['15:26 error[owner-override-without-account]']);
  });
  it("accepts the destination bucket's account", () => {
    ok(withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666" }', `${RBASE}          ownerOverride: true\n${reach('444455556666')}`));
    ok(`${RBASE}          ownerOverride: true\n          account: "444455556666"\n`);
  });
});

describe('destination-account-mismatch', () => {
  const base = withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666" }');
  it("is reported at the destination account", () => {
    expect(brief(load(`${base}          account: "777788889999"\n${reach('444455556666')}`))).toEqual(['15:20 error[destination-account-mismatch]']);
  });
  it('accepts the same account', () => ok(`${base}          account: "444455556666"\n${reach('444455556666')}`));
});

describe('create-in-other-account', () => {
  const base = withLine(4, '  src-bucket: { account: "111122223333" }');
  it('is reported at the destination bucket', () => {
    const text = withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666", create: true }', base);
    expect(brief(load(text))).toEqual(['14:19 error[create-in-other-account]']);
  });
  it('accepts creating in the same account, or in an account accounts: reaches, or not creating', () => {
    ok(withLine(5, '  dst-bucket: { region: us-west-2, account: "111122223333", create: true }', base));
    ok(withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666", create: true }', `${base}${reach('444455556666')}`));
    ok(withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666" }', `${base}${reach('444455556666')}`));
  });
});

describe('account-without-credentials (warning)', () => {
  const other = withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666" }');
  it('is reported once per account, at the first rule replicating there, and does not fail', () => {
    const text = `${other}      - id: two\n        destination: { bucket: dst-bucket }\n`;
    const r = load(text);
    expect(brief(r)).toEqual(['14:19 warning[account-without-credentials]']);
    expect(r.diagnostics[0]!.message).toContain('account 444455556666');
    expect(r.diagnostics[0]!.hint).toBe('add accounts."444455556666" with a profile or roleArn to manage both sides in one apply');
    expect(r.config).toBeDefined();
  });
  it('is not reported when accounts: reaches it, or when the destination is in the source account', () => {
    ok(`${other}${reach('444455556666')}`);
    ok(withLine(4, '  src-bucket: { account: "444455556666" }', other));
  });
});

describe('accounts:', () => {
  const other = withLine(5, '  dst-bucket: { region: us-west-2, account: "444455556666" }');
  it('account-role-mismatch: a role to assume must be in the account it is listed under', () => {
    const r = load(`${other}${reach('444455556666', '{ roleArn: "arn:aws:iam::777788889999:role/deployer" }')}`);
    expect(brief(r)).toEqual(['15:40 error[account-role-mismatch]']);
    ok(`${other}${reach('444455556666', '{ roleArn: "arn:aws:iam::444455556666:role/deployer", externalId: ext-1, sessionName: ci }')}`);
  });
  it('account-not-used (warning): an entry no bucket belongs to', () => {
    const r = load(`${RBASE}${reach('999988887777')}`);
    expect(brief(r)).toEqual(['15:13 warning[account-not-used]']);
  });
  it('the schema wants a 12-digit key and exactly one of profile or roleArn', () => {
    expect(brief(load(`${RBASE}accounts: { "12345": { profile: p } }\n`))[0]).toMatch(/error\[schema\]/);
    expect(brief(load(`${other}${reach('444455556666', '{ profile: p, roleArn: "arn:aws:iam::444455556666:role/x" }')}`))[0]).toMatch(/error\[schema\]/);
    expect(brief(load(`${other}${reach('444455556666', '{ profile: p, externalId: abc }')}`))[0]).toMatch(/error\[schema\]/);
    expect(brief(load(`${other}${reach('444455556666', '{}')}`))[0]).toMatch(/error\[schema\]/);
  });
});

const KEY_WEST = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_EAST = 'arn:aws:kms:us-east-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab';

describe('sse-kms-without-key', () => {
  it('is reported at sseKms', () => {
    expect(brief(load(`${RBASE}        encryption: { sseKms: true }\n`))).toEqual(['15:31 error[sse-kms-without-key]']);
  });
  it('accepts sseKms with a replica key', () => ok(`${RBASE}        encryption: { sseKms: true, replicaKmsKey: "${KEY_WEST}" }\n`));
});

describe('replica-key-without-sse-kms (warning)', () => {
  it('is reported at replicaKmsKey and does not fail', () => {
    const r = load(`${RBASE}        encryption: { replicaKmsKey: "${KEY_WEST}" }\n`);
    expect(brief(r)).toEqual(['15:38 warning[replica-key-without-sse-kms]']);
    expect(r.config).toBeDefined();
  });
});

describe('kms-key-region-mismatch', () => {
  it("is reported at a replica key outside the destination's region", () => {
    expect(brief(load(`${RBASE}        encryption: { sseKms: true, replicaKmsKey: "${KEY_EAST}" }\n`))).toEqual([
      '15:52 error[kms-key-region-mismatch]',
    ]);
  });
});

describe("a bucket's kmsKey (its default SSE-KMS key)", () => {
  it("is reported when outside the bucket's region, or not a key ARN; accepted in the bucket's region", () => {
    expect(brief(load(withLine(5, `  dst-bucket: { region: us-west-2, kmsKey: "${KEY_EAST}" }`)))).toEqual(['5:44 error[kms-key-region-mismatch]']);
    expect(brief(load(withLine(5, '  dst-bucket: { region: us-west-2, kmsKey: "alias/repl" }')))).toEqual(['5:44 error[kms-key-not-arn]']);
    ok(withLine(5, `  dst-bucket: { region: us-west-2, kmsKey: "${KEY_WEST}" }`));
  });
});

describe('source-kms-key-region-mismatch', () => {
  it("is reported at the source key outside the source's region", () => {
    const r = load(`${RBASE}        encryption:
          sseKms: true
          replicaKmsKey: "${KEY_WEST}"
          sourceKmsKeys:
            - "${KEY_EAST}"
            - "arn:aws:kms:eu-west-1:111122223333:key/bad"
`);
    expect(brief(r)).toEqual(['20:15 error[source-kms-key-region-mismatch]']);
  });
  it('accepts source keys in the source region', () => {
    ok(`${RBASE}        encryption: { sseKms: true, replicaKmsKey: "${KEY_WEST}", sourceKmsKeys: ["${KEY_EAST}"] }\n`);
  });
});

describe('object-lock-destination', () => {
  const base = withLine(4, '  src-bucket: { objectLock: true }');
  it('is reported at the destination bucket', () => {
    expect(brief(load(base))).toEqual(['14:19 error[object-lock-destination]']);
  });
  it('accepts a destination with Object Lock', () => ok(withLine(5, '  dst-bucket: { region: us-west-2, objectLock: true }', base)));
});

describe('cross-partition', () => {
  it('is reported at the destination bucket', () => {
    expect(brief(load(withLine(5, '  dst-bucket: { region: cn-north-1 }')))).toEqual(['14:19 error[cross-partition]']);
    expect(brief(load(withLine(5, '  dst-bucket: { region: us-gov-west-1 }')))).toEqual(['14:19 error[cross-partition]']);
  });
  it('accepts regions of one partition', () => {
    ok(withLine(5, '  dst-bucket: { region: ap-southeast-2 }'));
    ok(withLine(5, '  dst-bucket: { region: cn-northwest-1 }', withLine(2, 'defaults: { region: cn-north-1 }')));
  });
});

describe('missing-region', () => {
  it('is reported at each bucket with no region when there is no default', () => {
    const r = load(withLine(2, 'defaults: { tags: { team: a } }'));
    expect(brief(r)).toEqual(['4:3 error[missing-region]', '6:3 error[missing-region]']);
    expect(r.diagnostics[0]!.message).toBe('bucket "src-bucket" has no region');
  });
  it('accepts buckets that each have a region', () => {
    let text = withLine(2, 'defaults: {}');
    text = withLine(4, '  src-bucket: { region: us-east-1 }', text);
    text = withLine(6, '  other-bucket: { region: eu-west-1 }', text);
    ok(text);
  });
});

describe('invalid-bucket-name', () => {
  const bad: Array<[string, RegExp]> = [
    ['ab', /3 to 63 characters/],
    ['a'.repeat(64), /3 to 63 characters/],
    ['My-Bucket', /lowercase/],
    ['my_bucket', /lowercase/],
    ['-bucket', /begin and end/],
    ['bucket-', /begin and end/],
    ['my..bucket', /two adjacent dots/],
    ['192.168.5.4', /IP address/],
    ['xn--bucket', /prefix "xn--"/],
    ['sthree-bucket', /prefix "sthree-"/],
    ['sthree-configurator-x', /prefix "sthree-"/],
    ['amzn-s3-demo-bucket', /prefix "amzn-s3-demo-"/],
    ['bucket-s3alias', /suffix "-s3alias"/],
    ['bucket--ol-s3', /suffix "--ol-s3"/],
    ['bucket.mrap', /suffix ".mrap"/],
    ['bucket--x-s3', /suffix "--x-s3"/],
    ['bucket--table-s3', /suffix "--table-s3"/],
  ];
  for (const [name, why] of bad) {
    it(`rejects "${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name}" at the key`, () => {
      const r = load(withLine(6, `  ${name}: {}`));
      expect(brief(r)).toEqual(['6:3 error[invalid-bucket-name]']);
      expect(r.diagnostics[0]!.message).toMatch(why);
    });
  }
  it('accepts valid names', () => {
    for (const name of ['abc', 'my.bucket.name', 'a1-b2.c3', 'a'.repeat(63), '192.168.5.4.5', 'bucket-s3alias-x', 'xn-bucket']) {
      expect(bucketNameProblem(name), name).toBeUndefined();
      ok(withLine(6, `  ${name}: {}`));
    }
  });
});

describe('two-way-without-replica-modifications (warning)', () => {
  const back = (mods: string): string => `${RBASE}  - source: dst-bucket
    role: r
    rules:
      - id: back
${mods}        destination: { bucket: src-bucket }
`;
  it('is reported at the rule lacking replicaModifications', () => {
    const r = load(back('        replicaModifications: true\n'));
    expect(brief(r)).toEqual(['12:9 warning[two-way-without-replica-modifications]']);
    expect(r.config).toBeDefined();
  });
  it('is reported on both sides when neither has it', () => {
    expect(brief(load(back('')))).toEqual([
      '12:9 warning[two-way-without-replica-modifications]',
      '18:9 warning[two-way-without-replica-modifications]',
    ]);
  });
  it('is quiet with replicaModifications on both sides', () => {
    ok(back('        replicaModifications: true\n').replace('          bucket: dst-bucket\n', '          bucket: dst-bucket\n        replicaModifications: true\n'));
  });
});

describe('chained-replication (warning)', () => {
  const chain = `${RBASE}  - source: dst-bucket
    role: r
    rules:
      - id: onward
        destination: { bucket: other-bucket }
`;
  it('is reported at the onward destination', () => {
    expect(brief(load(chain))).toEqual(['19:32 warning[chained-replication]']);
  });
  it('is quiet when the first source also replicates there directly', () => {
    ok(chain.replace('          bucket: dst-bucket\n', '          bucket: dst-bucket\n      - id: direct\n        priority: 9\n        destination: { bucket: other-bucket }\n'));
  });
});

describe('existing-objects-disabled-rule (warning)', () => {
  it('is reported at existingObjects', () => {
    expect(brief(load(`${RBASE}        status: disabled\n        existingObjects: replicate\n`))).toEqual(['16:26 warning[existing-objects-disabled-rule]']);
  });
  it('accepts a backfill on an enabled rule', () => ok(`${RBASE}        existingObjects: replicate\n`));
});

describe('alarm topics per region', () => {
  // dst-bucket is in us-west-2: latency and pending alarms live there, failed operations in us-east-1.
  it('alarm-topic-missing-region: a region with alarms but no topic is an error at the rule\'s alarms', () => {
    const r = load(`${RBASE}        metrics: true
        alarms:
          latencySeconds: 900
          failedOperations: 1
alarms: { notify: ["arn:aws:sns:us-east-1:111122223333:ops"] }
`);
    expect(brief(r)).toEqual(['16:9 error[alarm-topic-missing-region]']);
    expect(r.diagnostics[0]!.message).toContain('has alarms in us-west-2 (latencySeconds)');
  });
  it('accepts a topic in every region the rule\'s alarms live in', () => {
    ok(`${RBASE}        metrics: true
        alarms: { latencySeconds: 900, failedOperations: 1, pendingBytes: 1 }
alarms:
  notify: ["arn:aws:sns:us-east-1:111122223333:ops", "arn:aws:sns:us-west-2:111122223333:ops"]
`);
  });
  it('failed operations alone need a topic in the source region only', () => {
    ok(`${RBASE}        metrics: true
        alarms: { failedOperations: 1, notify: ["arn:aws:sns:us-east-1:111122223333:ops"] }
`);
  });
  it('alarm-topic-region: a rule\'s own topic in a region without its alarms is a warning', () => {
    const r = load(`${RBASE}        metrics: true
        alarms:
          failedOperations: 1
          notify: ["arn:aws:sns:us-east-1:111122223333:ops", "arn:aws:sns:eu-west-1:111122223333:ops"]
`);
    expect(brief(r)).toEqual(['18:62 warning[alarm-topic-region]']);
  });
  it('no notify at all is fine (alarms without actions)', () => {
    ok(`${RBASE}        metrics: true
        alarms: { latencySeconds: 900, failedOperations: 1 }
`);
  });
});

describe('kms-key-not-arn', () => {
  const enc = (key: string) => `${RBASE}        encryption:
          sseKms: true
          replicaKmsKey: "${key}"
`;
  it('rejects an alias ARN with a hint about policies', () => {
    const r = load(enc('arn:aws:kms:us-west-2:111122223333:alias/replicas'));
    expect(brief(r)).toEqual(['17:26 error[kms-key-not-arn]']);
    expect(r.diagnostics[0]!.hint).toContain('grants nothing on the key');
  });
  it('rejects a bare key id and alias names', () => {
    expect(brief(load(enc('1234abcd-12ab-34cd-56ef-1234567890ab')))).toEqual(['17:26 error[kms-key-not-arn]']);
    expect(brief(load(enc('alias/replicas')))).toEqual(['17:26 error[kms-key-not-arn]']);
  });
  it('checks sourceKmsKeys too', () => {
    const r = load(`${RBASE}        encryption:
          sseKms: true
          replicaKmsKey: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
          sourceKmsKeys: [arn:aws:kms:us-east-1:111122223333:alias/src]
`);
    expect(brief(r)).toEqual(['18:27 error[kms-key-not-arn]']);
  });
  it('accepts key ARNs', () => ok(enc('arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab')));
});

describe('policy-too-large', () => {
  it('is reported at the role when even whole-bucket grants do not fit IAM\'s inline limit', () => {
    const n = 120;
    const buckets = Array.from({ length: n }, (_, i) => `  src-${i}: {}\n  dst-${i}: {}`).join('\n');
    const reps = Array.from({ length: n }, (_, i) => `  - source: src-${i}\n    role: r\n    rules:\n      - id: all\n        destination: { bucket: dst-${i} }`).join('\n');
    const r = load(`version: 1\ndefaults: { region: us-east-1 }\nbuckets:\n${buckets}\nroles:\n  r: { name: repl }\nreplications:\n${reps}\n`);
    expect(brief(r)).toEqual([`${2 * n + 5}:3 error[policy-too-large]`]);
    expect(r.diagnostics[0]!.message).toMatch(/even with whole-bucket grants, over IAM's 10240-character limit/);
  });
  it('a role with many prefixed rules fits once its grants are widened: no error', () => {
    const rules = Array.from({ length: 160 }, (_, i) => `      - { id: r${i}, priority: ${i + 1}, filter: { prefix: team-${i}/data/ }, destination: { bucket: dst-bucket } }`).join('\n');
    ok(`${RBASE.split('    rules:')[0]}    rules:\n${rules}\n`);
  });
});

describe('unknown-region', () => {
  it('is reported with a did-you-mean for a typo', () => {
    const r = load(withLine(5, '  dst-bucket: { region: eu-wset-1 }'));
    expect(brief(r)).toEqual(['5:25 error[unknown-region]']);
    expect(r.diagnostics[0]!.message).toBe('unknown region "eu-wset-1" (did you mean "eu-west-1"?)');
  });
  it('catches a region that matches the pattern but does not exist', () => {
    expect(brief(load(withLine(2, 'defaults: { region: us-east-7 }')))).toEqual(['2:21 error[unknown-region]']);
  });
  it('is a warning with defaults.allowUnknownRegions', () => {
    const r = load(withLine(2, 'defaults: { region: us-east-1, allowUnknownRegions: true }', withLine(5, '  dst-bucket: { region: us-south-9 }')));
    expect(brief(r)).toEqual(['5:25 warning[unknown-region]']);
    expect(r.config).toBeDefined();
  });
});

describe('limits', () => {
  it('rule ids over 255 characters are a schema error in YAML', () => {
    expect(brief(load(withLine(12, `      - id: ${'x'.repeat(256)}`)))).toEqual(['12:13 error[schema]']);
  });

  it('more than 1,000 rules for one source, across entries', () => {
    const rules = (from: number, n: number): string =>
      Array.from({ length: n }, (_, i) => `      - id: r${from + i}\n        priority: ${from + i}\n        destination: { bucket: dst-bucket }\n`).join('');
    const text = `version: 1
defaults: { region: us-east-1 }
buckets: { src-bucket: {}, dst-bucket: {} }
roles: { r: { name: repl } }
replications:
  - source: src-bucket
    role: r
    rules:
${rules(0, 600)}  - source: src-bucket
    role: r
    rules:
${rules(600, 401)}`;
    const second = 9 + 600 * 3;
    expect(brief(load(text))).toEqual([`${second}:13 error[duplicate-source]`, `${second + 2}:5 error[too-many-rules]`]);
  });
});

describe('checkRules on a Config', () => {
  const base = (): Config => structuredClone(load(RBASE).config!);

  it('finds nothing in a valid config', () => {
    expect(checkRules(base())).toEqual([]);
  });

  it('rule-id-too-long', () => {
    const c = base();
    c.replications[0]!.rules[0]!.id = 'x'.repeat(256);
    expect(checkRules(c)).toEqual([
      expect.objectContaining({ rule: 'rule-id-too-long', severity: 'error', path: ['replications', 0, 'rules', 0, 'id'] }),
    ]);
  });

  it('invalid-storage-class', () => {
    const c = base();
    (c.replications[0]!.rules[0]!.destination as { storageClass?: string }).storageClass = 'EXPRESS_ONEZONE';
    expect(checkRules(c).map((f) => f.rule)).toEqual(['invalid-storage-class']);
  });

  it('too-many-rules', () => {
    const c = base();
    const template = c.replications[0]!.rules[0]!;
    c.replications[0]!.rules = Array.from({ length: 1001 }, (_, i) => ({ ...template, id: `r${i}`, priority: i + 1 }));
    expect(checkRules(c)).toEqual([expect.objectContaining({ rule: 'too-many-rules', path: ['replications', 0, 'rules'] })]);
    c.replications[0]!.rules.pop();
    expect(checkRules(c)).toEqual([]);
  });

  it('reports only documented rule ids', () => {
    const c = base();
    c.replications[0]!.rules[0]!.destination.bucket = 'src-bucket';
    c.replications[0]!.role = 'nope';
    for (const f of checkRules(c)) expect(Object.keys(RULES)).toContain(f.rule);
  });
});
