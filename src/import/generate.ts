/**
 * `s3repl import`, step 2 (pure): the facts read from AWS → replication.yaml,
 * as a YAML Document with a header and short comments, and a report of what
 * was imported, what was not and why, and what the next plan will change.
 *
 * The rule: the generated file reproduces the live setup exactly, so that
 * `s3repl plan` right after shows no changes. Where replication.yaml cannot say
 * what AWS holds, the choice is:
 * - replication rules: fail with a UserError naming the bucket and the rule
 *   (an apply would silently rewrite the rule, and the plan could not show it);
 * - the V1 schema (rule-level Prefix): converted to the same rule in the V2
 *   form, with a comment; the next plan shows `format: V1 → V2`;
 * - alarms: an alarm that watches a rule but cannot be expressed (its name
 *   does not follow s3repl's naming, non-SNS actions, a threshold the schema
 *   refuses) is left out and reported as not imported; an alarm that can be
 *   expressed but whose other settings differ from s3repl's (description,
 *   statistic, missing-data treatment...) is imported, and the next plan shows
 *   the update (verify.ts lists it).
 */
import { Document, Scalar, isMap, isSeq, isScalar, visit, type Node, type Pair } from 'yaml';
import type { ReplicationRule } from '@aws-sdk/client-s3';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ALARM_METRICS, alarmRegion } from '../config/alarms.js';
import { REPLICATION_STORAGE_CLASSES, type StorageClass } from '../config/types.js';
import type { RawBucket, RawConfig, RawReplication, RawRole, RawRule } from '../config/resolve.js';
import { DEFAULT_ALARM_PREFIX, DEFAULT_EVALUATION_PERIODS } from '../config/resolve.js';
import { isKeyArn } from '../config/rules.js';
import { UserError } from '../errors.js';
import { bucketFromArn } from '../resources/arn.js';
import { alarmAddress, fromAws, LINEAGE_TAG, MANAGED_BY_TAG, POLICY_NAME, replicationAddress, roleAddress, rolePolicyAddress, type NormalRule } from '../resources/operations.js';
import type { AlarmFacts, BucketFacts, ImportFacts, RoleFacts, SourceFacts } from './discover.js';

export interface GenerateOptions {
  /** Manage the roles (`name:`) instead of using them as they are (`arn:`). */
  adoptRole: boolean;
  /** The day, YYYY-MM-DD, for the header. */
  date: string;
  /** `$schema` reference for editors (a path relative to the file, or a URL). */
  schemaRef: string;
}

export interface ImportReport {
  sources: Array<{ bucket: string; region: string; rules: string[]; v1Rules: string[] }>;
  /** Roles, with how they are used. */
  roles: Array<{ arn: string; key: string; adopted: boolean; notes: string[] }>;
  /** Alarms imported: address → alarm name. */
  alarms: Record<string, string>;
  notImported: Array<{ what: string; why: string }>;
  /** What the next plan will change, known from the facts alone (verify.ts adds the rest). */
  nextPlan: Array<{ address: string; what: string }>;
  notes: string[];
}

export interface Generated {
  raw: RawConfig;
  doc: Document;
  report: ImportReport;
}

type Path = Array<string | number>;

interface CommentSpec {
  path: Path;
  text: string;
}

const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)\/.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/(.+\/)?[A-Za-z0-9+=,.@_-]{1,64}$/;
const ACCOUNT = /^[0-9]{12}$/;
const NAME_PREFIX = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
/** What AWS generates for a rule created without an id: 48 characters of base64. */
const GENERATED_ID = /^(?=.{48}$)[A-Za-z0-9+/]+={0,2}$/;

