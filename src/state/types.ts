/**
 * The state document records what s3repl manages: per resource its address,
 * kind, identifiers and last-applied (normalised) attributes. Never credentials.
 */
import type { Attrs, KindName, PendingOperation, ResourceId } from '../resources/types.js';
import { UserError } from '../errors.js';

export const STATE_FORMAT_VERSION = 1 as const;

export interface StateResource {
  address: string;
  kind: KindName;
  id: ResourceId;
  attributes: Attrs;
  /**
   * Addresses it depended on when last applied (its dependsOn then): when it
   * and they are deleted, it goes first. Absent in states written before
   * s3repl recorded it (then deletes follow kind order).
   */
  dependsOn?: string[];
  /** ISO time of the last apply that wrote this resource. */
  appliedAt: string;
  /**
   * An asynchronous AWS operation an apply started for this resource and had
   * not yet seen finish (a Multi-Region Access Point's creation): recorded as
   * soon as AWS accepted it, so that a killed apply's successor resumes
   * polling it instead of starting another. Absent when none is pending (and
   * in states written before s3repl recorded operations). While one is
   * recorded, `attributes` are what the operation is to make, not yet applied.
   */
  operation?: PendingOperation;
}

export type { PendingOperation } from '../resources/types.js';

export interface StateDocument {
  formatVersion: typeof STATE_FORMAT_VERSION;
  /** UUID fixed when the state is first created. */
  lineage: string;
  /** Incremented on every write that changes something. */
  serial: number;
  s3replVersion: string;
  /** Keyed by address; written sorted for stable diffs. */
  resources: Record<string, StateResource>;
}

export interface LockInfo {
  id: string;
  operation: string;
  who: string;
  host: string;
  pid: number;
  created: string;
  s3replVersion: string;
}

/**
 * Thrown when the lock is held by someone else (after --lock-timeout). A
 * UserError, so the CLI prints it plainly with its hint (how to force-unlock).
 * `stale`: the holder ran on this host and its process is gone.
 */
export class StateLockedError extends UserError {
  constructor(readonly holder: LockInfo, readonly where: string, readonly stale: boolean = false) {
    super(
      `state is locked by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" since ${holder.created} [lock id ${holder.id}] at ${where}` +
        (stale ? `; that process is no longer running on this host, so the lock looks stale` : ''),
      stale
        ? `If you are sure no s3repl run is using this state, remove the lock: s3repl force-unlock ${holder.id}`
        : `Wait for that run to finish (or pass --lock-timeout), or, if it was killed, remove the lock: s3repl force-unlock ${holder.id}`,
    );
    this.name = 'StateLockedError';
  }
}

/**
 * One batch of changes to a state, as StateSession.persist appends it to a
 * backend that keeps a journal (local files): the resources recorded or
 * re-recorded, the addresses forgotten, and the serial the batch brings the
 * state to (one more than the state or batch before it).
 */
export interface StateJournalEntry {
  lineage: string;
  serial: number;
  s3replVersion: string;
  put: StateResource[];
  remove: string[];
}

/** How a caller follows a wait for the lock. */
export interface LockWait {
  /** Aborting stops the wait at once (the abort reason is thrown). */
  signal?: AbortSignal;
  /** Told when the wait starts and about every 10 s after, with the holder and the time left. */
  onWait?: (holder: LockInfo, waitedMs: number, leftMs: number) => void;
}

export interface StateBackend {
  /** Where the state lives, for messages (a path or s3://bucket/key). */
  describe(): string;
  /** null when there is no state yet. Throws UserError on a corrupt or unknown-version document. */
  read(): Promise<StateDocument | null>;
  /** Atomic write; the previous version is kept as a backup. Folds in (and removes) any journal. */
  write(doc: StateDocument): Promise<void>;
  /**
   * Optional: makes one batch of changes durable in time proportional to the
   * batch (appended to a journal beside the state), instead of rewriting the
   * whole state; read() applies the journal, and write() folds it in. Only
   * called once a state exists (after a write or a read that found one).
   */
  append?(entry: StateJournalEntry): Promise<void>;
  /** Whether read() found, or append() wrote, a journal that a write() would fold in. */
  hasJournal?(): boolean;
  /** Takes the lock, waiting up to timeoutMs; throws StateLockedError naming the holder. */
  lock(operation: string, timeoutMs: number, wait?: LockWait): Promise<LockInfo>;
  unlock(lock: LockInfo): Promise<void>;
  /** Removes a lock by id regardless of holder; throws UserError when the id does not match. */
  forceUnlock(id: string): Promise<void>;
  /** The current lock, or null when unlocked (for force-unlock's confirmation and `state` commands). */
  readLock?(): Promise<LockInfo | null>;
}
