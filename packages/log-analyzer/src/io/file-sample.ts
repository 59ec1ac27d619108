// A bounded sample of a file's lines for header and stamp detection: its
// first lines and whole lines from windows spread through the rest, so a
// long banner or a first section written by another logger does not decide
// the format of the whole file. Work is bounded: `max` head lines and four
// reads of 64 KiB, whatever the file's size.
import { readLineArrays } from "./line-reader.js";
import { openInput } from "./open-input.js";

const WINDOW = 64 * 1024;
/** Where the windows start, as fractions of the file (the last ends at its end). */
const SPREAD = [0.25, 0.5, 0.75, 1];

// The first `max` lines (fewer when the file has fewer).
async function headLines(path: string, max: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineArrays(path)) {
    for (const l of batch) if (out.length < max) out.push(l);
    if (out.length >= max) break;
  }
  return out;
}

// Up to `max` whole lines from windows spread through a file larger than them.
async function spreadLines(path: string, max: number): Promise<string[]> {
  return openInput(path, async (fh) => {
    const { size } = await fh.stat();
    if (size < WINDOW * SPREAD.length * 2) return [];
    const per = Math.ceil(max / SPREAD.length);
    const buf = Buffer.allocUnsafe(WINDOW);
    const out: string[] = [];
    for (const f of SPREAD) {
      const at = Math.min(Math.floor(size * f), size - WINDOW);
      const { bytesRead } = await fh.read(buf, 0, WINDOW, at);
      // The first and last pieces are cut by the window: only whole lines count.
      const lines = buf.toString("utf8", 0, bytesRead).split("\n").slice(1, -1);
      out.push(...lines.slice(0, per));
    }
    return out.slice(0, max);
  });
}

/**
 * Up to `max` lines of a file: all of a short file; else the first half of
 * `max` from its head and the rest from windows spread through it.
 */
export async function fileSample(path: string, max: number): Promise<string[]> {
  const head = await headLines(path, max);
  if (head.length < max) return head;
  const half = Math.ceil(max / 2);
  const spread = await spreadLines(path, max - half);
  return spread.length === 0 ? head : [...head.slice(0, half), ...spread];
}
