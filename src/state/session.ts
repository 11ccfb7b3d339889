/**
 * A StateSession is how apply (and `state rm`) change state: open it (taking
 * the lock), record each step with put/remove, make it durable with persist()
 * after every step, and close() at the end, on success or failure.
 *
 * Serial semantics: the serial goes up by exactly 1 for each write that
 * changes something; a write with nothing new is skipped, so an apply that
 * changes nothing never bumps it. Putting a resource identical to the one
 * recorded (kind, id, attributes) keeps the recorded one, `appliedAt`
 * included, so re-recording no-ops is harmless.
 *
 * What a write costs: the session tracks which addresses changed since the
 * last durable write. With a backend that keeps a journal (local files), a
 * write appends just those resources (see journal.ts), and close() folds the
 * journal into one whole write of the state; otherwise (S3) a write is the
 * whole state. Either way a write is durable before it counts: a process
 * killed at any point loses only what no persist() had yet confirmed.
 *
 * Group commit: persist() may be called concurrently (apply runs independent
 * steps in parallel). While one write is in flight, later calls share the one
 * next write, which starts as soon as the current one finishes and contains
 * every change made before it starts. Each caller's promise resolves only once
 * a write holding its change is durable, and rejects if that write fails (the
 * change stays in memory and the next persist() tries again). Writes happen in
 * the order the changes were made, so what is durable is always everything up
 * to some point in that order.
 */
import { VERSION } from '../version.js';
import { assertNoSecrets, newState, sameResource } from './document.js';
import type { LockInfo, LockWait, StateBackend, StateDocument, StateResource } from './types.js';

export interface SessionOptions {
  /** Take the lock for the session's lifetime (apply, `state rm`). Omit for read-only use. */
  lock?: { operation: string; timeoutMs: number } & LockWait;
}

export class StateSession {
  /** The working document: read it freely, change it only with put/remove. */
  readonly doc: StateDocument;
  /**
   * What the backend holds as far as we know: the last document read or written
   * (null: none yet). Its resources are shared with `doc` until changed (a
   * recorded resource is replaced by put, never modified).
   */
  private durable: StateDocument | null;
  /** Addresses put or removed since the last durable write. */
  private readonly changed = new Set<string>();
  /** When the next whole write (not a journal append) may start (see writeOnce). */
  private nextWholeWriteAt = 0;
  /** initialize() asked for the (empty) state to be written even though nothing changed. */
  private mustCreate = false;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private closed = false;

  private constructor(
    readonly backend: StateBackend,
    existing: StateDocument | null,
    /** The lock this session holds, if it took one. */
    readonly lockInfo: LockInfo | undefined,
  ) {
    this.durable = existing;
    this.doc = existing ? { ...existing, resources: { ...existing.resources } } : newState();
  }

  /** Takes the lock (when asked), then reads the state or starts a new one. Unlocks again if the read fails. */
  static async open(backend: StateBackend, opts: SessionOptions = {}): Promise<StateSession> {
    const lock = opts.lock
      ? await backend.lock(opts.lock.operation, opts.lock.timeoutMs, { signal: opts.lock.signal, onWait: opts.lock.onWait })
      : undefined;
    try {
      return new StateSession(backend, await backend.read(), lock);
    } catch (e) {
      if (lock) await backend.unlock(lock).catch(() => undefined);
      throw e;
    }
  }

  get lineage(): string {
    return this.doc.lineage;
  }

  /** The serial of the last durable version (0 for a state not yet written). */
  get serial(): number {
    return this.durable?.serial ?? 0;
  }

  /** Whether a state existed (was read or has been written). */
  get exists(): boolean {
    return this.durable !== null;
  }

  /** Whether there are changes not yet durable. */
  get dirty(): boolean {
    if (this.durable === null) return this.mustCreate || Object.keys(this.doc.resources).length > 0;
    if (this.doc.lineage !== this.durable.lineage) return true;
    for (const address of this.changed) if (this.differs(address)) return true;
    return false;
  }

  /** Whether an address's record differs from the durable one. */
  private differs(address: string): boolean {
    const now = this.doc.resources[address];
    const was = this.durable?.resources[address];
    if (now === was) return false;
    return now === undefined || was === undefined || !sameResource(now, was);
  }

