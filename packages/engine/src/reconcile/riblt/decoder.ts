// The initiator's side of Rateless IBLT: it keeps the responder's coded
// symbols received so far and its own symbols for the same indices, and
// peels their difference. Decoding succeeds when every difference symbol
// is empty; until then the initiator asks for more (PROTOCOL.md §7.9.4).
import { ID_BYTES, invalid } from "../bounds.js";
import { itemHashLimbs } from "../item-hash.js";
import type { ReconcileSet } from "../item-set.js";
import { encodeSymbols } from "./item-codes.js";
import { nextIndex, startMapping } from "./mapping.js";
import { SYMBOL_WORDS, Symbols } from "./symbols.js";

/** An item of the difference: only one side holds this (id, seq). */
export type DiffItem = { readonly id: Uint8Array; readonly seq: bigint };

export type Decoded = {
  /** Items the responder holds and the initiator does not (count +1). */
  readonly theirs: DiffItem[];
  /** Items the initiator holds and the responder does not (count -1). */
  readonly ours: DiffItem[];
};

export class RibltDecoder {
  private theirs = new Symbols(0, 0);
  private own = new Symbols(0, 0);

  /** Over own items [i, j) of `set` (the range the symbols cover). */
  constructor(
    private readonly set: ReconcileSet,
    private readonly i: number,
    private readonly j: number,
  ) {}

  /** Symbols received so far: the next batch starts here. */
  get received(): number {
    return this.theirs.size;
  }

  /** Appends a batch of the responder's symbols (it must start at `received`). */
  add(batch: Symbols): void {
    if (batch.start !== this.theirs.size)
      throw invalid(`coded symbols start at ${batch.start}, expected ${this.theirs.size}`);
    const end = batch.start + batch.size;
    this.theirs = concat(this.theirs, batch);
    this.own = concat(this.own, encodeSymbols(this.set, this.i, this.j, batch.start, end));
  }

  /** The difference symbols theirs - own over everything received. */
  private difference(): Symbols {
    const d = new Symbols(0, this.theirs.size);
    for (let k = 0; k < d.size; k++)
      d.counts[k] = (this.theirs.counts[k] as number) - (this.own.counts[k] as number);
    for (let x = 0; x < d.words.length; x++)
      d.words[x] = ((this.theirs.words[x] as number) ^ (this.own.words[x] as number)) >>> 0;
    return d;
  }

  /** Peels the difference; the two sides' differing items, or undefined if not yet decodable. */
  decode(): Decoded | undefined {
    const d = this.difference();
    const out: Decoded = { theirs: [], ours: [] };
    const queue: number[] = [];
    for (let k = 0; k < d.size; k++) if (Math.abs(d.counts[k] as number) === 1) queue.push(k);
    const item = new Uint32Array(SYMBOL_WORDS);
    // A false "pure" symbol can only add items; bound the work regardless.
    let budget = 2 * d.size + 16;
    while (queue.length > 0 && budget-- > 0) {
      const k = queue.pop() as number;
      const sign = d.counts[k] as number;
      if (Math.abs(sign) !== 1) continue;
      item.set(d.words.subarray(k * SYMBOL_WORDS, (k + 1) * SYMBOL_WORDS));
      const seed = pureSeed(item);
      if (seed === undefined) continue;
      (sign > 0 ? out.theirs : out.ours).push(toDiffItem(item));
      const m = startMapping(seed[0], seed[1]);
      while (m.index < d.size) {
        d.add(m.index, item, -sign);
        if (Math.abs(d.counts[m.index] as number) === 1) queue.push(m.index);
        nextIndex(m);
      }
    }
    for (let k = 0; k < d.size; k++) if (!d.isZero(k)) return undefined;
    return d.size > 0 ? out : undefined;
  }

  /**
   * Estimated size of the difference from the symbols received: symbol k
   * of the difference is empty with probability e^(-d·ρ(k)), ρ(k) =
   * 1/(1 + k/2); the maximum-likelihood d over all of them.
   */
  estimate(): number {
    const d = this.difference();
    const empty: boolean[] = [];
    for (let k = 0; k < d.size; k++) empty.push(d.isZero(k));
    return maxLikelihood(empty.map((e, k) => ({ w: 1 / (1 + k / 2), equal: e })));
  }
}

/** The seed of an item sum whose checksum matches its hash, else undefined. */
function pureSeed(item: Uint32Array): [number, number] | undefined {
  const id = new Uint8Array(ID_BYTES);
  const view = new DataView(id.buffer);
  for (let x = 0; x < 4; x++) view.setUint32(4 * x, item[x] as number);
  const limbs = new Uint32Array(4);
  itemHashLimbs(id, 0, item[4] as number, item[5] as number, limbs, 0);
  if (limbs[3] !== item[6] || limbs[2] !== item[7]) return undefined;
  return [limbs[1] as number, limbs[0] as number];
}

function toDiffItem(item: Uint32Array): DiffItem {
  const id = new Uint8Array(ID_BYTES);
  const view = new DataView(id.buffer);
  for (let x = 0; x < 4; x++) view.setUint32(4 * x, item[x] as number);
  return { id, seq: (BigInt(item[4] as number) << 32n) | BigInt(item[5] as number) };
}

function concat(a: Symbols, b: Symbols): Symbols {
  const out = new Symbols(0, a.size + b.size);
  out.counts.set(a.counts, 0);
  out.counts.set(b.counts, a.size);
  out.words.set(a.words, 0);
  out.words.set(b.words, a.words.length);
  return out;
}

/**
 * The d maximising the likelihood of observing which cells are equal,
 * each cell holding a Poisson(d·w) number of differences and reading equal
 * when it holds none (or, with probability `collision`, by chance).
 * Coarse then fine search over log d (10 %, then 0.5 % steps).
 */
export function maxLikelihood(
  cells: readonly { w: number; equal: boolean }[],
  collision = 0,
): number {
  if (cells.every((c) => c.equal)) return 0;
  const ll = (d: number) => {
    let sum = 0;
    for (const c of cells) {
      const none = Math.exp(-d * c.w);
      const pEqual = none + (1 - none) * collision;
      sum += c.equal ? Math.log(pEqual) : Math.log(Math.max(1 - pEqual, 1e-300));
    }
    return sum;
  };
  const search = (from: number, to: number, step: number) => {
    let best = from;
    let bestLl = Number.NEGATIVE_INFINITY;
    for (let d = from; d <= to; d *= step) {
      const v = ll(d);
      if (v > bestLl) {
        bestLl = v;
        best = d;
      }
    }
    return best;
  };
  const coarse = search(1, 2 ** 30, 1.1);
  return search(Math.max(1, coarse / 1.1), coarse * 1.1, 1.005);
}
