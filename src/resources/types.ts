/**
 * The resource-kind interface. A kind is one folder under src/resources/<kind>/
 * that owns everything about one kind of AWS resource: how the configuration
 * expands into desired resources of that kind, how to read them live (in
 * batches), how to normalise them so AWS defaults never show as a diff, how to
 * create, update and delete them, the IAM documents they hold, and the words
 * plan, drift and import use for them. The engine, import, drift, health and
 * render code speak only this interface; adding a kind means adding a folder and
 * one line in the registry (src/resources/index.ts), then `npm run gen`
 * (docs/adding-a-kind.md).
 */
import type { AwsClients } from '../aws/clients.js';
import type { Finding } from '../config/findings.js';
import type { BucketConfig, Config, RuleConfig } from '../config/types.js';
import type { PolicyDocument } from './policy-doc.js';
import type { KindName } from './kind-names.js';
import type { Attrs, Json, ResourceId } from './values.js';

export type { KindName } from './kind-names.js';
export type { Attrs, Json, ResourceId } from './values.js';


export interface DesiredResource {
  address: string;
  kind: KindName;
  id: ResourceId;
  attributes: Attrs;
  /**
   * Addresses of the desired resources that must exist before this one can be
   * created or updated (and that it must be deleted before). Every address is
   * one the same expansion produces.
   */
  dependsOn: string[];
}

/** A resource as read from AWS: null when it does not exist. */
export type LiveValue = Attrs | null;

/** Something a plan tells its reader beside the changes (shown in every format). */
export interface Notice {
  level: 'info' | 'warning';
  address?: string;
  message: string;
  /** Extra text a reviewer needs, e.g. a bucket policy for the destination account. */
  detail?: string;
}

/**
 * A resource the configuration uses but does not create (a bucket without
 * `create: true`): its address must read as existing, else plan stops (or, for
 * drift, reports it).
 */
export interface Expectation {
  /** Address of a desired resource whose live read is null when the thing is missing. */
  address: string;
  /** What is missing, e.g. `bucket logs (us-east-1)`. */
  what: string;
  /** What the user can do about it. */
  hint: string;
}

/** What a kind's expansion gets: the configuration and where it runs. */
export interface ExpandContext {
  config: Config;
  /** The caller's account id. */
  accountId: string;
  /** The state lineage, for ownership tags. */
  lineage: string;
  /** Tell the plan's reader something (a cross-account grant to apply, a role in another account). */
  notice(n: Notice): void;
  /** Require a resource the configuration does not create to exist. */
  expect(e: Expectation): void;
}

/** What `settle` sees once the plan has read AWS. */
export interface SettleContext {
  /** The live value read for a desired address (null: it does not exist; undefined: not read). */
  live(address: string): LiveValue | undefined;
  /** The last-applied attributes the state records for an address, if any. */
  applied(address: string): Attrs | undefined;
  /** Tell the plan's reader something about this resource. */
  notice(n: Notice): void;
}

export interface ReadContext {
  aws: AwsClients;
  /** The caller's account id. */
  accountId: string;
  /**
   * Told each value as soon as it is read (null: not found), and holds it from
   * then on: readMany need not return it. A plan normalises the value there, and
   * keeps the equal value it already holds (the configuration's or the state's)
   * instead of a second copy: at 10,000 sources the values a read holds until its
   * kind is done would otherwise be a copy of everything.
   */
  keep?: (address: string, value: Attrs | null) => void;
  /**
   * Runs the reading of one item (or one batch) in one of a few slots that the
   * reads of every kind share. A call waiting for the client's limit holds its
   * built command and what its read has so far: with every kind's reads queued at
   * once, hundreds wait, long enough to outlive the young generation and fill the
   * heap with garbage. Bounding the items under way, not the calls, keeps the
   * limit busy while few calls wait. Absent: no bound beyond the client's.
   */
  slot?: <T>(read: () => Promise<T>) => Promise<T>;
}

export interface ApplyContext extends ReadContext {
  /** Ownership tags and state lineage, for resources that carry tags. */
  lineage: string;
  tags: Record<string, string>;
  /** Report progress of a long step (retries, waits) to the user. */
  log(message: string): void;
  /**
   * The asynchronous operation the state records as started for this resource
   * and not seen to finish (a killed apply's): the kind resumes polling it
   * rather than starting another. Undefined when none is recorded.
   */
  operation?: PendingOperation;
  /**
   * Records, durably, that an asynchronous operation AWS has just accepted is
   * under way for this resource (null: that it is over), before the kind
   * starts waiting for it: a killed apply's successor then resumes it (see
   * `operation`). Resolves once the state holds it.
   */
  recordOperation(op: PendingOperation | null): Promise<void>;
}

/** An asynchronous AWS operation under way for a resource, as the state records it. */
export interface PendingOperation {
  /** What it does to the resource. */
  type: 'create' | 'delete';
  /** AWS's handle to poll it with (a RequestTokenARN). */
  request: string;
  /** ISO time AWS accepted it. */
  startedAt: string;
}

