// The soak's seed space: scenario j of a run with base seed S is drawn from
// its own seed, scenarioSeed(S, j), so any worker, shard or machine draws
// the same scenario for j, and a failure replays from (S, j) alone.
// Shards stripe the indices (j mod n) so slow and fast scenarios spread
// evenly; vitest and Playwright spell a shard `i/n`, 1-based.

export type Shard = { readonly index: number; readonly count: number };

export const WHOLE: Shard = { index: 1, count: 1 };

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count)
    throw new RangeError(`--shard wants i/n with 1 <= i <= n (e.g. 2/4), got "${text}"`);
  return { index, count };
}

/** The indices of [0, runs) that belong to a shard, ascending. */
export function shardIndices(runs: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let j = shard.index - 1; j < runs; j += shard.count) out.push(j);
  return out;
}

/** A well-mixed 31-bit seed for scenario `index` (murmur3's finaliser over both inputs). */
export function scenarioSeed(base: number, index: number): number {
  let h = (Math.imul(base | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