export function generate(facts: ImportFacts, opts: GenerateOptions): Generated {
  const comments: CommentSpec[] = [];
  const report: ImportReport = { sources: [], roles: [], alarms: {}, notImported: [], nextPlan: [], notes: [] };
  const comment = (path: Path, text: string) => comments.push({ path, text });

  // --- replication rules, per source ---------------------------------------------------------
  interface RuleEntry {
    raw: RawRule;
    normal: NormalRule;
    destination: string;
    v1: boolean;
  }
  const perSource = new Map<string, RuleEntry[]>();
  for (const s of facts.sources) {
    const entries: RuleEntry[] = [];
    checkRoleArn(s);
    const seen = new Set<string>();
    for (const r of s.replication.Rules ?? []) {
      checkRule(s.bucket.name, r, seen);
      const id = r.ID!;
      const normal = fromAws({ Role: s.replication.Role, Rules: [r] }).rules[id]!;
      const v1 = r.Filter === undefined && r.Prefix !== undefined;
      const destination = bucketFromArn(normal.destination.bucket);
      entries.push({ raw: toRawRule(s.bucket.name, id, normal), normal, destination, v1 });
    }
    perSource.set(s.bucket.name, entries);
  }

  // --- buckets --------------------------------------------------------------------------------
  const buckets: Record<string, RawBucket> = {};
  const bucketNotes = new Map<string, string>();
  const sourceNames = facts.sources.map((s) => s.bucket.name);
  for (const s of facts.sources) {
    const b: RawBucket = { region: s.bucket.region, create: false };
    if (s.bucket.objectLock) b.objectLock = true;
    // The generated KMS conditions allow the bucket ARN only with bucketKey (docs/aws-behaviour.md, "KMS: S3 Bucket Key encryption context").
    if (s.bucket.bucketKey) b.bucketKey = true;
    if (s.bucket.kmsKey && isKeyArn(s.bucket.kmsKey)) b.kmsKey = s.bucket.kmsKey;
    buckets[s.bucket.name] = b;
  }
  const destNames = [...new Set([...perSource.values()].flatMap((es) => es.map((e) => e.destination)))]
    .filter((n) => !buckets[n])
    .sort();
  for (const name of destNames) {
    const facts1 = facts.buckets[name];
    const uses = [...perSource].flatMap(([source, es]) => es.filter((e) => e.destination === name).map((e) => ({ source, e })));
    buckets[name] = destinationBucket(name, facts1, uses, facts.accountId, facts, bucketNotes);
  }
  // Rules to destinations in this account that name the account explicitly keep it on the rule.
  for (const es of perSource.values()) {
    for (const e of es) {
      const acct = e.normal.destination.account;
      if (acct !== null && buckets[e.destination]!.account === undefined) {
        const { bucket, ...rest } = e.raw.destination;
        e.raw.destination = { bucket, account: acct, ...rest };
      }
    }
  }

  // --- roles ----------------------------------------------------------------------------------
  const roles: Record<string, RawRole> = {};
  const roleKeyOf = new Map<string, string>();
  const roleArns = [...new Set(facts.sources.map((s) => s.replication.Role!))];
  for (const arn of roleArns) {
    const f: RoleFacts = facts.roles[arn] ?? { arn, name: arn, path: '/', account: '', exists: null, tags: {}, inlinePolicies: {} };
    let key = f.name;
    if (roles[key]) key = `${f.name}-${f.account}`;
    for (let i = 2; roles[key]; i++) key = `${f.name}-${i}`;
    roleKeyOf.set(arn, key);
    const users = facts.sources.filter((s) => s.replication.Role === arn).map((s) => s.bucket.name);
    const notes: string[] = [];
    if (opts.adoptRole) {
      if (f.account !== facts.accountId) {
        throw new UserError(
          `role ${arn} (used by ${users.join(', ')}) is in account ${f.account}, not ${facts.accountId}: --adopt-role manages roles of the account s3repl runs in`,
          'run import without --adopt-role to use the role as is (arn:), or run it with credentials of that account',
        );
      }
      if (f.exists === false) {
        throw new UserError(
          `role ${arn} (used by ${users.join(', ')}) does not exist, so there is nothing to adopt; replication from these buckets is failing`,
          'run import without --adopt-role, then replace the role with one s3repl creates: roles: { KEY: { name: NEW-NAME } }',
        );
      }
      const r: RawRole = { name: f.name };
      if (f.path !== '/') r.path = f.path;
      if (f.permissionsBoundary) r.permissionsBoundary = f.permissionsBoundary;
      roles[key] = r;
      comment(
        ['roles', key],
        `Adopted (--adopt-role): s3repl manages this role from now on. The next apply replaces its trust policy and tags, and writes its inline policy ${POLICY_NAME}, with least-privilege ones generated from the rules below.`,
      );
      const others = Object.keys(f.inlinePolicies).filter((p) => p !== POLICY_NAME).sort();
      if (others.length) {
        notes.push(
          `its other inline ${others.length === 1 ? 'policy' : 'policies'} (${others.join(', ')}) ${others.length === 1 ? 'is' : 'are'} left as ${others.length === 1 ? 'it is' : 'they are'}: once the next apply has written ${POLICY_NAME}, delete ${others.length === 1 ? 'it' : 'them'} by hand for least privilege (aws iam delete-role-policy --role-name ${f.name} --policy-name NAME)`,
        );
      }
      report.nextPlan.push({
        address: roleAddress(key),
        what: `IAM role ${f.name} is adopted: its trust policy becomes s3repl's (S3 only, for this account) and it is tagged ${MANAGED_BY_TAG}=s3repl with the state's lineage`,
      });
      if (f.inlinePolicies[POLICY_NAME] === undefined) {
        report.nextPlan.push({
          address: rolePolicyAddress(key),
          what: `inline policy ${POLICY_NAME} of role ${f.name} is created with the least-privilege permissions the rules need`,
        });
      }
    } else {
      roles[key] = { arn };
      comment(['roles', key], 'Used as is: s3repl never changes this role (s3repl import --adopt-role would manage it).');
      if (f.exists === false) notes.push('it does not exist: S3 cannot replicate these buckets until it does');
      else if (f.exists === null) notes.push(`it is in account ${f.account || 'unknown'}, which s3repl does not read`);
      else if (f.trustPolicy && !trustsS3(f.trustPolicy)) notes.push('its trust policy does not let s3.amazonaws.com assume it: replication is probably failing');
    }
    report.roles.push({ arn, key, adopted: opts.adoptRole, notes });
  }
  const defaultsTags = opts.adoptRole ? sharedRoleTags(roleArns.map((a) => facts.roles[a]).filter((r): r is RoleFacts => r !== undefined)) : {};

  // --- alarms ---------------------------------------------------------------------------------
  const alarmPlan = planAlarms(facts.alarms, perSource, report, (bucket) => facts.buckets[bucket]?.region);

  // --- assemble -------------------------------------------------------------------------------
  const replications: RawReplication[] = facts.sources.map((s, i) => {
    const es = perSource.get(s.bucket.name)!;
    const v1Rules: string[] = [];
    const rules = es.map((e, k) => {
      const rulePath: Path = ['replications', i, 'rules', k];
      const lines: string[] = [];
      if (e.v1) {
        v1Rules.push(e.raw.id);
        lines.push(
          'Converted from a V1 rule (rule-level Prefix, no Filter) to the V2 form: the next plan shows format: V1 → V2.',
          'V1 rules replicate delete markers, hence deleteMarkers: true.',
        );
        // V1 rules have no priority, and s3repl requires one per rule
        // (duplicate-priority): number them by position.
        if (es.length > 1) e.raw.priority = k + 1;
      }
      if (GENERATED_ID.test(e.raw.id)) lines.push('id generated by AWS: keep it, replication metrics and alarms name the rule by it.');
      const alarms = alarmPlan.byRule.get(`${s.bucket.name}\u0000${e.raw.id}`);
      if (alarms) {
        e.raw.alarms = alarms.settings;
        comments.push({ path: [...rulePath, 'alarms'], text: `From the CloudWatch ${alarms.names.length === 1 ? 'alarm' : 'alarms'} ${alarms.names.join(', ')}` });
      }
      if (lines.length) comments.push({ path: rulePath, text: lines.join('\n') });
      return e.raw;
    });
    report.sources.push({ bucket: s.bucket.name, region: s.bucket.region, rules: es.map((e) => e.raw.id), v1Rules });
    if (v1Rules.length) {
      report.nextPlan.push({
        address: replicationAddress(s.bucket.name),
        what:
          `format: V1 → V2. ${s.bucket.name} uses the legacy V1 schema (rule-level Prefix); s3repl writes every rule in the V2 form ` +
          `(Filter, Priority, DeleteMarkerReplication). Same objects, same destinations; delete markers stay replicated (deleteMarkers: true), as V1 rules do` +
          (es.length > 1 ? '; the rules get priorities by position (V1 rules have none)' : ''),
      });
    }
    return { source: s.bucket.name, role: roleKeyOf.get(s.replication.Role!)!, rules };
  });

  const raw: RawConfig = { version: 1 };
  raw.defaults = { region: facts.sources[0]!.bucket.region };
  if (Object.keys(defaultsTags).length) {
    raw.defaults.tags = defaultsTags;
    comment(['defaults', 'tags'], 'The adopted role\'s own tags, so that s3repl keeps them (it tags what it manages with defaults.tags).');
  }
  raw.buckets = buckets;
  raw.roles = roles;
  if (alarmPlan.namePrefix !== DEFAULT_ALARM_PREFIX || alarmPlan.evaluationPeriods !== DEFAULT_EVALUATION_PERIODS) {
    raw.alarms = {};
    if (alarmPlan.namePrefix !== DEFAULT_ALARM_PREFIX) raw.alarms.namePrefix = alarmPlan.namePrefix;
    if (alarmPlan.evaluationPeriods !== DEFAULT_EVALUATION_PERIODS) raw.alarms.evaluationPeriods = alarmPlan.evaluationPeriods;
    comment(['alarms'], 'As the existing alarms are named and evaluated.');
  }
  raw.replications = replications;

  comment(
    ['buckets'],
    'Existing buckets (create: false): s3repl never creates or deletes them. It keeps versioning enabled on those of this account, as replication requires.',
  );
  for (const [name, text] of bucketNotes) comment(['buckets', name], text);
  for (const name of destNames) {
    if (facts.buckets[name]?.replicates) {
      report.notes.push(`destination ${name} has a replication configuration of its own, which was not imported (add --bucket ${name} to import it as well)`);
    }
  }
  comment(['replications'], 'The replication configurations as they are in AWS, rule by rule (ids, priorities and filters kept).');

  const doc = new Document(raw);
  doc.commentBefore = [
    ` yaml-language-server: $schema=${opts.schemaRef}`,
    ` Generated by s3repl import on ${opts.date} from account ${facts.accountId} (${sourceNames.join(', ')}).`,
    ' Review it, commit it, then run `s3repl plan` (see docs/import.md).',
  ].join('\n');
  for (const c of comments) addComment(doc, c.path, c.text);
  quoteAmbiguous(doc);
  return { raw, doc, report };
}