/** An IAM policy a resource of this kind holds, for the plan's IAM table and drift's. */
export interface IamView {
  /** `trust` (who may assume the role) or `permissions` (what it may do). */
  policy: 'trust' | 'permissions';
  /** The policy document in a resource's (normalised) attributes, null when it has none. */
  document(attrs: Attrs): PolicyDocument | null;
  /** The role the policy belongs to: its address and name. */
  role(address: string, id: ResourceId): { address: string; roleName: string };
}

/**
 * How `s3repl import` treats a resource of the generated configuration that is
 * missing from AWS or differs from it (verify.ts asks the resource's kind):
 * - `record`: expected; recorded in state with its live value. `nextPlan` says
 *   what the next plan changes; `comment` is written beside a rule's key in the
 *   generated file;
 * - `skip`: expected to be missing (the next plan creates it); not recorded;
 * - `unexpected`: the generated file does not reproduce the live setup (a bug).
 */
export type ImportVerdict =
  | { verdict: 'record'; nextPlan?: string; comment?: { source: string; ruleId: string; key: string; text: string } }
  | { verdict: 'skip' }
  | { verdict: 'unexpected' };

export interface ImportCheck {
  desired: DesiredResource;
  /** null: not found in AWS. */
  live: Attrs | null;
  /** Attribute paths that differ (live → desired). */
  paths: string[];
  /** Whether import's generator already reported this address as one the next plan changes. */
  known: boolean;
}

/** One rule of a replication and the buckets it joins: what a managed role is used for. */
export interface RoleUse {
  source: BucketConfig;
  rule: RuleConfig;
  destination: BucketConfig;
}

/** Permissions a role needs on one resource (the generated policy merges them into statements). */
export interface Grant {
  actions: string[];
  resource: string;
  condition?: Record<string, Record<string, string[]>>;
}

export interface GrantContext {
  config: Config;
  /**
   * The ARN of a bucket's objects under a prefix, as the policy grants it: the
   * whole bucket when the policy had to be widened to fit IAM's size limit.
   */
  objects(bucket: string, prefix: string): string;
}

export type RoleGrants = (use: RoleUse, ctx: GrantContext) => Grant[];
export type ConfigCheck = (config: Config) => Finding[];

/**
 * What a resource means for the cost estimate (src/cost reads a plan's values
 * only through these, from each kind's costFacts):
 * - `rule`: a replication rule as it is (its source bucket and Region, what it replicates);
 * - `rule-alarm`: an alarm watching a rule's replication metrics;
 * - `rule-backfill`: a Batch Replication job replicating a rule's existing objects;
 * - `s3-bucket`: the resource is a bucket (a created one holds nothing yet).
 */
export type CostFact =
  | { fact: 'rule'; source: string; region: string | null; rule: CostRule }
  | { fact: 'rule-alarm'; source: string; ruleId: string }
  | { fact: 'rule-backfill'; source: string; ruleId: string }
  | { fact: 's3-bucket'; bucket: string };

export interface CostRule {
  ruleId: string;
  /** Bucket name. */
  destination: string;
  /** As the rule says it (null: the source object's class). */
  storageClass: string | null;
  enabled: boolean;
  rtc: boolean;
  metrics: boolean;
  sseKms: boolean;
  filter: { prefix: string; tags: Record<string, string> };
}

/**
 * Why an attribute cannot change in place: the reason (pointing at the ledger
 * entry, docs/aws-behaviour.md), or a function of the normalised values before
 * and after that gives the reason, or null when this change can be made in
 * place (Object Lock can be turned on, never off).
 */
export type ReplaceRule = string | ((before: Json | undefined, after: Json | undefined) => string | null);

