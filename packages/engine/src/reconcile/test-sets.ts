// Test and bench helper: seeded random item sets with a known difference.
// Not exported from the package; used by reconcile tests and the bench.
import type { ReconcileItem } from "../store/store-api.js";
import { ReconcileSet } from "./item-set.js";

/** mulberry32: small, fast, good enough to scatter ids; deterministic per seed. */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function randomId(rnd: () => number): Uint8Array {
  const id = new Uint8Array(16);
  const v = new DataView(id.buffer);
  for (let k = 0; k < 4; k++) v.setUint32(4 * k, rnd());
  return id;
}

export function compareIds(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < 16; k++) {
    const d = (a[k] as number) - (b[k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Random sets of n items with d scattered differences, half on each side. */
export function scatteredSets(
  n: number,
  d: number,
  seed: number,
): { a: ReconcileSet; b: ReconcileSet } {
  const rnd = seededRandom(seed);
  const all = Array.from({ length: n }, (_, k) => ({ id: randomId(rnd), seq: BigInt(k + 1) }));
  all.sort((x, y) => compareIds(x.id, y.id));
  const side = new Uint8Array(n);
  for (let placed = 0; placed < d; ) {
    const k = rnd() % n;
    if (side[k] !== 0) continue;
    side[k] = placed++ < d / 2 ? 2 : 1;
  }
  return {
    a: new ReconcileSet(all.filter((_, k) => side[k] !== 2)),
    b: new ReconcileSet(all.filter((_, k) => side[k] !== 1)),
  };
}

export const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export type DiffSpec = {
  /** Items both sides hold at the same seq. */
  readonly common: number;
  /** Items only the initiator (A) holds. */
  readonly onlyA: number;
  /** Items only the responder (B) holds. */
  readonly onlyB: number;
  /** Items both hold, A at a higher seq. */
  readonly newerA: number;
  /** Items both hold, B at a higher seq. */
  readonly newerB: number;
};

export type DiffCase = {
  readonly a: ReconcileItem[];
  readonly b: ReconcileItem[];
  /** Expected need (ids B holds that A lacks or holds older), hex, sorted. */
  readonly need: string[];
  /** Expected have (ids A holds that B lacks or holds older), hex, sorted. */
  readonly have: string[];
};

/** Two sorted sets differing exactly as `spec` says, ids scattered at random. */
export function makeDiffCase(spec: DiffSpec, seed: number): DiffCase {
  const rnd = seededRandom(seed);
  const a: ReconcileItem[] = [];
  const b: ReconcileItem[] = [];
  const need: string[] = [];
  const have: string[] = [];
  const seen = new Set<string>();
  const fresh = (): Uint8Array => {
    for (;;) {
      const id = randomId(rnd);
      const h = hex(id);
      if (!seen.has(h)) {
        seen.add(h);
        return id;
      }
    }
  };
  const seq = (): bigint => BigInt(1 + (rnd() % 1_000_000));
  for (let k = 0; k < spec.common; k++) {
    const item = { id: fresh(), seq: seq() };
    a.push(item);
    b.push(item);
  }
  for (let k = 0; k < spec.onlyA; k++) {
    const id = fresh();
    a.push({ id, seq: seq() });
    have.push(hex(id));
  }
  for (let k = 0; k < spec.onlyB; k++) {
    const id = fresh();
    b.push({ id, seq: seq() });
    need.push(hex(id));
  }
  for (let k = 0; k < spec.newerA + spec.newerB; k++) {
    const id = fresh();
    const low = seq();
    const high = low + 1n + BigInt(rnd() % 5);
    const aNewer = k < spec.newerA;
    a.push({ id, seq: aNewer ? high : low });
    b.push({ id, seq: aNewer ? low : high });
    (aNewer ? have : need).push(hex(id));
  }
  a.sort((x, y) => compareIds(x.id, y.id));
  b.sort((x, y) => compareIds(x.id, y.id));
  return { a, b, need: need.sort(), have: have.sort() };
}