/** Adds a comment line (or lines) above the node at `path` (a mapping key or a list item). */
export function addComment(doc: Document, path: Path, text: string): void {
  const lines = text
    .split('\n')
    .flatMap((l) => wrap(l, 96))
    .map((l) => ` ${l}`)
    .join('\n');
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  let target: Node | undefined;
  if (isMap(parent)) {
    const pair = (parent.items as Array<Pair<unknown, unknown>>).find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
    if (pair && isScalar(pair.key)) target = pair.key as Scalar;
  } else if (isSeq(parent) && typeof last === 'number') {
    target = parent.items[last] as Node | undefined;
  }
  if (!target) throw new Error(`import: no node at ${path.join('.')} to comment`);
  target.commentBefore = target.commentBefore ? `${target.commentBefore}\n${lines}` : lines;
}

/**
 * Strings that YAML 1.1 readers (PyYAML, older tools) take for booleans, nulls
 * or numbers are written quoted: s3repl reads YAML 1.2, where they are strings
 * anyway, but the file should mean the same thing to every tool.
 */
function quoteAmbiguous(doc: Document): void {
  const yaml11 = /^(?:y|n|yes|no|true|false|on|off|null|~|[-+]?(?:\d[\d_]*)?\.?[\d_]*(?:e[-+]?\d+)?|[-+]?0x[\da-f_]+|[-+]?0b[01_]+|[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?|\.inf|\.nan)$/i;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && yaml11.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

/** Word-wraps a comment line (words longer than the width stay whole). */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = word;
    } else {
      cur = cur ? `${cur} ${word}` : word;
    }
  }
  out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------- rules

