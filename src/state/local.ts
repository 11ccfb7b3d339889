/**
 * State in a local file.
 *
 * Writes are atomic: the new text goes to a temporary file in the same
 * directory, is fsynced, renamed over the state file (rename is atomic within
 * a filesystem), and the directory is fsynced so the rename itself survives a
 * power cut. A reader therefore sees the old file or the new one, never a
 * mixture; a process killed mid-write leaves the old file (and at worst a
 * stray `.<name>.tmp-*` file beside it). We do this with `node:fs` rather than
 * `write-file-atomic` because that library does not fsync the directory and
 * the whole thing is twenty lines.
 *
 * Before replacing the state, the current file is kept (also atomically) as
 * `<path>.backup`. A write also checks that the file still holds what this
 * backend last read or wrote, so a writer that ignored the lock is detected
 * instead of silently overwritten.
 *
 * Between whole writes, apply records each batch of finished steps by
 * appending it to `<path>.journal` (see journal.ts) and fsyncing that file:
 * time proportional to the batch, where rewriting the state was proportional
 * to everything recorded (quadratic over an apply from empty). read() applies
 * the journal; write() folds it in and removes it once the new state is durable.
 *
 * The lock is `<path>.lock`, holding LockInfo JSON. It is created with
 * link(2) from a fully written temporary file, which fails with EEXIST when
 * the lock exists (the same exclusivity as O_EXCL), so nobody ever reads a
 * half-written lock; where hard links are not supported it falls back to
 * open(..., 'wx').
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { fsError, fsyncDir, replaceFile, resolveWriteTarget } from '../files.js';
import { parseState, serializeState } from './document.js';
import { replayJournal, serializeJournalEntry } from './journal.js';
import { acquireWithRetry, looksStale, newLockInfo, parseLockInfo } from './lock.js';
import type { LockInfo, LockWait, StateBackend, StateDocument, StateJournalEntry } from './types.js';

export interface LocalBackendOptions {
  /**
   * Test hook: runs after the temporary file is written and fsynced, just
   * before it is renamed over the target. Throwing here (or exiting the
   * process) simulates a crash at the worst moment.
   */
  beforeRename?: (tmpPath: string, targetPath: string) => Promise<void> | void;
  /** Told when a stale lock is broken (the CLI prints it). */
  onWarning?: (message: string) => void;
}

/** A `.break` marker older than this was left by a breaker that died mid-break. */
const BREAK_MARKER_TTL_MS = 30_000;

export class LocalBackend implements StateBackend {
  readonly path: string;
  readonly backupPath: string;
  readonly lockPath: string;
  readonly journalPath: string;
  /**
   * A digest of the state file's bytes as last read or written by us; undefined: never
   * looked. null: absent. A digest, not the text: the text of a large state would stay
   * in memory for the whole run only to be compared once.
   */
  private lastSeen: string | null | undefined;
  /** The state file's identity when last read or written (an append checks nobody replaced it). */
  private lastStat: FileStamp | null = null;
  /** Size of the journal as last read or appended (0: none). */
  private journalBytes = 0;
  /** Bytes of whole lines in it: a line cut short by a crash is cut off before the next append. */
  private journalGood = 0;

  constructor(
    filePath: string,
    private readonly options: LocalBackendOptions = {},
  ) {
    this.path = path.resolve(filePath);
    this.backupPath = `${this.path}.backup`;
    this.lockPath = `${this.path}.lock`;
    this.journalPath = `${this.path}.journal`;
  }

  describe(): string {
    return this.path;
  }

  async read(): Promise<StateDocument | null> {
    const bytes = await readBytesIfExists(this.path).catch((e: unknown) => {
      throw fsError(e, this.path, 'cannot read the state at');
    });
    this.lastSeen = bytes === null ? null : digest(bytes);
    this.lastStat = bytes === null ? null : await stamp(this.path);
    this.journalBytes = 0;
    this.journalGood = 0;
    if (bytes === null) return null;
    const doc = parseState(bytes, this.path, this.backupPath);
    const journal = await readBytesIfExists(this.journalPath);
    if (journal !== null) {
      this.journalBytes = journal.length;
      this.journalGood = replayJournal(doc, journal, this.journalPath).goodBytes;
    }
    return doc;
  }

  async write(doc: StateDocument): Promise<void> {
    // Encoded once: written and remembered (its digest) as the same bytes.
    const bytes = Buffer.from(serializeState(doc), 'utf8');
    await fs.mkdir(path.dirname(this.path), { recursive: true }).catch((e: unknown) => {
      throw fsError(e, path.dirname(this.path), 'cannot create the state directory');
    });
    const current = await readBytesIfExists(this.path).catch((e: unknown) => {
      throw fsError(e, this.path, 'cannot read the state at');
    });
    if (this.lastSeen !== undefined && (current === null ? null : digest(current)) !== this.lastSeen) throw this.changedUnderneath();
    if (current !== null) await this.atomicWrite(this.backupPath, current);
    await this.atomicWrite(this.path, bytes);
    this.lastSeen = digest(bytes);
    this.lastStat = await stamp(this.path);
    // The new state holds everything the journal did; it goes only once the state is durable.
    if (await removeIfExists(this.journalPath)) await fsyncDir(path.dirname(this.journalPath));
    this.journalBytes = 0;
    this.journalGood = 0;
  }

  hasJournal(): boolean {
    return this.journalBytes > 0;
  }

