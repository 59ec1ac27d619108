// Encodes one block at a time into the smallest of five forms: the columnar
// payload through the shared brotli stream (logs with structure), the
// fields of delimited lines by column through it (CSV, TSV), the plain
// text through it (logs with thousands of templates), the bytes stored as
// they are (random or already-compressed input never grows by more than a
// few bytes), or, for a file of one small block, the bytes through a
// context-mixing coder (no code tables to describe: tiny files).
import { brotliCompressSync } from "node:zlib";
import { type MinerConfig, TemplateMiner } from "../mining/template-miner.js";
import { encodeBlock } from "./block-codec.js";
import { BrotliBlockEncoder, brotliParams, type StreamParams } from "./brotli-stream.js";
import { BlockKind, type DataBlockKind, type Frame, MAX_MODELED_BYTES } from "./container.js";
import { encodeDelimited } from "./delimited.js";
import { encodeModeled } from "./modeled-block.js";
import { ProgramTable } from "./program-table.js";

// Blocks up to this size are tried at the stream's quality; larger ones at TRIAL_QUALITY.
const SMALL_BLOCK = 16 << 10;
const TRIAL_QUALITY = 5;
const STREAM_EXTRA = 3;
// Brotli 10 and 11 parse optimally, which gains about 5-10% more on plain text
// than on a columnar payload (measured on loghub, simulator logs and a
// many-template log): a trial at a lower quality credits text with that.
const HIGH_QUALITY = 10;
const TEXT_GAIN_AT_HIGH_QUALITY = 1.08;
// Mining memory is bounded: past this many templates the miner starts afresh.
const MAX_TEMPLATES = 20_000;
const MAX_SKIP = 16;

/** One encoded block: its form, sizes, and its frame once the stream has produced it. */
export interface EncodedBlock {
  readonly kind: DataBlockKind;
  readonly bytesIn: number;
  readonly payloadBytes: number;
  /** The block's kind and body, once the stream has produced it. */
  readonly frame: Promise<Frame>;
}

interface Choice {
  readonly kind: DataBlockKind;
  /** The quality to open the stream with, when this block opens it. */
  readonly quality: number;
  /** The body, when the choice made it already (Modeled). */
  readonly body?: Uint8Array;
  /** What goes through the stream (Text, Columnar, Delimited). */
  readonly data?: Uint8Array;
}

/** A form that goes through the brotli stream, and the bytes it would send. */
interface Candidate {
  readonly kind: BlockKind.Text | BlockKind.Columnar | BlockKind.Delimited;
  readonly data: Uint8Array;
}

export class BlockWriter {
  private miner: TemplateMiner;
  // Opened by the first block that goes through it (see choose()).
  private stream: BrotliBlockEncoder | null = null;
  private resetPending = false;
  private blocks = 0;
  private skip = 0;
  private backoff = 1;

  private readonly quality: number;

  constructor(
    private readonly params: StreamParams,
    private readonly minerCfg: Partial<MinerConfig>,
    private readonly table = new ProgramTable(),
  ) {
    this.quality = params.quality;
    this.miner = new TemplateMiner(minerCfg);
  }

  /**
   * Encodes `lines` (latin1, no newlines; the block's bytes are them joined
   * by "\n"); `last` says no block follows. The work on the stream
   * continues after this returns, so the caller can mine the next block
   * before awaiting `frame`.
   */
  encode(lines: readonly string[], last: boolean): EncodedBlock & { readonly raw: Uint8Array } {
    const raw = Buffer.from(lines.join("\n"), "latin1");
    if (this.table.full) {
      this.table.clear();
      this.resetPending = true;
    }
    const mark = this.table.size;
    const payload = this.mine(lines);
    const candidates: Candidate[] = [{ kind: BlockKind.Text, data: raw }];
    if (payload !== null) candidates.push({ kind: BlockKind.Columnar, data: payload });
    const delimited = encodeDelimited(lines);
    if (delimited !== null) candidates.push({ kind: BlockKind.Delimited, data: delimited });
    const { kind, quality, body, data } = this.choose(raw, candidates, last && this.blocks === 0);
    this.blocks++;
    // The decoder learns programs only from columnar blocks.
    if (kind === BlockKind.Columnar) this.resetPending = false;
    else this.table.truncate(mark);
    let frame: Promise<Frame>;
    if (kind === BlockKind.Stored) frame = Promise.resolve({ kind, body: raw });
    else if (body !== undefined) frame = Promise.resolve({ kind, body });
    else {
      this.stream ??= new BrotliBlockEncoder({ ...this.params, quality });
      frame = this.stream.block(data ?? raw, last).then((body) => ({ kind, body }));
      // Awaited later by the caller; meanwhile a failure must not count as unhandled.
      frame.catch(() => {});
    }
    return { kind, raw, bytesIn: raw.length, payloadBytes: payload?.length ?? 0, frame };
  }