function cannot(bucket: string, rule: string | undefined, what: string, hint: string): never {
  throw new UserError(`cannot import bucket ${bucket}${rule !== undefined ? `, rule ${JSON.stringify(rule)}` : ''}: ${what}`, hint);
}

function checkRoleArn(s: SourceFacts): void {
  const role = s.replication.Role ?? '';
  if (!ROLE_ARN.test(role)) {
    cannot(s.bucket.name, undefined, `its replication role ${JSON.stringify(role)} is not an IAM role ARN of the aws partition`, 'replication.yaml takes roles as arn:aws:iam::ACCOUNT:role/NAME');
  }
}

/** Refuses what replication.yaml cannot say without changing the rule. */
function checkRule(bucket: string, r: ReplicationRule, seen: Set<string>): void {
  const id = r.ID;
  if (!id) cannot(bucket, undefined, 'a rule has no id', 'give every rule an id in AWS (s3repl addresses rules by id)');
  if (seen.has(id)) cannot(bucket, id, 'two rules have this id', 'make rule ids unique in AWS first');
  seen.add(id);
  const eor = r.ExistingObjectReplication?.Status;
  if (eor === 'Enabled') {
    cannot(
      bucket,
      id,
      'ExistingObjectReplication is enabled (a setting AWS Support turns on); replication.yaml cannot express it, and the next apply of this bucket would drop it',
      'keep managing this bucket by hand, or use existingObjects: replicate (S3 Batch Replication) instead and disable ExistingObjectReplication first',
    );
  }
  if ((r.Priority ?? 0) < 0) cannot(bucket, id, `its priority ${r.Priority} is negative`, 'replication.yaml takes priorities from 0; change it in AWS first');
  const tags = r.Filter?.And?.Tags ?? (r.Filter?.Tag ? [r.Filter.Tag] : []);
  const keys = tags.map((t) => t.Key ?? '');
  if (new Set(keys).size !== keys.length) {
    cannot(bucket, id, 'its tag filter names one tag key twice', 'filter.tags is a map (one value per key): change the rule in AWS first');
  }
  if (keys.some((k) => k.length === 0 || k.length > 128) || tags.some((t) => (t.Value ?? '').length > 256) || keys.length > 50) {
    cannot(bucket, id, 'its tag filter has a key or value outside S3\'s limits', 'change the rule in AWS first');
  }
  const d = r.Destination;
  const destArn = d?.Bucket ?? '';
  if (!/^arn:aws:s3:::[^/:]+$/.test(destArn)) {
    cannot(bucket, id, `its destination ${JSON.stringify(destArn)} is not a bucket ARN (arn:aws:s3:::NAME)`, 'replication.yaml names destinations by bucket; aws partition only');
  }
  if (d?.StorageClass !== undefined && !REPLICATION_STORAGE_CLASSES.includes(d.StorageClass as StorageClass)) {
    cannot(bucket, id, `storage class ${d.StorageClass} is not one replication.yaml accepts`, `use one of ${REPLICATION_STORAGE_CLASSES.join(', ')}`);
  }
  if (d?.Account !== undefined && !ACCOUNT.test(d.Account)) cannot(bucket, id, `destination account ${JSON.stringify(d.Account)} is not a 12-digit account id`, 'correct it in AWS first');
  const key = d?.EncryptionConfiguration?.ReplicaKmsKeyID;
  if (key !== undefined && !KMS_ARN.test(key)) {
    cannot(bucket, id, `its replica KMS key ${JSON.stringify(key)} is not a key or alias ARN`, 'replication.yaml takes arn:aws:kms:REGION:ACCOUNT:key/ID; set the full ARN in AWS first');
  }
  if (d?.ReplicationTime?.Status === 'Enabled' && d.Metrics?.Status !== 'Enabled') {
    cannot(bucket, id, 'Replication Time Control is on but metrics are off', 'RTC needs metrics: enable them in AWS first');
  }
  if (r.Filter && r.Prefix !== undefined && r.Prefix !== '') {
    cannot(bucket, id, 'it has both a Filter and a rule-level Prefix', 'keep one of them in AWS first');
  }
}