export interface ResourceKind {
  kind: KindName;
  /** Apply order: lower first for creates/updates, reverse for deletes. */
  phase: number;
  /** Its row in the docs' table of what s3repl manages (README): address pattern, what it is, notes. */
  doc: { address: string; resource: string; notes: string };
  /** One line naming a resource for people, e.g. `IAM role s3repl-replication`. */
  describe(id: ResourceId): string;
  /** The desired resources of this kind in a configuration (attributes need not be normalised yet). */
  expand(ctx: ExpandContext): DesiredResource[];
  /** Canonical form of attributes, applied to desired, live and state alike. */
  normalize(attrs: Attrs): Attrs;
  /**
   * Top-level attributes AWS cannot change in place (a role's path): a change
   * to one plans a replace (delete, then create under the same identifiers)
   * instead of an update. A list names them; a record also says why, per
   * attribute (the plan shows the reason), and may allow some changes (see
   * ReplaceRule). An identifier (a key of the resource id) named here is checked
   * too when the identifiers change. A kind that never deletes (neverDelete)
   * cannot be replaced: such a change is a plan error that gives the reason.
   */
  requiresReplace?: readonly string[] | { readonly [attribute: string]: ReplaceRule };
  /**
   * Deleting a resource this one depends on deletes this one too (an inline
   * policy goes with its role): when that resource is replaced in place, this
   * one is replaced with it.
   */
  goesWithDependency?: boolean;
  /**
   * Completes a desired resource with what only AWS or the state can tell
   * (whether a backfill's destination is new to the bucket's live replication
   * configuration), once the plan has read them and before it compares. The
   * configuration alone (validate, graph) sees the resource as expanded.
   */
  settle?(desired: DesiredResource, ctx: SettleContext): DesiredResource;
  /**
   * Reads many resources of this kind with as few calls as possible. Keyed by
   * address. A value given to the context's `keep` may be left out of the map:
   * the caller holds it (a second map of 70,000 values at 10,000 sources).
   */
  readMany(ctx: ReadContext, items: ReadonlyArray<{ address: string; id: ResourceId }>): Promise<Map<string, LiveValue>>;
  /** Creates it; may return attributes AWS assigned (a job id) to record in state. */
  create(ctx: ApplyContext, r: DesiredResource): Promise<Attrs | void>;
  update(ctx: ApplyContext, r: DesiredResource, live: Attrs): Promise<void>;
  delete(ctx: ApplyContext, address: string, id: ResourceId, last: Attrs): Promise<void>;
  /**
   * Whether a live resource that s3repl has no state for may be taken over:
   * true when it carries s3repl's ownership marks for this lineage, or the kind
   * has no notion of ownership (versioning, replication configuration). A
   * string is an error explaining how to adopt it.
   */
  adoptable?(live: Attrs, lineage: string | null): true | string;
  /**
   * Whether a live resource carries s3repl's ownership marks for this state
   * (tags naming its lineage, or the kind's own mark): one found without a state
   * record was made by an apply of this state that stopped before recording it,
   * and is recorded without being shown as an adoption. Kinds without marks
   * never prove it: what they find is planned as `adopt`.
   */
  ownedBy?(live: Attrs, lineage: string | null): boolean;
  /**
   * For a kind whose resource is s3repl's share of an AWS document that other
   * tools write too (a bucket's notification configuration): the part of a
   * normalised live value s3repl manages, null when it has nothing there. Plan,
   * drift and saved-plan checks see only this part; the whole value goes to
   * `notices`.
   */
  managed?(live: Attrs): Attrs | null;
  /**
   * What a reader of the plan must know about a resource beside its change,
   * from its whole live value (null: not found) and its desired value (null:
   * being deleted): other tools' entries it keeps, conflicts AWS would refuse.
   */
  notices?(c: { address: string; id: ResourceId; live: Attrs | null; desired: Attrs | null }): Notice[];
  /** Why an update is needed, when its attribute changes alone do not say (a schema upgrade), or what to do about it. Shown in the plan and drift. */
  explain?(live: Attrs, desired: Attrs, id: ResourceId): string[];
  /**
   * Why the identifiers changed (an alarm moved to another region), or what the
   * change costs (an access point's alias), when "A becomes B" alone does not say.
   * `priorLive` is the resource under its old identifiers as read. Shown in the plan.
   */
  explainIdChange?(prior: ResourceId, next: ResourceId, desired: Attrs, priorLive: Attrs): string[];
  /**
   * Kinds s3repl never deletes (bucket, versioning): when one leaves the
   * configuration it is only forgotten, and this is the reason the plan gives.
   */
  neverDelete?: string;
  /** The IAM policy this kind holds, if any (roles, inline policies). */
  iam?: IamView;
  /** How import's verification treats a difference for this kind (default: unexpected). */
  importCheck?(c: ImportCheck): ImportVerdict;
  /**
   * The permissions this kind needs from a managed replication role for one rule
   * that uses the role (replication itself, Batch Replication, …): the role's
   * generated inline policy is the union of every kind's grants, merged.
   * Exported as `roleGrants` from the kind's `grants.ts`, which must not load
   * the AWS SDK: validate computes policies (`npm run gen` lists it in
   * grants.generated.ts; the registry test checks it is this member).
   */
  roleGrants?: RoleGrants;
  /**
   * AWS rules only this kind's expansion can check (a generated policy over IAM's
   * size limit), reported by validate with the configuration's other rule
   * findings (their rule ids are listed in config/rules.ts); asked only when
   * the configuration has no other error. Exported as `checkConfig` from the
   * kind's `check.ts`, which must not load the AWS SDK (`npm run gen` lists it in
   * checks.generated.ts).
   */
  checkConfig?: ConfigCheck;
  /**
   * What a resource's value (a plan's before or after, normalised as in plan
   * JSON) means for the cost estimate; `id` is the resource's identifiers.
   */
  costFacts?(value: Attrs, id: ResourceId): CostFact[];
}