  // The columnar payload, or null when mining gave up on this block or on a
  // recent one: a log of mostly new templates is retried after 1, 2, 4 … 16
  // blocks, so its mining cost stays small.
  private mine(lines: readonly string[]): Uint8Array | null {
    if (this.skip > 0) {
      this.skip--;
      return null;
    }
    const payload = encodeBlock(lines, this.miner, {
      table: this.table,
      resetTable: this.resetPending,
    });
    if (this.miner.templates().length > MAX_TEMPLATES)
      this.miner = new TemplateMiner(this.minerCfg);
    if (payload === null) {
      this.skip = this.backoff;
      this.backoff = Math.min(MAX_SKIP, 2 * this.backoff);
    } else this.backoff = 1;
    return payload;
  }

  close(): void {
    this.stream?.close();
  }

  // Trial compressions without the stream's history rank the forms; the
  // stream can only do better than a trial. A small block is tried at the
  // stream's quality, and a small file that is one block also picks that
  // quality (on a few hundred bytes brotli 5 or 9 often beats 11). A large
  // block is tried at a low quality, crediting text with what brotli 10/11
  // gain on it over a payload.
  private choose(raw: Uint8Array, candidates: readonly Candidate[], only: boolean): Choice {
    if (raw.length > SMALL_BLOCK) {
      const q = Math.min(this.quality, TRIAL_QUALITY);
      const credit = this.quality >= HIGH_QUALITY ? TEXT_GAIN_AT_HIGH_QUALITY : 1;
      let best: Candidate | null = null;
      let bestScore = Number.POSITIVE_INFINITY;
      let smallest = Number.POSITIVE_INFINITY;
      for (const c of candidates) {
        const size = this.trial(c.data, q);
        smallest = Math.min(smallest, size);
        const score = c.kind === BlockKind.Text ? size / credit : size;
        if (score < bestScore) {
          best = c;
          bestScore = score;
        }
      }
      if (best === null || smallest + STREAM_EXTRA >= raw.length) {
        return { kind: BlockKind.Stored, quality: this.quality };
      }
      return { kind: best.kind, quality: this.quality, data: best.data };
    }
    // A file that is one small block tries every quality up to the asked one:
    // below a few KB no quality wins reliably (4 often beats 11 by a few bytes).
    const qualities = only
      ? Array.from({ length: this.quality + 1 }, (_, q) => this.quality - q)
      : [this.quality];
    let best: Choice = { kind: BlockKind.Stored, quality: this.quality };
    // A stream block also carries its compressed length and the flush's byte or two.
    let bestSize = raw.length - STREAM_EXTRA;
    for (const quality of qualities) {
      for (const c of candidates) {
        const size = this.trial(c.data, quality);
        if (size < bestSize) {
          best = { kind: c.kind, quality, data: c.data };
          bestSize = size;
        }
      }
    }
    // A one-block file this small may do better through the context-mixing coder.
    if (only && raw.length <= MAX_MODELED_BYTES) {
      const body = encodeModeled(raw);
      if (body.length < bestSize) best = { kind: BlockKind.Modeled, quality: this.quality, body };
    }
    return best;
  }

  private trial(data: Uint8Array, quality: number): number {
    return brotliCompressSync(data, { params: brotliParams({ ...this.params, quality }) }).length;
  }
}