function toRawRule(bucket: string, id: string, n: NormalRule): RawRule {
  if (n.filter.prefix.length > 1024) cannot(bucket, id, 'its prefix is longer than 1,024 characters', 'shorten it in AWS first');
  // Keys in the order people write them: what, then where, then how.
  // (destination is set below, after filter.)
  const rule = { id, priority: n.priority, status: n.status === 'Enabled' ? 'enabled' : 'disabled' } as RawRule;
  const tagCount = Object.keys(n.filter.tags).length;
  if (n.filter.prefix !== '' || tagCount > 0) {
    rule.filter = {};
    if (n.filter.prefix !== '') rule.filter.prefix = n.filter.prefix;
    if (tagCount > 0) rule.filter.tags = { ...n.filter.tags };
  }
  rule.destination = { bucket: bucketFromArn(n.destination.bucket) };
  if (n.destination.storageClass !== null) rule.destination.storageClass = n.destination.storageClass as StorageClass;
  if (n.destination.ownerOverride) rule.destination.ownerOverride = true;
  rule.deleteMarkers = n.deleteMarkers;
  if (n.replicaModifications) rule.replicaModifications = true;
  if (n.sseKmsEncryptedObjects || n.destination.replicaKmsKeyId !== null) {
    rule.encryption = { sseKms: n.sseKmsEncryptedObjects };
    if (n.destination.replicaKmsKeyId !== null) rule.encryption.replicaKmsKey = n.destination.replicaKmsKeyId;
  }
  if (n.rtc) rule.rtc = true;
  else if (n.metrics) rule.metrics = true;
  return rule;
}

// -------------------------------------------------------------------------- buckets

