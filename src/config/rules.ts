/**
 * AWS's rules, checked on the resolved configuration before anything talks to
 * AWS: what PutBucketReplication would reject, what would be created but not
 * work, and what works but probably isn't what was meant (warnings).
 *
 * Each check has a stable rule id (documented in docs/configuration.md) and
 * reports at the path of the node at fault; the loader turns paths into
 * line:column. Call `checkRules(config)` directly on any Config.
 */
import { describePath, type Finding } from './findings.js';
import { isKnownRegion, knownRegions } from './regions.js';
import { checkAccessPoints, MRAP_RULES } from './mrap-rules.js';
import { checkEvents, EVENT_RULES } from './event-rules.js';
import { ALARM_METRICS, alarmRegion, arnRegionOf, topicsIn } from './alarms.js';
import { CONFIG_CHECKS } from '../resources/checks.generated.js';
import { didYouMean } from './suggest.js';
import { REPLICATION_STORAGE_CLASSES, type Config, type RuleConfig } from './types.js';

/** Every rule id `checkRules` can report, with what it means. */
export const RULES = {
  'missing-region': 'a bucket has no region and there is no defaults.region',
  'unknown-region': 'a region name the installed AWS SDK does not know (a warning with defaults.allowUnknownRegions)',
  'invalid-bucket-name': 'a bucket name AWS would reject',
  'unknown-bucket': 'a reference to a bucket not declared under buckets:',
  'unknown-role': 'a reference to a role not declared under roles:',
  'duplicate-source': 'two replications entries for one source bucket',
  'duplicate-rule-id': 'two rules of one source with the same id',
  'rule-id-too-long': 'a rule id over 255 characters',
  'too-many-rules': 'more than 1,000 rules for one source bucket',
  'duplicate-priority': 'two rules of one source share a priority',
  'source-equals-destination': 'a rule replicates a bucket to itself',
  'invalid-storage-class': 'a storage class replication does not accept',
  'delete-markers-with-tags': 'delete marker replication on a rule with a tag filter',
  'rtc-without-metrics': 'Replication Time Control with metrics turned off',
  'alarms-without-metrics': 'alarms on a rule that publishes no metrics',
  'owner-override-without-account': 'owner override without a destination account',
  'destination-account-mismatch': "a destination account that differs from the destination bucket's account",
  'create-in-other-account': 's3repl asked to create a bucket in an account other than the source bucket\'s that accounts: gives no credentials for',
  'account-role-mismatch': 'accounts.<id>.roleArn names a role in another account',
  'account-not-used': 'an accounts: entry no bucket belongs to (warning)',
  'account-without-credentials': 'a destination in another account that accounts: gives no credentials for: s3repl only prints what its owners must apply (warning)',
  'sse-kms-without-key': 'SSE-KMS replication without a replica KMS key',
  'kms-key-not-arn': 'a KMS key given as an alias, alias ARN or bare key id instead of a key ARN',
  'policy-too-large': "a managed role's generated policy over IAM's inline limit even with whole-bucket grants",
  'replica-key-without-sse-kms': 'KMS keys given but SSE-KMS objects not replicated (warning)',
  'kms-key-region-mismatch': "a replica KMS key outside the destination bucket's region, or a bucket's kmsKey outside its region",
  'source-kms-key-region-mismatch': "a source KMS key outside the source bucket's region",
  'object-lock-destination': 'a source with Object Lock replicating to a destination without it',
  'cross-partition': 'replication between AWS partitions (aws, aws-cn, aws-us-gov, ...)',
  'two-way-without-replica-modifications': 'two-way replication without replica modification sync on both sides (warning)',
  'chained-replication': 'A → B → C: replicas in B are not replicated on to C (warning)',
  'existing-objects-disabled-rule': 'a backfill asked for on a disabled rule (warning)',
  'usage-share-unfiltered': 'usageShare on a rule without a filter, which replicates the whole bucket (warning)',
  'alarm-topic-missing-region': 'alarms with notify set but no SNS topic in a region some of them live in',
  'alarm-topic-region': 'an SNS topic in a region none of the alarms that could use it live in (warning)',
  'too-many-alarm-topics': 'more than 5 SNS topics for the alarms of one region',
  ...MRAP_RULES,
  ...EVENT_RULES,
} as const;

