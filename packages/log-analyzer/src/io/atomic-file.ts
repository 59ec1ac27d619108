// Writes an output file so that it either appears whole or not at all: the
// bytes go to a temporary file beside it, renamed into place only when
// everything succeeded; an existing file is kept unless overwriting was asked for.
import { randomBytes } from "node:crypto";
import { existsSync, unlinkSync } from "node:fs";
import { type FileHandle, link, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isLogAnalyzerError, LogAnalyzerError, LogErrorCode } from "../errors.js";

// Temporary files being written, removed if the process is interrupted.
const live = new Set<string>();

/** Removes unfinished temporary files (for a SIGINT/SIGTERM handler); synchronous. */
export function removeUnfinishedOutputs(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function exists(path: string): LogAnalyzerError {
  return new LogAnalyzerError(
    LogErrorCode.OutputExists,
    `${path} already exists (use --force to overwrite it)`,
    { path },
  );
}

function unwritable(path: string, err: unknown): LogAnalyzerError {
  return new LogAnalyzerError(LogErrorCode.OutputUnwritable, `cannot write ${path}`, { path }, err);
}

// Without overwrite, a hard link claims the name atomically (EEXIST if it is
// taken); file systems without hard links fall back to check-then-rename.
async function publish(tmp: string, path: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(tmp, path);
  try {
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw exists(path);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
    if (existsSync(path)) throw exists(path);
    return rename(tmp, path);
  }
  await unlink(tmp);
}

/**
 * Runs `write` on a temporary file beside `path`, then moves it to `path`.
 * Refuses up front (OutputExists) when `path` exists and `overwrite` is false;
 * on any failure the temporary file is removed and `path` is untouched.
 */
export async function writeAtomically<T>(
  path: string,
  overwrite: boolean,
  write: (out: FileHandle) => Promise<T>,
): Promise<T> {
  if (!overwrite && existsSync(path)) throw exists(path);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let out: FileHandle;
  try {
    out = await open(tmp, "wx");
  } catch (err) {
    throw unwritable(path, err);
  }
  live.add(tmp);
  try {
    const result = await write(out);
    await out.close();
    await publish(tmp, path, overwrite);
    return result;
  } catch (err) {
    await out.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    // The callback's own failures are typed; anything else came from writing.
    throw isLogAnalyzerError(err) ? err : unwritable(path, err);
  } finally {
    live.delete(tmp);
  }
}

/**
 * Refuses to write `output` over `input` (the same file under any name), even
 * when overwriting was asked for: the result would replace its own source.
 */
export async function refuseInPlace(input: string, output: string): Promise<void> {
  const [a, b] = await Promise.all([stat(input).catch(() => null), stat(output).catch(() => null)]);
  if (a !== null && b !== null && a.dev === b.dev && a.ino === b.ino) {
    throw new LogAnalyzerError(
      LogErrorCode.InvalidArgument,
      `the output ${output} is the input file; choose another output`,
      { input, output },
    );
  }
}
