// Watermark lists never exceed MAX_STREAMS_PER_MESSAGE (PROTOCOL.md §4):
// a replica holding more streams sends its own streams first, then a
// window of the others in FK order that moves on with each message to the
// same peer, so every stream is listed within ceil(n / room) exchanges.
// A receiver treats an unlisted stream as "no claim" (§4.2 row 1), so a
// stream left out only waits for its turn.
import { MAX_STREAMS_PER_MESSAGE, type StreamWatermark } from "@tidemark/protocol";
import type { IdHex } from "../store/store-api.js";
import { toHex } from "./ids.js";

// Windows of callers not seen lately are forgotten past this many.
const MAX_TRACKED = 4096;

export class WatermarkWindow {
  private readonly next = new Map<string, number>();

  constructor(
    private readonly self: IdHex,
    private readonly max = MAX_STREAMS_PER_MESSAGE,
  ) {}

  /**
   * At most `max` of `all` (FK order kept) for a message to `peer`;
   * `truncated` says how many were left out of this one.
   */
  select(
    peer: string,
    all: readonly StreamWatermark[],
  ): { readonly watermarks: StreamWatermark[]; readonly truncated: number } {
    if (all.length <= this.max) return { watermarks: [...all], truncated: 0 };
    const own: StreamWatermark[] = [];
    const others: StreamWatermark[] = [];
    for (const w of all) {
      (w.stream !== undefined && toHex(w.stream.origin) === this.self ? own : others).push(w);
    }
    const room = Math.max(0, this.max - own.length);
    const start = (this.next.get(peer) ?? 0) % Math.max(1, others.length);
    if (!this.next.has(peer) && this.next.size >= MAX_TRACKED) this.next.clear();
    this.next.set(peer, (start + room) % Math.max(1, others.length));
    const picked = new Set<StreamWatermark>(own.slice(0, this.max));
    for (let i = 0; i < Math.min(room, others.length); i++) {
      picked.add(others[(start + i) % others.length] as StreamWatermark);
    }
    return {
      watermarks: all.filter((w) => picked.has(w)),
      truncated: all.length - picked.size,
    };
  }
}