  get(address: string): StateResource | undefined {
    return this.doc.resources[address];
  }

  addresses(): string[] {
    return Object.keys(this.doc.resources).sort();
  }

  /** Records a resource (created, updated or adopted). Throws if it holds anything like a credential. */
  put(resource: StateResource): void {
    this.assertOpen();
    assertNoSecrets(resource);
    const existing = this.doc.resources[resource.address];
    if (existing && sameResource(existing, resource)) return;
    this.doc.resources[resource.address] = structuredClone(resource);
    this.changed.add(resource.address);
  }

  /** Forgets a resource (deleted, or `state rm`). Returns whether it was recorded. */
  remove(address: string): boolean {
    this.assertOpen();
    if (!(address in this.doc.resources)) return false;
    delete this.doc.resources[address];
    this.changed.add(address);
    return true;
  }

  /**
   * Writes the state now if none exists yet, so the lineage is durable before
   * apply tags anything in AWS with it. A no-op when a state exists.
   */
  async initialize(): Promise<void> {
    if (this.durable === null) this.mustCreate = true;
    await this.persist();
  }

  /** Makes every change so far durable (group commit; see the file comment). */
  persist(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.startWrite();
    const queued = this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.startWrite();
      });
    this.queued = queued;
    return queued;
  }

  /** Same as persist(): writes only if something changed since the last write. */
  flush(): Promise<void> {
    return this.persist();
  }

  /**
   * Flushes, folds any journal into one whole write of the state (only under
   * the lock: a read-only session never writes), then releases the lock, even
   * when a write fails (whose error is then rethrown).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    let failure: unknown;
    try {
      await this.persist();
      if (this.lockInfo && this.durable && this.backend.hasJournal?.()) await this.backend.write(this.durable);
    } catch (e) {
      failure = e;
    }
    this.closed = true;
    if (this.lockInfo) {
      try {
        await this.backend.unlock(this.lockInfo);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Whether the next write is a journal append (see writeOnce). */
  private journaled(): boolean {
    return this.durable !== null && this.backend.append !== undefined && this.doc.lineage === this.durable.lineage;
  }

  private startWrite(): Promise<void> {
    const p: Promise<void> = this.writeOnce().finally(() => {
      if (this.inFlight === p) this.inFlight = null;
    });
    this.inFlight = p;
    return p;
  }

  private async writeOnce(): Promise<void> {
    // A whole write (no journal: S3) costs the whole state. Spaced by three times
    // the last one's duration, rewriting a large state takes at most a quarter of
    // the time however many steps finish; what finishes meanwhile joins this write.
    const wait = this.nextWholeWriteAt - Date.now();
    if (wait > 0 && !this.journaled()) await new Promise((resolve) => setTimeout(resolve, wait));
    // Everything from here to the first await runs synchronously, so the snapshot
    // holds every change made before this write started.
    if (!this.dirty) {
      this.changed.clear();
      return;
    }
    const serial = this.serial + 1;
    const durable = this.durable;
    const batch = [...this.changed];
    this.changed.clear();
    try {
      if (durable !== null && this.backend.append && this.journaled()) {
        const put: StateResource[] = [];
        const remove: string[] = [];
        for (const address of batch) {
          if (!this.differs(address)) continue;
          const r = this.doc.resources[address];
          if (r) put.push(r);
          else remove.push(address);
        }
        await this.backend.append({ lineage: durable.lineage, serial, s3replVersion: VERSION, put, remove });
        for (const r of put) durable.resources[r.address] = r;
        for (const address of remove) delete durable.resources[address];
        durable.serial = serial;
        durable.s3replVersion = VERSION;
      } else {
        const next: StateDocument = { ...this.doc, resources: { ...this.doc.resources }, serial, s3replVersion: VERSION };
        const started = Date.now();
        await this.backend.write(next);
        this.nextWholeWriteAt = Date.now() + 3 * (Date.now() - started);
        this.durable = next;
      }
    } catch (e) {
      // Not durable: the next write carries these changes.
      for (const address of batch) this.changed.add(address);
      throw e;
    }
    this.mustCreate = false;
    this.doc.serial = serial;
    this.doc.s3replVersion = VERSION;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('state session is closed');
  }
}
