/**
 * A resource kind is one file under src/resources/: its desired shape, how to
 * read it live (in batches), how to normalise it so AWS defaults never show as a
 * diff, and how to create, update and delete it. Adding a kind means adding one
 * module and one line in the registry (src/resources/index.ts).
 */
import type { AwsClients } from '../aws/clients.js';

export type KindName =
  | 'bucket'
  | 'versioning'
  | 'role'
  | 'role-policy'
  | 'replication'
  | 'alarm'
  | 'job';

/** Attribute values are plain JSON. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Attrs = { [k: string]: Json };

/** Identifiers: what AWS needs to find the resource (bucket+region, role name, alarm name+region). */
export type ResourceId = Record<string, string>;

export interface DesiredResource {
  address: string;
  kind: KindName;
  id: ResourceId;
  attributes: Attrs;
  /** Addresses that must be applied first (beyond the kind's phase order). */
  dependsOn: string[];
}

/** A resource as read from AWS: null when it does not exist. */
export type LiveValue = Attrs | null;

export interface ReadContext {
  aws: AwsClients;
  /** The caller's account id. */
  accountId: string;
}

export interface ApplyContext extends ReadContext {
  /** Ownership tags and state lineage, for resources that carry tags. */
  lineage: string;
  tags: Record<string, string>;
  /** Report progress of a long step (retries, waits) to the user. */
  log(message: string): void;
}

export interface ResourceKind {
  kind: KindName;
  /** Apply order: lower first for creates/updates, reverse for deletes. */
  phase: number;
  /** Attribute paths shown redacted or not diffed (none hold secrets today). */
  describe(id: ResourceId): string;
  /** Canonical form of attributes, applied to desired, live and state alike. */
  normalize(attrs: Attrs): Attrs;
  /** Reads many resources of this kind with as few calls as possible. Keyed by address. */
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
  /** Why an update is needed, when its attribute changes alone do not say (a schema upgrade). Shown in the plan. */
  explain?(live: Attrs, desired: Attrs): string[];
  /** Kinds whose delete is only a forget (bucket, versioning). */
  neverDelete?: boolean;
}
