// Opens an input file for reading, with the one error every command reports
// for a missing or unreadable input, and always closes it.
import { type FileHandle, open } from "node:fs/promises";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

/** Opens `path` read-only; InputUnreadable when it cannot be opened. */
export async function openReadable(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (err) {
    throw new LogAnalyzerError(LogErrorCode.InputUnreadable, `cannot open ${path}`, { path }, err);
  }
}

/** Runs `use` on `path` opened read-only, then closes it. */
export async function openInput<T>(path: string, use: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await openReadable(path);
  try {
    return await use(fh);
  } finally {
    await fh.close();
  }
}
