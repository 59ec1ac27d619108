// Lists one directory of a real disk: each child's kind, size, mtime and
// file identity (device + inode, for rename detection), and every child
// that cannot become a library entry, named with the reason. Synchronous
// readdir/lstat are the fastest way to list 10^5 files on Node; callers
// yield to the event loop between batches.
import { type BigIntStats, type Dirent, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export type DiskKind = "file" | "directory" | "symlink";

export type DiskNode = {
  /** The name as valid UTF-8 (names that are not are skipped, see Skip). */
  readonly name: string;
  readonly kind: DiskKind;
  readonly size: bigint;
  /** Whole milliseconds, as stored in Entry.modified_at_ms. */
  readonly mtimeMs: bigint;
  /** `dev:ino`: survives renames and moves within one file system. */
  readonly identity: string;
};

/** A child that is not indexed, and why, for the terminal and the log. */
export type Skip = { readonly path: string; readonly reason: string };

export type Listing =
  | { readonly ok: true; readonly children: readonly DiskNode[]; readonly skipped: readonly Skip[] }
  | { readonly ok: false; readonly skip: Skip };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes of a name that is not UTF-8, printable: `caf\xe9.txt`. */
export function escapeName(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

function decodeName(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function kindOf(d: Dirent<Buffer> | BigIntStats): DiskKind | string {
  if (d.isDirectory()) return "directory";
  if (d.isFile()) return "file";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isFIFO()) return "named pipe (FIFO): not a library entry";
  if (d.isSocket()) return "socket: not a library entry";
  if (d.isBlockDevice() || d.isCharacterDevice()) return "device file: not a library entry";
  return "unknown file type";
}

/** `EACCES: permission denied, …` -> "permission denied (EACCES)". */
export function errnoReason(err: unknown, what: string): string {
  const e = err as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENAMETOOLONG: "path too long",
    ELOOP: "too many symlink levels",
    EIO: "I/O error",
  };
  const code = e.code ?? "error";
  return `${what}: ${text[code] ?? e.message ?? String(err)} (${code})`;
}

/** Identity and attributes of one path (lstat: links are not followed). */
export function statNode(path: string, name: string): DiskNode | string {
  const st = lstatSync(path, { bigint: true });
  const kind = kindOf(st);
  if (kind !== "file" && kind !== "directory" && kind !== "symlink") return kind;
  return {
    name,
    kind,
    size: kind === "file" ? st.size : 0n,
    mtimeMs: st.mtimeMs,
    identity: `${st.dev}:${st.ino}`,
  };
}

/**
 * Lists `dir` (absolute), children sorted by name. `display` is the path
 * shown for skipped children; `exclude` paths (our own data dir) are
 * skipped with a reason. A child that vanished between readdir and lstat
 * is simply not there. An unreadable directory comes back as `ok: false`:
 * the caller must keep what it knew of it, not delete it.
 */
export function listDirectory(
  dir: string,
  display: string,
  exclude: ReadonlySet<string> = new Set(),
): Listing {
  let dirents: Dirent<Buffer>[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true, encoding: "buffer" });
  } catch (err) {
    return {
      ok: false,
      skip: { path: display, reason: errnoReason(err, "cannot list directory") },
    };
  }
  const children: DiskNode[] = [];
  const skipped: Skip[] = [];
  const at = (name: string) => (display === "" ? name : `${display}/${name}`);
  for (const d of dirents) {
    const name = decodeName(d.name);
    if (name === undefined) {
      skipped.push({ path: at(escapeName(d.name)), reason: "name is not valid UTF-8" });
      continue;
    }
    const path = join(dir, name);
    if (exclude.has(path)) {
      skipped.push({ path: at(name), reason: "Tidemark's own data dir" });
      continue;
    }
    const early = kindOf(d);
    if (early !== "file" && early !== "directory" && early !== "symlink") {
      skipped.push({ path: at(name), reason: early });
      continue;
    }
    try {
      const node = statNode(path, name);
      if (typeof node === "string") skipped.push({ path: at(name), reason: node });
      else children.push(node);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      skipped.push({ path: at(name), reason: errnoReason(err, "cannot read") });
    }
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, children, skipped };
}