  async append(entry: StateJournalEntry): Promise<void> {
    const line = serializeJournalEntry(entry);
    const now = await stamp(this.path);
    if (this.lastSeen === undefined || !sameStamp(now, this.lastStat)) throw this.changedUnderneath();
    const fh = await fs.open(this.journalPath, 'a', 0o644);
    try {
      const { size } = await fh.stat();
      if (size !== this.journalBytes) throw this.changedUnderneath();
      if (this.journalGood < size) await fh.truncate(this.journalGood);
      await fh.writeFile(line, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    // A new journal's directory entry must be durable too.
    if (this.journalGood === 0) await fsyncDir(path.dirname(this.journalPath));
    this.journalGood += Buffer.byteLength(line, 'utf8');
    this.journalBytes = this.journalGood;
  }

  private changedUnderneath(): UserError {
    return new UserError(
      `state at ${this.path} changed underneath this run (another process wrote it without holding the lock); not overwriting it`,
      'Nothing was lost: re-run the command so it starts from the current state.',
    );
  }

  /**
   * Replaces `target` atomically. A symbolic link is written through (its
   * target is replaced, the link stays); a directory or a device is refused.
   */
  private async atomicWrite(linkOrFile: string, bytes: Buffer): Promise<void> {
    const resolved = await resolveWriteTarget(linkOrFile, linkOrFile === this.path ? 'the state' : 'the state backup');
    if (resolved.kind !== 'file') throw new UserError(`cannot write the state to ${linkOrFile}: it is not a regular file`);
    const target = resolved.path;
    try {
      await replaceFile(target, bytes, this.options.beforeRename);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw fsError(e, target, 'cannot write the state to');
    }
  }

  async lock(operation: string, timeoutMs: number, wait?: LockWait): Promise<LockInfo> {
    await fs.mkdir(path.dirname(this.lockPath), { recursive: true }).catch((e: unknown) => {
      throw fsError(e, path.dirname(this.lockPath), 'cannot create the state directory');
    });
    const info = newLockInfo(operation);
    const text = `${JSON.stringify(info, null, 2)}\n`;
    await acquireWithRetry(
      async () => {
        if (await this.createExclusive(text)) return { acquired: true };
        const holder = await this.readLock();
        if (holder && looksStale(holder) && (await this.breakStale(holder))) return { acquired: false, holder: null };
        return { acquired: false, holder };
      },
      timeoutMs,
      this.lockPath,
      wait,
    );
    return info;
  }

  /**
   * Removes a lock whose holder ran on this host and is no longer running (a
   * killed apply), so the next run resumes without a force-unlock. Breakers take
   * turns through an exclusive `.break` marker and re-check the holder under it,
   * so two runs breaking the same stale lock never remove a live one.
   */
  private async breakStale(holder: LockInfo): Promise<boolean> {
    const marker = `${this.lockPath}.break`;
    try {
      await fs.writeFile(marker, `${process.pid}\n`, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await fs.stat(marker).catch(() => null);
      if (st && Date.now() - st.mtimeMs > BREAK_MARKER_TTL_MS) await fs.rm(marker, { force: true });
      return false;
    }
    try {
      const current = await this.readLock();
      if (!current || current.id !== holder.id || !looksStale(current)) return false;
      await fs.rm(this.lockPath, { force: true });
      await fsyncDir(path.dirname(this.lockPath));
      this.options.onWarning?.(
        `broke a stale state lock: ${holder.who}@${holder.host} (pid ${holder.pid}, "${holder.operation}" since ${holder.created}) is no longer running`,
      );
      return true;
    } finally {
      await fs.rm(marker, { force: true });
    }
  }

  /** Creates the lock file holding `text`, or returns false when it exists. */
  private async createExclusive(text: string): Promise<boolean> {
    const dir = path.dirname(this.lockPath);
    const tmp = path.join(dir, `.${path.basename(this.lockPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.writeFile(tmp, text, { flag: 'wx', mode: 0o644 });
      try {
        await fs.link(tmp, this.lockPath);
        await fsyncDir(dir);
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return false;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
      }
    } finally {
      await fs.rm(tmp, { force: true });
    }
    // No hard links on this filesystem: O_EXCL create.
    try {
      await fs.writeFile(this.lockPath, text, { flag: 'wx', mode: 0o644 });
      await fsyncDir(dir);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  async readLock(): Promise<LockInfo | null> {
    const text = await readIfExists(this.lockPath);
    return text === null ? null : parseLockInfo(text, this.lockPath);
  }

  async unlock(lock: LockInfo): Promise<void> {
    const holder = await this.readLock();
    // Already gone (someone force-unlocked us): nothing to do.
    if (holder === null) return;
    if (holder.id !== lock.id) {
      throw new UserError(
        `not removing the state lock at ${this.lockPath}: it is now held by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" [lock id ${holder.id}], not by this run [lock id ${lock.id}]`,
        'Someone force-unlocked this run and took the lock; check that run before trusting the state.',
      );
    }
    await fs.rm(this.lockPath, { force: true });
  }

  async forceUnlock(id: string): Promise<void> {
    const holder = await this.readLock();
    if (holder === null) throw new UserError(`the state at ${this.path} is not locked (no ${this.lockPath})`);
    if (holder.id !== id) {
      throw new UserError(
        `lock id ${id} does not match the lock at ${this.lockPath}, held by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" since ${holder.created} [lock id ${holder.id}]`,
        'Pass the id of the lock you mean to remove, exactly as shown.',
      );
    }
    await fs.rm(this.lockPath, { force: true });
  }
}

async function readIfExists(file: string): Promise<string | null> {
  const bytes = await readBytesIfExists(file);
  return bytes === null ? null : bytes.toString('utf8');
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readBytesIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Removes a file; false when there was none. */
async function removeIfExists(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** What tells one version of a file from another without reading it (a rename gives a new inode). */
interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

async function stamp(file: string): Promise<FileStamp | null> {
  try {
    const st = await fs.stat(file);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  return a === b || (a !== null && b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);
}
