// One process at a time opens a data dir's replica: the engine keeps
// in-memory state (cursors, caches, the HLC) that a second writer would
// contradict. The lock is a file created with O_EXCL holding the owner's
// pid and command; a lock whose pid is gone (SIGKILL, power loss) is stale
// and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import type { DataDirPaths } from "./data-dir.js";

export type LockHolder = { readonly pid: number; readonly command: string };

export type DataDirLock = { readonly holder: LockHolder; release(): void };

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof v.pid === "number" ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data dir's lock for `command`, or says who holds it. A lock
 * file left by a dead process (or unreadable: a crash mid-write) is removed.
 */
export function tryLock(paths: DataDirPaths, command: string): DataDirLock | LockHolder {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(paths.lock, "wx", 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readHolder(paths.lock);
      if (holder !== undefined && holder.pid !== process.pid && pidAlive(holder.pid)) return holder;
      rmSync(paths.lock, { force: true });
      continue;
    }
    const holder: LockHolder = { pid: process.pid, command };
    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);
    let released = false;
    return {
      holder,
      release: () => {
        if (released) return;
        released = true;
        if (readHolder(paths.lock)?.pid === process.pid) rmSync(paths.lock, { force: true });
      },
    };
  }
  return { pid: -1, command: "unknown (lock file keeps reappearing)" };
}

export function isLock(v: DataDirLock | LockHolder): v is DataDirLock {
  return "release" in v;
}