/**
 * A destination bucket's entry. Another account's bucket needs `account:` (so
 * s3repl neither reads nor changes it), which every rule to it then sends as
 * Destination.Account: so every such rule must already send that account.
 */
function destinationBucket(
  name: string,
  f: BucketFacts | undefined,
  uses: Array<{ source: string; e: { raw: RawRule; normal: NormalRule } }>,
  accountId: string,
  facts: ImportFacts,
  notes: Map<string, string>,
): RawBucket {
  const first = uses[0]!;
  if (!f || f.access === 'missing') {
    cannot(first.source, first.e.raw.id, `its destination bucket ${name} does not exist`, 'remove or fix the rule in AWS first (S3 cannot replicate to it)');
  }
  const b: RawBucket = {};
  if (f.access === 'owned') {
    b.region = f.region!;
    b.create = false;
    if (f.objectLock) b.objectLock = true;
    if (f.bucketKey) b.bucketKey = true;
    // The role then may kms:GenerateDataKey for replicas of plaintext objects (docs/aws-behaviour.md, "KMS: replication grants").
    if (f.kmsKey && isKeyArn(f.kmsKey)) b.kmsKey = f.kmsKey;
    else if (f.kmsKey) {
      notes.set(name, `${name}'s default SSE-KMS key is given as "${f.kmsKey}", not a key ARN: set buckets.${name}.kmsKey to the key ARN so the role may encrypt replicas of plaintext objects with it.`);
    }
    if (f.replicates) {
      const own = `${name} has a replication configuration of its own, not imported (add --bucket ${name} to import it too).`;
      notes.set(name, notes.has(name) ? `${notes.get(name)} ${own}` : own);
    }
    return b;
  }
  // Not ours, or not readable.
  const accounts = new Set(uses.map((u) => u.e.normal.destination.account));
  const without = uses.find((u) => u.e.normal.destination.account === null);
  if (without) {
    cannot(
      without.source,
      without.e.raw.id,
      `it replicates to ${name}, which these credentials (account ${accountId}) cannot read, and the rule does not name the destination's account (Destination.Account)`,
      `replication.yaml needs buckets.${name}.account for a bucket of another account, and s3repl would then add Account to the rule: set Destination.Account on the rule in AWS first, or run import with credentials that can read ${name}`,
    );
  }
  if (accounts.size > 1) {
    cannot(first.source, first.e.raw.id, `rules replicating to ${name} name different destination accounts (${[...accounts].join(', ')})`, 'a bucket has one owner: correct Destination.Account in AWS first');
  }
  const account = [...accounts][0]!;
  if (account === accountId) {
    cannot(
      first.source,
      first.e.raw.id,
      `its destination ${name} is in this account (${accountId}) by its Destination.Account, but these credentials cannot read it`,
      `allow s3:ListBucket and s3:GetBucketVersioning on ${name} to the credentials running s3repl`,
    );
  }
  if (!f.region) {
    cannot(first.source, first.e.raw.id, `the region of destination bucket ${name} (account ${account}) cannot be found`, 'run import with credentials that can see the bucket');
  }
  b.region = f.region;
  b.account = account;
  b.create = false;
  // A source with Object Lock can only replicate to a destination with Object Lock (S3 enforces it).
  const lockedSource = uses.some((u) => facts.buckets[u.source]?.objectLock);
  if (lockedSource) b.objectLock = true;
  notes.set(name, `In account ${account}: s3repl does not read or change it. Its owners keep versioning on and let the replication role write to it.`);
  return b;
}

// --------------------------------------------------------------------------- roles

function trustsS3(doc: { Statement: Array<{ Effect: string; Principal?: unknown; Action?: string[] }> }): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const p = s.Principal;
    const services = p && p !== '*' ? ((p as Record<string, string[]>).Service ?? []) : [];
    const actions = s.Action ?? [];
    return (p === '*' || services.includes('s3.amazonaws.com')) && actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*');
  });
}

/** Tags every adopted role carries (minus s3repl's own), kept through defaults.tags. */
function sharedRoleTags(roles: RoleFacts[]): Record<string, string> {
  if (roles.length === 0) return {};
  const [first, ...rest] = roles;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first!.tags)) {
    if (k === MANAGED_BY_TAG || k === LINEAGE_TAG || k.startsWith('aws:')) continue;
    if (rest.every((r) => r.tags[k] === v)) out[k] = v;
  }
  return out;
}

// -------------------------------------------------------------------------- alarms

