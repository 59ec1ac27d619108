// The detection sample of lines already in memory (parse()), spread through
// a long input as io/file-sample.ts spreads a file's, so a banner at the top
// does not decide the header and stamp of everything after it.

/** Lines past which an in-memory input is sampled spread out, as a file past 512 KiB is. */
const SPREAD_LINES = 4096;

/**
 * The same sample of lines already in memory: all of a short input; else
 * the first half of `max` from its head and the rest evenly spaced after it.
 */
export function arraySample(lines: readonly string[], max: number): readonly string[] {
  if (lines.length <= SPREAD_LINES) return lines.slice(0, max);
  const half = Math.ceil(max / 2);
  const rest = max - half;
  const step = (lines.length - half) / rest;
  const out = lines.slice(0, half);
  for (let k = 0; k < rest; k++) out.push(lines[half + Math.floor(k * step)] as string);
  return out;
}
