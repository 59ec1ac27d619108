// Reads a file as lines in bounded memory: fixed-size chunks, split on "\n".
// The piece after the last "\n" is a line too (possibly empty), so
// lines.join("\n") is exactly the file. latin1 keeps arbitrary bytes intact.
import { isAscii } from "node:buffer";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { openReadable } from "./open-input.js";

const CHUNK = 1 << 22;
/** Lines per yielded batch (a chunk holds tens of thousands). */
const BATCH_LINES = 2048;
/** The longest line read: V8's longest string, less a chunk of room. */
export const MAX_LINE = (1 << 29) - 24 - CHUNK;

/** Yields batches of lines (without "\n"); a trailing "\r" stays on its line. */
export async function* readLineBatches(
  path: string,
  encoding: "latin1" | "utf8" = "utf8",
  maxLine = MAX_LINE,
): AsyncGenerator<string[]> {
  const fh = await openReadable(path);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const utf8 = encoding === "utf8";
    let carry = "";
    let offset = 0;
    // Bytes of a UTF-8 sequence cut by the end of the last read, moved to the front of buf.
    let held = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, held, CHUNK - held, null);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const end = held + bytesRead;
      // Whole sequences only: a sequence cut by the read waits for the next one.
      const cut = utf8 ? completeUtf8(buf, end) : end;
      // ASCII reads the same in both; latin1 decodes it without UTF-8's checks
      // (one native pass over the chunk decides; most logs are ASCII).
      const decode = !utf8 || isAscii(buf.subarray(0, cut)) ? "latin1" : "utf8";
      // Each line decoded on its own is a flat string: the scans that read
      // every character of it run faster on one than on a slice of a chunk
      // (and a value cut from it keeps only its line alive).
      let parts: string[] = [];
      let pos = 0;
      for (;;) {
        // Bytes in [cut, end) are parts of a UTF-8 sequence, never "\n".
        const nl = buf.indexOf(10, pos);
        if (nl < 0 || nl >= end) break;
        let line = buf.toString(decode, pos, nl);
        if (carry.length > 0) {
          if (carry.length + line.length > maxLine) throw lineTooLong(path, offset, maxLine);
          line = carry + line;
          carry = "";
        }
        parts.push(line);
        pos = nl + 1;
        // Small batches: a line is dropped before the next collection, not copied to the old space.
        if (parts.length === BATCH_LINES) {
          yield parts;
          parts = [];
        }
      }
      carry += buf.toString(decode, pos, cut);
      buf.copy(buf, 0, cut, end);
      held = end - cut;
      // Lines inside one chunk are short; only a line carried across reads can grow past it.
      if (carry.length > maxLine) throw lineTooLong(path, offset, maxLine);
      if (parts.length > 0) yield parts;
    }
    if (held > 0) carry += buf.toString("utf8", 0, held);
    yield [carry];
  } catch (err) {
    throw err instanceof LogAnalyzerError
      ? err
      : new LogAnalyzerError(LogErrorCode.InputUnreadable, `cannot read ${path}`, { path }, err);
  } finally {
    await fh.close();
  }
}

/**
 * Where the UTF-8 in buf[0, end) stops being whole: before a lead byte
 * whose sequence runs past `end`, else `end` (invalid bytes decode alike
 * either way, to U+FFFD).
 */
export function completeUtf8(buf: Uint8Array, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const b = buf[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return end;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return end - i < need ? i : end;
  }
  return end;
}

function lineTooLong(path: string, offset: number, maxLine: number): LogAnalyzerError {
  return new LogAnalyzerError(
    LogErrorCode.InputUnreadable,
    `${path}: a line longer than ${maxLine} bytes (before byte ${offset}) cannot be read as one line`,
    { path, offset, maxLine },
  );
}

function stripCr(line: string): string {
  // charCodeAt, not endsWith: this runs once per line.
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * Yields the lines of a text file for analysis in batches: like
 * {@link readLineBatches} in utf8, but drops the empty piece after a final
 * newline and one trailing "\r" per line. Batches avoid one promise per line.
 */
export async function* readLineArrays(path: string): AsyncGenerator<string[]> {
  // Each batch is stripped in place and held until the next one arrives:
  // only the last piece of the last batch may be the empty one to drop.
  let held: string[] | null = null;
  for await (const batch of readLineBatches(path, "utf8")) {
    for (let k = 0; k < batch.length; k++) batch[k] = stripCr(batch[k] as string);
    if (held !== null) yield held;
    held = batch;
  }
  if (held === null) return;
  if (held[held.length - 1] === "") held.pop();
  if (held.length > 0) yield held;
}

/** Every line of a text file for analysis, one at a time (see {@link readLineArrays}). */
export async function* readLines(path: string): AsyncGenerator<string> {
  for await (const batch of readLineArrays(path)) yield* batch;
}