interface AlarmPlan {
  namePrefix: string;
  evaluationPeriods: number;
  /** `${source}\0${ruleId}` → the rule's `alarms:` and the alarm names. */
  byRule: Map<string, { settings: NonNullable<RawRule['alarms']>; names: string[] }>;
}

interface Candidate {
  facts: AlarmFacts;
  source: string;
  ruleId: string;
  metric: (typeof ALARM_METRICS)[number];
  prefix: string;
}

/**
 * Matches alarms to rules: namespace AWS/S3, one of ALARM_METRICS, dimensions
 * exactly SourceBucket/DestinationBucket/RuleId of an imported rule, and a name
 * `<prefix>-<source>-<rule id>-<metric suffix>` (the only alarms replication.yaml
 * can name). One prefix and one evaluationPeriods for all (they are global).
 */
function planAlarms(
  alarms: AlarmFacts[],
  perSource: Map<string, Array<{ raw: RawRule; normal: NormalRule; destination: string }>>,
  report: ImportReport,
  regionOf: (bucket: string) => string | undefined,
): AlarmPlan {
  const skip = (a: MetricAlarm, region: string, why: string) => report.notImported.push({ what: `CloudWatch alarm ${a.AlarmName} (${region})`, why });
  const candidates: Candidate[] = [];
  for (const f of alarms) {
    const a = f.alarm;
    const metric = ALARM_METRICS.find((m) => m.metric === a.MetricName);
    if (!a.MetricName || a.Metrics?.length) {
      skip(a, f.region, 'it is a metric-math alarm; replication.yaml alarms watch one replication metric');
      continue;
    }
    if (!metric) {
      skip(a, f.region, `it watches ${a.MetricName}; replication.yaml has alarms on ${ALARM_METRICS.map((m) => m.metric).join(', ')}`);
      continue;
    }
    const dims = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
    const names = Object.keys(dims).sort();
    if (names.join(',') !== 'DestinationBucket,RuleId,SourceBucket') {
      skip(a, f.region, `its dimensions (${names.join(', ')}) are not exactly SourceBucket, DestinationBucket and RuleId`);
      continue;
    }
    const source = dims.SourceBucket!;
    const rule = perSource.get(source)?.find((e) => e.raw.id === dims.RuleId);
    if (!rule) {
      skip(a, f.region, `it watches rule ${JSON.stringify(dims.RuleId)}, which bucket ${source} does not have`);
      continue;
    }
    if (rule.destination !== dims.DestinationBucket) {
      skip(a, f.region, `it watches destination ${dims.DestinationBucket}, but rule ${rule.raw.id} replicates to ${rule.destination}`);
      continue;
    }
    if (!rule.normal.metrics) {
      skip(a, f.region, `rule ${rule.raw.id} of ${source} publishes no replication metrics, so the alarm never gets data (enable metrics on the rule, then import again)`);
      continue;
    }
    // s3repl keeps each alarm where S3 publishes its metric (docs/aws-behaviour.md, "Replication metrics: region").
    const where = alarmRegion(metric, { region: regionOf(source) ?? '' }, { region: regionOf(rule.destination) ?? '' });
    if (where && f.region !== where) {
      skip(
        a,
        f.region,
        `it is in ${f.region}, but S3 publishes ${metric.metric} in ${where} (the ${metric.publishedIn} bucket's region), so it never gets data. To have s3repl keep one in ${where}, add ${metric.key}: ${String(a.Threshold)} under rule ${rule.raw.id}'s alarms:, then delete this one`,
      );
      continue;
    }
    const tail = `-${source}-${rule.raw.id}-${metric.suffix}`;
    const name = a.AlarmName ?? '';
    const prefix = name.endsWith(tail) ? name.slice(0, name.length - tail.length) : '';
    if (!prefix || prefix.length > 64 || !NAME_PREFIX.test(prefix)) {
      skip(
        a,
        f.region,
        `its name does not follow s3repl's naming <prefix>-${source}-${rule.raw.id}-${metric.suffix}, so replication.yaml cannot name it. To manage it with s3repl, add the threshold under the rule's alarms: (s3repl creates its own alarm) and delete this one`,
      );
      continue;
    }
    const bad = badThreshold(metric.key, a.Threshold);
    if (bad) {
      skip(a, f.region, bad);
      continue;
    }
    const actions = a.AlarmActions ?? [];
    if (actions.some((x) => !SNS_ARN.test(x)) || new Set(actions).size > 5) {
      skip(a, f.region, 'its alarm actions are not all SNS topics (at most 5); replication.yaml alarms notify SNS topics only');
      continue;
    }
    candidates.push({ facts: f, source, ruleId: rule.raw.id, metric, prefix });
  }

  // One name prefix for all: the most common one (s3repl's default on a tie).
  const namePrefix = mostCommon(candidates.map((c) => c.prefix), DEFAULT_ALARM_PREFIX) ?? DEFAULT_ALARM_PREFIX;
  const kept: Candidate[] = [];
  const taken = new Set<string>();
  for (const c of candidates) {
    if (c.prefix !== namePrefix) {
      skip(c.facts.alarm, c.facts.region, `its name prefix ${JSON.stringify(c.prefix)} differs from ${JSON.stringify(namePrefix)}, which the other alarms use (alarms.namePrefix is one setting)`);
      continue;
    }
    const k = `${c.source}\u0000${c.ruleId}\u0000${c.metric.key}`;
    if (taken.has(k)) continue; // the same name twice cannot happen in one region
    taken.add(k);
    kept.push(c);
  }
  const evaluationPeriods =
    mostCommon(
      kept.map((c) => c.facts.alarm.EvaluationPeriods).filter((n): n is number => Number.isInteger(n) && n! >= 1 && n! <= 1440),
      DEFAULT_EVALUATION_PERIODS,
    ) ?? DEFAULT_EVALUATION_PERIODS;

  const byRule: AlarmPlan['byRule'] = new Map();
  // In ALARM_METRICS order, so a rule's notify list comes from its first alarm.
  kept.sort((a, b) => ALARM_METRICS.indexOf(a.metric) - ALARM_METRICS.indexOf(b.metric));
  for (const c of kept) {
    const key = `${c.source}\u0000${c.ruleId}`;
    const entry = byRule.get(key) ?? { settings: {} as NonNullable<RawRule['alarms']>, names: [] as string[] };
    entry.settings[c.metric.key] = c.facts.alarm.Threshold!;
    // Each alarm notifies the topics of its region: the rule's notify is all of them.
    const actions = [...new Set([...(entry.settings.notify ?? []), ...(c.facts.alarm.AlarmActions ?? [])])];
    if (actions.length) entry.settings.notify = actions;
    entry.names.push(c.facts.alarm.AlarmName!);
    const lost: string[] = [];
    if (c.facts.alarm.InsufficientDataActions?.length) lost.push('its insufficient-data actions are dropped');
    if (c.facts.alarm.ActionsEnabled === false) lost.push('its actions, disabled now, are enabled');
    if (c.facts.alarm.Unit) lost.push(`its unit (${c.facts.alarm.Unit}) is dropped`);
    if (lost.length) report.notes.push(`alarm ${c.facts.alarm.AlarmName}: s3repl does not keep these settings, so when it next writes the alarm ${lost.join(', ')}`);
    byRule.set(key, entry);
    report.alarms[alarmAddress(c.source, c.ruleId, c.metric.suffix)] = c.facts.alarm.AlarmName!;
  }
  // Key order in YAML: thresholds as ALARM_METRICS lists them, then notify.
  for (const entry of byRule.values()) {
    const ordered: NonNullable<RawRule['alarms']> = {};
    for (const m of ALARM_METRICS) if (entry.settings[m.key] !== undefined) ordered[m.key] = entry.settings[m.key];
    if (entry.settings.notify) ordered.notify = entry.settings.notify;
    entry.settings = ordered;
  }
  return { namePrefix, evaluationPeriods, byRule };
}

function badThreshold(key: (typeof ALARM_METRICS)[number]['key'], t: number | undefined): string | undefined {
  if (t === undefined || !Number.isFinite(t)) return 'it has no threshold';
  switch (key) {
    case 'latencySeconds':
      return t > 0 ? undefined : `its threshold ${t} is not above 0 (latencySeconds must be)`;
    case 'failedOperations':
      return Number.isInteger(t) && t >= 1 ? undefined : `its threshold ${t} is not a whole number of at least 1 (failedOperations must be)`;
    default:
      return Number.isInteger(t) && t >= 0 ? undefined : `its threshold ${t} is not a whole number of at least 0 (${key} must be)`;
  }
}

/** The most frequent value; on a tie, `prefer` if it is among the tied, else the first seen. */
function mostCommon<T>(values: T[], prefer: T): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestN = 0;
  for (const [v, n] of counts) {
    if (n > bestN || (n === bestN && v === prefer)) {
      best = v;
      bestN = n;
    }
  }
  return best;
}