export type RuleId = keyof typeof RULES;

type Path = Array<string | number>;

interface Located {
  rule: RuleConfig;
  /** Index into `replications`. */
  rep: number;
  /** Index into that entry's `rules`. */
  index: number;
  source: string;
  path: Path;
}

export function checkRules(config: Config): Finding[] {
  const out: Finding[] = [];
  const report = (rule: RuleId, path: Path, message: string, hint?: string, extra?: Partial<Finding>): void => {
    const f: Finding = { rule, severity: 'error', message, path, ...extra };
    if (hint !== undefined) f.hint = hint;
    out.push(f);
  };
  const warn = (rule: RuleId, path: Path, message: string, hint?: string): void =>
    report(rule, path, message, hint, { severity: 'warning' });

  const bucketNames = Object.keys(config.buckets);
  const roleKeys = Object.keys(config.roles);

  // Buckets on their own.
  for (const [name, bucket] of Object.entries(config.buckets)) {
    const problem = bucketNameProblem(name);
    if (problem) {
      report('invalid-bucket-name', ['buckets', name], `invalid bucket name "${name}": ${problem}`, 'see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html', { anchor: 'key' });
    }
    if (!bucket.region) {
      report('missing-region', ['buckets', name], `bucket "${name}" has no region`, `set buckets.${name}.region, or defaults.region for every bucket`, { anchor: 'key' });
    }
    if (bucket.kmsKey !== undefined) {
      checkKmsKey(bucket.kmsKey, ['buckets', name, 'kmsKey'], report);
      const keyRegion = isKeyArn(bucket.kmsKey) ? arnRegion(bucket.kmsKey) : undefined;
      if (keyRegion && bucket.region && keyRegion !== bucket.region) {
        report('kms-key-region-mismatch', ['buckets', name, 'kmsKey'], `kmsKey is in ${keyRegion} but bucket "${name}" is in ${bucket.region}`, 'give the key of the bucket\'s default encryption, which is in the bucket\'s region');
      }
    }
  }

  // Region names, against the SDK's partition data (docs/aws-behaviour.md, "Region names").
  const regionAt = (path: Path, region: string | undefined): void => {
    if (!region || isKnownRegion(region)) return;
    const message = `unknown region "${region}"${didYouMean(region, knownRegions())}`;
    if (config.defaults.allowUnknownRegions) {
      warn('unknown-region', path, `${message}: accepted because defaults.allowUnknownRegions is true`);
    } else {
      report('unknown-region', path, message, 'use a region code such as us-east-1; for a region newer than this s3repl, set defaults.allowUnknownRegions: true');
    }
  };
  regionAt(['defaults', 'region'], config.defaults.region || undefined);
  for (const [name, bucket] of Object.entries(config.buckets)) {
    if (bucket.region !== config.defaults.region) regionAt(['buckets', name, 'region'], bucket.region);
  }
  if (config.state.backend === 's3') regionAt(['state', 'region'], config.state.region);

  checkAccounts(config, report, warn);

  const unknownBucket = (path: Path, name: string): void =>
    report('unknown-bucket', path, `unknown bucket "${name}"${didYouMean(name, bucketNames)}`, `declare it under buckets: (the key is the bucket name)`);

  if (config.jobs.reportBucket !== undefined && !config.buckets[config.jobs.reportBucket]) {
    unknownBucket(['jobs', 'reportBucket'], config.jobs.reportBucket);
  }

  // Per replications entry, then per source bucket.
  const firstEntry = new Map<string, number>();
  const bySource = new Map<string, Located[]>();
  config.replications.forEach((rep, i) => {
    // Entries and rules generated by a Multi-Region Access Point's mesh are reported where it is declared.
    const repPath: Path = rep.origin ? [...rep.origin] : ['replications', i];
    if (!config.buckets[rep.source]) unknownBucket([...repPath, 'source'], rep.source);
    if (!config.roles[rep.role] && !rep.origin) {
      report('unknown-role', [...repPath, 'role'], `unknown role "${rep.role}"${didYouMean(rep.role, roleKeys)}`, 'declare it under roles: with name: (s3repl creates it) or arn: (an existing role)');
    }
    const first = firstEntry.get(rep.source);
    if (first !== undefined) {
      report('duplicate-source', [...repPath, 'source'], `bucket "${rep.source}" already has a replications entry (replications[${first}])`, 'S3 keeps one replication configuration per bucket: put all its rules in one entry');
    } else {
      firstEntry.set(rep.source, i);
    }
    const list = bySource.get(rep.source) ?? [];
    rep.rules.forEach((rule, index) => list.push({ rule, rep: i, index, source: rep.source, path: rule.origin ? [...rule.origin] : [...repPath, 'rules', index] }));
    bySource.set(rep.source, list);
  });

  for (const [source, rules] of bySource) {
    if (rules.length > 1000) {
      const at = rules[1000]!;
      report('too-many-rules', ['replications', at.rep, 'rules'], `bucket "${source}" has ${rules.length} replication rules; S3 allows at most 1,000`, 'combine rules with a shared prefix, or split objects across buckets');
    }
    const ids = new Map<string, Located>();
    const priorities = new Map<number, Located[]>();
    for (const at of rules) {
      const { rule, path } = at;
      if (rule.id.length > 255) {
        report('rule-id-too-long', [...path, 'id'], `rule id is ${rule.id.length} characters long; S3 allows at most 255`);
      }
      const same = ids.get(rule.id);
      if (same) {
        report('duplicate-rule-id', [...path, 'id'], `rule id "${rule.id}" is already used by ${describePath(same.path)} of bucket "${source}"`, 'rule ids must be unique within a source bucket');
      } else {
        ids.set(rule.id, at);
      }
      // One priority per rule within a source's configuration: S3 picks the
      // highest priority among rules to one destination, so equal priorities
      // leave it undefined which rule's settings apply, and S3 rejects them
      // outright when the configuration has several destinations
      // (docs/aws-behaviour.md, "Rule priorities").
      const group = priorities.get(rule.priority) ?? [];
      const clash = group[0];
      if (clash) {
        report(
          'duplicate-priority',
          [...path, 'priority'],
          `priority ${rule.priority} is also the priority of rule "${clash.rule.id}" (${describePath(clash.path)}) of bucket "${source}"`,
          'give each rule of a source its own priority (a rule without priority takes its 1-based position; the higher number wins where rules overlap)',
        );
      }
      group.push(at);
      priorities.set(rule.priority, group);
      checkRule(config, at, report, warn);
    }
  }

  checkTopology(bySource, warn);
  checkAccessPoints(config, report);
  checkEvents(config, report);
  // What only a kind's expansion can check (a generated policy over IAM's size limit).
  if (out.every((f) => f.severity !== 'error')) for (const [, check] of CONFIG_CHECKS) out.push(...check(config));
  // A mesh's generated rules share one location: say each problem once there.
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = JSON.stringify([f.rule, f.path, f.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Report = (rule: RuleId, path: Path, message: string, hint?: string, extra?: Partial<Finding>) => void;
type Warn = (rule: RuleId, path: Path, message: string, hint?: string) => void;

/** `accounts:` entries: a role to assume must be in the account it is listed under, and someone must use the entry. */
function checkAccounts(config: Config, report: Report, warn: Warn): void {
  const used = new Set(Object.values(config.buckets).map((b) => b.account).filter((a): a is string => a !== undefined));
  for (const [id, account] of Object.entries(config.accounts)) {
    const roleAccount = account.roleArn ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(account.roleArn)?.[1] : undefined;
    if (roleAccount !== undefined && roleAccount !== id) {
      report('account-role-mismatch', ['accounts', id, 'roleArn'], `roleArn is a role in account ${roleAccount}, but it is listed under account ${id}: its credentials would act in ${roleAccount}`, `use a role in account ${id}`);
    }
    if (!used.has(id) && !config.replications.some((rep) => rep.rules.some((r) => r.destination.account === id))) {
      report('account-not-used', ['accounts', id], `no bucket names account ${id}, so these credentials are never used`, `set account: "${id}" on the buckets that belong to it, or remove the entry`, { severity: 'warning', anchor: 'key' });
    }
  }
  // Once per account: a destination in another account that s3repl cannot reach.
  const warned = new Set<string>();
  config.replications.forEach((rep, i) => {
    const src = config.buckets[rep.source];
    rep.rules.forEach((rule, j) => {
      const target = config.buckets[rule.destination.bucket];
      const account = target?.account;
      if (!target || (target.create && src?.account !== undefined) || account === undefined || account === src?.account || config.accounts[account] || warned.has(account)) return;
      warned.add(account);
      warn(
        'account-without-credentials',
        ['replications', i, 'rules', j, 'destination', 'bucket'],
        `bucket "${target.name}" is in account ${account}, which accounts: gives no credentials for: s3repl will only print the bucket policy that account's owners must apply (and cannot check its versioning)`,
        `add accounts."${account}" with a profile or roleArn to manage both sides in one apply`,
      );
    });
  });
}

function checkRule(config: Config, at: Located, report: Report, warn: Warn): void {
  const { rule, path, source } = at;
  const dest = rule.destination;
  const destPath: Path = [...path, 'destination'];
  const src = config.buckets[source];
  const target = config.buckets[dest.bucket];

  if (!target) {
    report('unknown-bucket', [...destPath, 'bucket'], `unknown bucket "${dest.bucket}"${didYouMean(dest.bucket, Object.keys(config.buckets))}`, 'declare it under buckets: (the key is the bucket name)');
  }
  if (dest.bucket === source) {
    report('source-equals-destination', [...destPath, 'bucket'], `rule "${rule.id}" replicates bucket "${source}" to itself`, 'a destination must be another bucket');
  }
  if (dest.storageClass !== undefined && !REPLICATION_STORAGE_CLASSES.includes(dest.storageClass)) {
    report('invalid-storage-class', [...destPath, 'storageClass'], `storage class "${String(dest.storageClass)}" is not accepted for replication`, `use one of: ${REPLICATION_STORAGE_CLASSES.join(', ')}`);
  }
  if (rule.deleteMarkers && Object.keys(rule.filter.tags).length > 0) {
    report('delete-markers-with-tags', [...path, 'deleteMarkers'], 'delete markers cannot be replicated by a rule with a tag filter', 'drop the tags from filter (a prefix is fine), or set deleteMarkers: false');
  }
  if (rule.rtc && !rule.metrics) {
    report('rtc-without-metrics', [...path, 'metrics'], 'Replication Time Control needs replication metrics', 'remove "metrics: false" (metrics default to on with rtc)');
  }
  if (rule.alarms && !rule.metrics) {
    report('alarms-without-metrics', [...path, 'alarms'], `rule "${rule.id}" has alarms but publishes no replication metrics`, 'set metrics: true (or rtc: true, which turns metrics on)');
  }
  if (dest.ownerOverride && dest.account === undefined) {
    report('owner-override-without-account', [...destPath, 'ownerOverride'], 'ownerOverride needs the destination account', `set destination.account, or account on bucket "${dest.bucket}"`);
  }
  if (target?.account !== undefined && dest.account !== undefined && dest.account !== target.account) {
    report('destination-account-mismatch', [...destPath, 'account'], `destination account ${dest.account} differs from the account of bucket "${dest.bucket}" (${target.account})`, 'remove destination.account (it defaults to the bucket\'s) or correct one of them');
  }
  const otherAccount = target?.account !== undefined && target.account !== src?.account && !config.accounts[target.account];
  if (target?.create && otherAccount && src?.account !== undefined) {
    report('create-in-other-account', [...destPath, 'bucket'], `bucket "${dest.bucket}" is in account ${target.account} but has create: true; s3repl has no credentials for that account (the source's is ${src.account})`, `add accounts."${target.account}" with a profile or roleArn, or create the bucket in its own account and set create: false`);
  }

  const enc = rule.encryption;
  if (enc) {
    const encPath: Path = [...path, 'encryption'];
    if (enc.sseKms && enc.replicaKmsKey === undefined) {
      report('sse-kms-without-key', [...encPath, 'sseKms'], 'replicating SSE-KMS objects needs replicaKmsKey, the key that encrypts replicas', 'set encryption.replicaKmsKey to a KMS key ARN in the destination bucket\'s region');
    }
    if (!enc.sseKms && (enc.replicaKmsKey !== undefined || enc.sourceKmsKeys.length > 0)) {
      const key = enc.replicaKmsKey !== undefined ? 'replicaKmsKey' : 'sourceKmsKeys';
      warn('replica-key-without-sse-kms', [...encPath, key], `${key} is set but sseKms is not: SSE-KMS encrypted objects will not be replicated`, 'set encryption.sseKms: true');
    }
    if (enc.replicaKmsKey !== undefined) checkKmsKey(enc.replicaKmsKey, [...encPath, 'replicaKmsKey'], report);
    enc.sourceKmsKeys.forEach((key, k) => checkKmsKey(key, [...encPath, 'sourceKmsKeys', k], report));
    const keyRegion = enc.replicaKmsKey && isKeyArn(enc.replicaKmsKey) ? arnRegion(enc.replicaKmsKey) : undefined;
    if (keyRegion && target?.region && keyRegion !== target.region) {
      report('kms-key-region-mismatch', [...encPath, 'replicaKmsKey'], `replicaKmsKey is in ${keyRegion} but bucket "${dest.bucket}" is in ${target.region}`, 'use a key in the destination bucket\'s region (a multi-Region key has a replica ARN per region)');
    }
    enc.sourceKmsKeys.forEach((arn, k) => {
      const region = isKeyArn(arn) ? arnRegion(arn) : undefined;
      if (region && src?.region && region !== src.region) {
        report('source-kms-key-region-mismatch', [...encPath, 'sourceKmsKeys', k], `source KMS key is in ${region} but bucket "${source}" is in ${src.region}`, 'SSE-KMS keys of a bucket are in its own region');
      }
    });
  }

  if (src?.objectLock && target && !target.objectLock) {
    report('object-lock-destination', [...destPath, 'bucket'], `bucket "${source}" has Object Lock but destination "${dest.bucket}" does not`, `set objectLock: true on bucket "${dest.bucket}" (Object Lock can only be enabled on a bucket S3 creates with it, or by AWS Support)`);
  }
  if (src?.region && target?.region && partitionOf(src.region) !== partitionOf(target.region)) {
    report('cross-partition', [...destPath, 'bucket'], `bucket "${source}" (${src.region}, partition ${partitionOf(src.region)}) cannot replicate to "${dest.bucket}" (${target.region}, partition ${partitionOf(target.region)})`, 'S3 replication stays within one AWS partition');
  }
  if (rule.existingObjects === 'replicate' && rule.status === 'disabled') {
    warn('existing-objects-disabled-rule', [...path, 'existingObjects'], `rule "${rule.id}" is disabled, so no existing objects will be replicated`, 'enable the rule, or drop existingObjects');
  }
  if (rule.usageShare !== undefined && rule.usageShare !== 1 && (rule.filter.prefix ?? '') === '' && Object.keys(rule.filter.tags).length === 0) {
    warn('usage-share-unfiltered', [...path, 'usageShare'], `rule "${rule.id}" has no filter, so it replicates the whole bucket, yet usageShare says ${rule.usageShare}`, 'drop usageShare, or give the rule the filter the share stands for');
  }
  if (rule.alarms && src?.region && target?.region) checkAlarmTopics(at, src, target, report, warn);
}

/**
 * Each alarm stands in the region S3 publishes its metric in, and its actions
 * can only be SNS topics of that region (docs/aws-behaviour.md, "Replication
 * metrics: region" and "Alarm actions: region"): with notify set, every region
 * an alarm of the rule lives in needs a topic.
 */
function checkAlarmTopics(at: Located, src: { region: string }, dst: { region: string }, report: Report, warn: Warn): void {
  const { rule, path } = at;
  const alarms = rule.alarms!;
  const regions = new Map<string, string[]>();
  for (const m of ALARM_METRICS) {
    if (alarms[m.key] === undefined) continue;
    const region = alarmRegion(m, src, dst);
    regions.set(region, [...(regions.get(region) ?? []), m.key]);
  }
  const own = alarms.notifyFrom === 'rule';
  const notifyPath: Path = own ? [...path, 'alarms', 'notify'] : ['alarms', 'notify'];
  if (alarms.notify.length === 0) return;
  for (const [region, keys] of regions) {
    const topics = topicsIn(alarms.notify, region);
    if (topics.length === 0) {
      report(
        'alarm-topic-missing-region',
        [...path, 'alarms'],
        `rule "${rule.id}" has alarms in ${region} (${keys.join(', ')}) but ${own ? 'its notify' : 'alarms.notify'} lists no SNS topic in ${region}`,
        `CloudWatch alarms notify only topics of their own region; add a topic in ${region} to ${own ? "the rule's alarms.notify" : 'alarms.notify (or give the rule its own notify)'}`,
      );
    } else if (topics.length > 5) {
      report('too-many-alarm-topics', notifyPath, `${topics.length} SNS topics in ${region} for rule "${rule.id}"; CloudWatch allows at most 5 actions per list`, 'keep at most 5 topics per region');
    }
  }
  if (!own) return;
  alarms.notify.forEach((arn, k) => {
    const region = arnRegionOf(arn);
    if (region && !regions.has(region)) {
      const where = [...regions.keys()].join(' and ');
      warn('alarm-topic-region', [...notifyPath, k], `SNS topic ${arn} is in ${region}, but the alarms of rule "${rule.id}" are in ${where}: no alarm will notify it`, `use topics in ${where}`);
    }
  });
}

/** `arn:aws:kms:REGION:ACCOUNT:key/ID`: the only form a policy Resource matches (docs/aws-behaviour.md, "KMS key ARNs"). */
export function isKeyArn(key: string): boolean {
  return /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/.+$/.test(key);
}

function checkKmsKey(key: string, path: Path, report: Report): void {
  if (isKeyArn(key)) return;
  const alias = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:alias\/.+$/.test(key) || key.startsWith('alias/');
  const bareId = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/.test(key);
  const what = alias ? 'a KMS alias' : bareId ? 'a bare KMS key id' : 'not a KMS key ARN';
  report(
    'kms-key-not-arn',
    path,
    `"${key}" is ${what}; s3repl needs the key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)`,
    alias
      ? 'an IAM policy Resource that names an alias grants nothing on the key; look the key ARN up with: aws kms describe-key --key-id ' + (key.startsWith('arn:') ? key : key) + ' --query KeyMetadata.Arn'
      : 'the generated role policy names keys by ARN; look it up with: aws kms describe-key --key-id ' + key + ' --query KeyMetadata.Arn',
  );
}

/** Relations between sources: two-way pairs and chains. */
function checkTopology(bySource: Map<string, Located[]>, warn: Warn): void {
  const enabled = (at: Located): boolean => at.rule.status === 'enabled';
  for (const [source, rules] of bySource) {
    for (const at of rules) {
      if (!enabled(at)) continue;
      const dest = at.rule.destination.bucket;
      if (dest === source) continue;
      const back = (bySource.get(dest) ?? []).filter((b) => enabled(b) && b.rule.destination.bucket === source);
      if (back.length > 0 && !at.rule.replicaModifications) {
        warn(
          'two-way-without-replica-modifications',
          [...at.path, 'replicaModifications'],
          `"${source}" and "${dest}" replicate to each other, but rule "${at.rule.id}" does not sync replica modifications`,
          'set replicaModifications: true on the rules of both sides, so metadata changes made on replicas flow back',
        );
      }
      for (const next of bySource.get(dest) ?? []) {
        const onward = next.rule.destination.bucket;
        if (!enabled(next) || onward === source || onward === dest) continue;
        // Already replicated there directly: nothing is missing.
        if (rules.some((r) => enabled(r) && r.rule.destination.bucket === onward)) continue;
        warn(
          'chained-replication',
          [...next.path, 'destination', 'bucket'],
          `objects "${dest}" receives as replicas from "${source}" (rule "${at.rule.id}") are not replicated on to "${onward}"`,
          `S3 does not replicate replicas: add a rule from "${source}" to "${onward}" directly (or backfill replicas with Batch Replication)`,
        );
      }
    }
  }
}

/** Why AWS would reject a general purpose bucket name, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (it is ${name.length})`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'only lowercase letters, digits, dots (.) and hyphens (-) are allowed';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `must not end with the reserved suffix "${suffix}"`;
  }
  return undefined;
}

/** The region field of an ARN (`arn:aws:kms:REGION:...`). */
export function arnRegion(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region ? region : undefined;
}

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}
