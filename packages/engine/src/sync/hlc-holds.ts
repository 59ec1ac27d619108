// Streams held back because a change's HLC is more than maxOffset ahead of
// our physical time (PROTOCOL.md §12): said loudly and exactly — which
// stream, how far ahead, until when — never a silent stall. A held stream
// is not pulled again until its change can be accepted (re-tried then by
// a timer, or by any exchange after a clock fix); other streams go on.
import { EngineErrorCode, isEngineError } from "../errors.js";
import type { TimerHandle } from "../ports.js";
import type { HlcHold } from "../replica-api.js";
import type { StreamKey } from "../store/store-api.js";
import type { SyncContext } from "./context.js";
import { streamKeyString } from "./ids.js";

type Hold = {
  readonly stream: StreamKey;
  readonly peer: string | undefined;
  readonly aheadMs: number;
  readonly maxOffsetMs: number;
  /** Physical time (reference clock) from which the change is acceptable. */
  readonly readyAt: number;
  /** Wall-clock time the hold started. */
  readonly since: number;
  timer: TimerHandle | undefined;
};

export class HlcHolds {
  private readonly holds = new Map<string, Hold>();
  /** Called when a hold's time is up: re-decide the stream. */
  onReady: (key: string) => void = () => {};

  constructor(private readonly ctx: SyncContext) {}

  /**
   * Records `err` if it is an HLC-too-far-ahead refusal of `stream` (from
   * `peer`); returns whether it was one.
   */
  noteRejected(stream: StreamKey, peer: string | undefined, err: unknown): boolean {
    if (!isEngineError(err) || err.code !== EngineErrorCode.HlcTooFarAhead) return false;
    const remoteMs = Number(err.details.remoteMs);
    const nowMs = Number(err.details.nowMs);
    const maxOffsetMs = Number(err.details.maxOffsetMs);
    const key = streamKeyString(stream);
    const known = this.holds.get(key);
    // Keep the furthest-ahead change seen: the stream is held until it fits.
    if (known !== undefined && known.readyAt >= remoteMs - maxOffsetMs) return true;
    if (known?.timer !== undefined) this.ctx.ports.timers.cancel(known.timer);
    const hold: Hold = {
      stream,
      peer,
      aheadMs: remoteMs - nowMs,
      maxOffsetMs,
      readyAt: remoteMs - maxOffsetMs,
      since: known?.since ?? this.ctx.ports.clock.now(),
      timer: undefined,
    };
    const waitMs = Math.max(1, hold.readyAt - this.ctx.store.physicalNow() + 1);
    // Node timers overflow past 2^31-1 ms; an exchange re-checks meanwhile.
    hold.timer = this.ctx.ports.timers.set(Math.min(waitMs, 2 ** 31 - 1), () => {
      hold.timer = undefined;
      if (!this.ctx.closed) this.onReady(key);
    });
    this.holds.set(key, hold);
    this.ctx.metrics.set("tidemark_hlc_ahead_ms", { stream: key }, hold.aheadMs);
    this.ctx.metrics.inc("tidemark_hlc_rejections_total", { stream: key });
    this.ctx.log(
      "warn",
      {
        event: "hlc-too-far-ahead",
        peer: peer ?? null,
        stream: key,
        aheadMs: hold.aheadMs,
        maxOffsetMs,
        retryInMs: waitMs,
      },
      `stream ${key} held: a change's HLC is ${Math.round(hold.aheadMs / 1000)} s ahead of our clock (max ${Math.round(maxOffsetMs / 1000)} s); fix the clock that is wrong, or it syncs in ${Math.round(waitMs / 1000)} s`,
    );
    return true;
  }

  /** True while `key` is held and its change is still too far ahead. */
  blocked(key: string): boolean {
    const hold = this.holds.get(key);
    return hold !== undefined && this.ctx.store.physicalNow() < hold.readyAt;
  }

  /** The stream applied changes again: lift its hold. */
  clear(key: string): void {
    const hold = this.holds.get(key);
    if (hold === undefined) return;
    if (hold.timer !== undefined) this.ctx.ports.timers.cancel(hold.timer);
    this.holds.delete(key);
    this.ctx.metrics.set("tidemark_hlc_ahead_ms", { stream: key }, 0);
    this.ctx.log(
      "info",
      { event: "hlc-hold-cleared", stream: key, heldMs: this.ctx.ports.clock.now() - hold.since },
      `stream ${key} no longer held`,
    );
  }

  status(): HlcHold[] {
    return [...this.holds.values()].map((h) => ({
      stream: h.stream,
      peer: h.peer,
      aheadMs: h.aheadMs,
      maxOffsetMs: h.maxOffsetMs,
      since: h.since,
    }));
  }

  close(): void {
    for (const h of this.holds.values()) {
      if (h.timer !== undefined) this.ctx.ports.timers.cancel(h.timer);
      h.timer = undefined;
    }
  }
}
