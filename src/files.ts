/**
 * Files s3repl writes for the user (saved plans, state): every problem names
 * the path and says what is wrong in words, never a bare EISDIR or ENOENT.
 *
 * Writing to a path that is a symbolic link writes through it: a link to a
 * regular file has that file replaced atomically (the link stays a link); a
 * link to a device or pipe (`--out /dev/stdout`) is written to directly. A link
 * is never replaced by a file. A directory, a missing parent directory or a
 * dangling link is refused before anything is written, and a failed write
 * leaves no temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors.js';

/** A UserError for a filesystem error: `doing` is e.g. "cannot write the plan to". */
export function fsError(e: unknown, file: string, doing: string): UserError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  const reason = (code && why[code]) ?? (e as Error | undefined)?.message ?? String(e);
  return new UserError(`${doing} ${file}: ${reason}`);
}

export type WriteTarget =
  /** Replace this regular file (or create it) atomically. */
  | { kind: 'file'; path: string }
  /** Write straight to this device or pipe. */
  | { kind: 'stream'; path: string };

/**
 * Where writing `file` should go, following symbolic links; refuses a
 * directory, a missing parent directory or a dangling link with a UserError
 * that names the path and says `what` the file is ("--out", "state").
 */
export async function resolveWriteTarget(file: string, what: string): Promise<WriteTarget> {
  const abs = path.resolve(file);
  const link = await fs.lstat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw fsError(e, abs, `cannot write ${what} to`);
  });
  let target = abs;
  if (link?.isSymbolicLink()) {
    try {
      target = await fs.realpath(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserError(`cannot write ${what} to ${abs}: it is a symbolic link to ${await fs.readlink(abs).catch(() => 'a missing file')}, which does not exist`, 'point it at an existing file, or write to another path');
      }
      throw fsError(e, abs, `cannot write ${what} to`);
    }
  }
  const st = await fs.stat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw fsError(e, target, `cannot write ${what} to`);
  });
  if (st?.isDirectory()) throw new UserError(`cannot write ${what} to ${abs}: it is a directory`, 'name a file (one inside that directory, for example)');
  if (st && !st.isFile()) return { kind: 'stream', path: target };
  const dir = path.dirname(target);
  const parent = await fs.stat(dir).catch(() => null);
  if (!parent) throw new UserError(`cannot write ${what} to ${abs}: the directory ${dir} does not exist`, `create it first (mkdir -p ${dir}), or write elsewhere`);
  if (!parent.isDirectory()) throw new UserError(`cannot write ${what} to ${abs}: ${dir} is not a directory`);
  return { kind: 'file', path: target };
}

/**
 * Writes `text` to `file` (see the file comment): atomic for regular files
 * (temporary file in the same directory, fsynced, renamed over the target).
 */
export async function writeFileSafely(file: string, text: string, what: string): Promise<void> {
  const target = await resolveWriteTarget(file, what);
  if (target.kind === 'stream') {
    try {
      await fs.writeFile(target.path, text);
    } catch (e) {
      throw fsError(e, target.path, `cannot write ${what} to`);
    }
    return;
  }
  try {
    await replaceFile(target.path, text);
  } catch (e) {
    throw fsError(e, target.path, `cannot write ${what} to`);
  }
}

/**
 * Replaces the regular file `target` atomically: a temporary file beside it,
 * fsynced, renamed over it, then the directory fsynced so the rename survives
 * a crash. `beforeRename` runs between the two (tests interrupt there). Errors
 * are the file system's own: callers say what they were writing.
 */
export async function replaceFile(target: string, text: string | Buffer, beforeRename?: (tmp: string, target: string) => Promise<void> | void): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let renamed = false;
  try {
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.(tmp, target);
    await fs.rename(tmp, target);
    renamed = true;
  } finally {
    if (!renamed) await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
  await fsyncDir(dir);
}

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // Not possible on Windows; skipped there.
  if (process.platform === 'win32') return;
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
