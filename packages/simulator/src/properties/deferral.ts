// reconcile-deferral-lifts (PROTOCOL §4.2 row 9; the engine README's
// "Decisions"): at equal cursors with different fingerprints the side
// holding more live rows may defer to the other, which very likely lacks
// rows — but a deferral delays a repair, it never drops it. So once two
// devices have exchanged the same two states of a stream again at least a
// deferral window (reconcileDeferMs, by default half the periodic
// exchange) after they first did, one of them has reconciled the stream
// in that state by their next exchange (with each other or anyone): the
// side lacking rows may be unable to (an inbound-only host keeps no peer
// for its client), and then the deferring side must act itself.
//
// Judged on the wire from ExchangeWatermarks calls: the requester's
// watermarks in the question, the responder's in the answer. A device's
// state counts from just after its previous different announcement, and
// a restart starts a deferral afresh (the engine keeps it in memory). Not
// judged: a pair with a lying device.
import { idToHex } from "@tidemark/engine";
import type { ExchangeWatermarksResponse, StreamWatermark } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { Scenario } from "../scenario.js";
import type { PropertyFailure } from "./property.js";
import { shortKey, wireStreamKey } from "./short-key.js";
import { watermarksOf } from "./watermarks-of.js";

/** One device's announced state of a stream, from its previous different one. */
type Announced = { readonly sig: string; readonly since: number; lastSeen: number };
/** A mismatch two devices exchanged: since when, and whether a window has passed. */
type Mismatch = { readonly sig: string; readonly first: number; lifted: boolean };

const sigOf = (w: StreamWatermark) =>
  `${w.cursor ?? "-"} ${w.pulling ? "p" : ""} ${idToHex(w.fingerprint)}`;

/** Equal cursors, neither pulling, both fingerprints known and different. */
function mismatched(a: StreamWatermark, b: StreamWatermark): boolean {
  return (
    a.cursor !== undefined &&
    a.cursor === b.cursor &&
    !a.pulling &&
    !b.pulling &&
    a.fingerprint.length > 0 &&
    b.fingerprint.length > 0 &&
    idToHex(a.fingerprint) !== idToHex(b.fingerprint)
  );
}

/** The engine's deferral window for a scenario's config (reconcileDeferMs, else half the periodic exchange). */
export function deferralWindowMs(s: Scenario): number {
  const c = s.config ?? {};
  return Number(c.reconcileDeferMs ?? Number(c.periodicExchangeMs ?? 60_000) / 2);
}

export class DeferralTracker {
  /** ExchangeWatermarks questions in flight: asker and its watermarks by stream. */
  private readonly asks = new Map<number, Map<string, StreamWatermark>>();
  /** "device stream" -> what it announced last. */
  private readonly states = new Map<string, Announced>();
  /** "device stream" -> when it last sent a Reconcile question about it. */
  private readonly reconciled = new Map<string, number>();
  /** "lo-hi stream" -> the mismatch those two last exchanged. */
  private readonly mismatches = new Map<string, Mismatch>();
  private readonly stuck = new Map<string, string>();

  constructor(
    /** The deferral window (ms). */
    private readonly windowMs: number,
    /** Device i's incarnation (a restart forgets its deferrals). */
    private readonly generation: (device: number) => number,
    private readonly lying: (device: number) => boolean,
  ) {}

  /** A message sent: announcements, and Reconcile questions. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc === "Reconcile" && m.part === "req") {
      const req = m.message() as { stream?: { origin: Uint8Array; resource: number } };
      if (req.stream !== undefined)
        this.reconciled.set(`${m.from} ${wireStreamKey(req.stream)}`, now);
      return;
    }
    const wms = watermarksOf(m);
    if (wms === undefined) return;
    const byStream = new Map<string, StreamWatermark>();
    for (const w of wms) {
      if (w.stream === undefined) continue;
      const key = wireStreamKey(w.stream);
      byStream.set(key, w);
      this.announce(m.from, key, sigOf(w), now);
    }
    if (m.rpc === "ExchangeWatermarks" && m.part === "req") this.asks.set(m.call, byStream);
  }

  private announce(device: number, stream: string, sig: string, now: number): void {
    const id = `${device} ${stream}`;
    const last = this.states.get(id);
    if (last?.sig === sig) last.lastSeen = now;
    else this.states.set(id, { sig, since: last?.lastSeen ?? 0, lastSeen: now });
  }

  /** A message delivered: an answered exchange shows both sides' states. */
  delivered(m: Delivered, now: number): void {
    if (m.rpc !== "ExchangeWatermarks" || m.part === "req") return;
    const asked = this.asks.get(m.call);
    this.asks.delete(m.call);
    if (asked === undefined || m.part !== "res") return;
    const [asker, answerer] = [m.to, m.from];
    if (this.lying(asker) || this.lying(answerer)) return;
    for (const w of (m.message() as ExchangeWatermarksResponse).watermarks) {
      if (w.stream === undefined) continue;
      const stream = wireStreamKey(w.stream);
      const mine = asked.get(stream);
      if (mine !== undefined) this.sighted(asker, mine, answerer, w, stream, now);
    }
  }

  private sighted(
    a: number,
    wa: StreamWatermark,
    b: number,
    wb: StreamWatermark,
    stream: string,
    now: number,
  ): void {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const key = `${lo}-${hi} ${stream}`;
    if (!mismatched(wa, wb)) {
      this.mismatches.delete(key);
      return;
    }
    const [wlo, whi] = a < b ? [wa, wb] : [wb, wa];
    const sig = `${this.generation(lo)}:${sigOf(wlo)}|${this.generation(hi)}:${sigOf(whi)}`;
    const e = this.mismatches.get(key);
    if (e === undefined || e.sig !== sig) {
      this.mismatches.set(key, { sig, first: now, lifted: false });
      return;
    }
    if (this.actedOn(lo, stream) || this.actedOn(hi, stream)) return;
    if (e.lifted) {
      if (!this.stuck.has(key))
        this.stuck.set(
          key,
          `d${lo} and d${hi} exchanged the same differing states of ${shortKey(stream)} (cursor ${String(wa.cursor)}, live rows ${wlo.liveCount} vs ${whi.liveCount}) from ${Math.round(e.first)} ms to ${Math.round(now)} ms, and neither reconciled it`,
        );
    } else if (now - e.first >= this.windowMs) e.lifted = true;
  }

  /** True when `device` asked a Reconcile question about `stream` in its current state. */
  private actedOn(device: number, stream: string): boolean {
    const at = this.reconciled.get(`${device} ${stream}`);
    const since = this.states.get(`${device} ${stream}`)?.since;
    return at !== undefined && since !== undefined && at >= since;
  }

  check(): PropertyFailure | undefined {
    const stuck = [...this.stuck.values()];
    if (stuck.length === 0) return undefined;
    return {
      property: "reconcile-deferral-lifts",
      detail: `${stuck.length} fingerprint mismatch(es) at equal cursors left unreconciled past the deferral window of ${this.windowMs} ms (a deferral delays a repair, never drops it; PROTOCOL §4.2): ${stuck.slice(0, 3).join("; ")}`,
    };
  }
}
