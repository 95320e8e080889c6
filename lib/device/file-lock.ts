/**
 * A lock file beside a file that several processes rewrite (the device
 * registry): `FILE.lock`, created with O_CREAT|O_EXCL so that exactly one
 * process holds it, holding `pid hostname time` for whoever finds it.
 *
 * It is synchronous because the registry's API is (a platform reads the
 * registry inside a login, notebooks call it inline); npm's lock libraries
 * (proper-lockfile) retry only in their asynchronous form. A waiter polls
 * every few milliseconds. A lock left by a process that died is broken: its
 * pid is gone on this host, or it is older than any registry write takes.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";

export interface FileLockOptions {
  /** How long to wait for another holder before giving up (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it (default 30 s). */
  staleMs?: number;
}

/** The lock is held by someone else for longer than the timeout, or cannot be made at all. */
export class FileLockError extends Error {
  override name = "FileLockError";
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by another user
  }
}

/** The holder's `pid host time`, or undefined when the lock is gone. */
function readHolder(lockPath: string): { text: string; pid: number; host: string; ageMs: number } | undefined {
  try {
    const text = readFileSync(lockPath, "utf8");
    const ageMs = Date.now() - statSync(lockPath).mtimeMs;
    const [pid, host] = text.split(" ");
    return { text, pid: Number(pid), host: host ?? "", ageMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Removes a stale lock, unless someone replaced it meanwhile: the lock is first
 * renamed aside (atomic), and put back if what was moved is not the stale one.
 */
function breakStaleLock(lockPath: string, staleText: string): void {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // already gone: someone else broke it
  }
  let moved = "";
  try {
    moved = readFileSync(aside, "utf8");
  } catch {
    // unreadable: treat as the stale one
    moved = staleText;
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, lockPath); // give a fresh holder its lock back (fails if a third process took it)
    } catch {
      // the lock was taken again meanwhile; the fresh holder's copy is lost, as after a crash
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

/** Takes the lock on `path` (the file `${path}.lock`); returns the function that releases it. */
export function acquireFileLock(path: string, options: FileLockOptions = {}): () => void {
  const lockPath = `${path}.lock`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}`;
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(lockPath);
    if (holder) {
      const dead = holder.host === hostname() && Number.isInteger(holder.pid) && holder.pid !== process.pid && !processAlive(holder.pid);
      if (dead || holder.ageMs > staleMs) {
        breakStaleLock(lockPath, holder.text);
        continue;
      }
      if (Date.now() > deadline) {
        throw new FileLockError(`${path} is locked by process ${holder.pid} on ${holder.host || "another host"} (${lockPath}); remove that file if no such process is running`);
      }
    }
    sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(lockPath, "utf8") === me) unlinkSync(lockPath);
    } catch {
      // already gone (broken as stale by another process)
    }
  };
}
