// below-horizon-honoured (judged on the wire): PROTOCOL §5.2 BF-2, §7.8
// and §13 TB-4, the rules that keep a pruned delete from being lost.
//
// - A responder asked for a stream after a seq below a tombstone horizon it
//   has announced (a horizon never moves down, §13) answers
//   BELOW_HORIZON, never pages: a delete the caller never saw may be gone.
// - A caller given a BELOW_HORIZON page by a call that ended cleanly and
//   asked for that stream alone runs a full resync of it at once: a
//   request about the stream within FOLLOW_MS (a Reconcile; a pull from
//   another peer, which may have kept the deletes, would do — asking the
//   refusing peer again would not), unless it restarted or it was pulling
//   or reconciling the stream elsewhere meanwhile. (A pull below a horizon
//   the peer announced is pull-above-horizon's, properties/repairs.ts.)
//
// Announcements are keyed by the announcer's incarnation: a restore brings
// an older horizon back.
import {
  type BackfillRequest,
  type BackfillResponse,
  type ExchangeWatermarksRequest,
  type ExchangeWatermarksResponse,
  type NotifyDataAvailableRequest,
  PageStatus,
  type ReconcileRequest,
  type StreamWatermark,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";
import { shortKey, wireStreamKey } from "./short-key.js";

/** How long a caller may take to start the full resync a BELOW_HORIZON page asks for. */
export const FOLLOW_MS = 1_000;

/** A Reconcile of the stream sent this recently may still be running (the engine runs one per stream). */
const RECONCILE_RECENT_MS = 10_000;

type Generation = (device: number) => number;
type Follow = {
  readonly at: number;
  readonly gen: number;
  readonly from: number;
  readonly horizon: bigint;
};

/** The watermarks a message lists (its sender's own view), or none. */
function watermarksOf(m: { rpc: string; part: string; message: () => unknown }) {
  const msg = m.message();
  if (m.rpc === "ExchangeWatermarks" && m.part === "req")
    return (msg as ExchangeWatermarksRequest).watermarks;
  if (m.rpc === "ExchangeWatermarks" && m.part === "res")
    return (msg as ExchangeWatermarksResponse).watermarks;
  if (m.rpc === "NotifyDataAvailable" && m.part === "req")
    return (msg as NotifyDataAvailableRequest).watermarks;
  return [] as StreamWatermark[];
}

/** The horizons a message announces, stream -> horizon (a BELOW_HORIZON page's included). */
function horizonsOf(m: { rpc: string; part: string; message: () => unknown }) {
  const out = new Map<string, bigint>();
  if (m.rpc === "Backfill" && m.part === "page") {
    const page = m.message() as BackfillResponse;
    if (page.stream !== undefined && page.tombstoneHorizon !== undefined)
      out.set(wireStreamKey(page.stream), page.tombstoneHorizon);
    return out;
  }
  for (const w of watermarksOf(m))
    if (w.stream !== undefined && w.tombstoneHorizon !== undefined)
      out.set(wireStreamKey(w.stream), w.tombstoneHorizon);
  return out;
}

export class BelowHorizonTracker {
  /** "sender gen stream" -> the highest horizon it announced to anyone. */
  private readonly announced = new Map<string, bigint>();
  /** "call stream" -> the horizon a request's after_seq was below (its first page must say so). */
  private readonly mustRefuse = new Map<string, bigint>();
  /** Backfill calls in flight: call -> asker, streams asked, BELOW_HORIZON pages got. */
  private readonly calls = new Map<
    number,
    { from: number; to: number; streams: string[]; below: Map<string, bigint> }
  >();
  /** "asker stream" -> a full resync owed since a BELOW_HORIZON page. */
  private readonly owed = new Map<string, Follow>();
  /** "asker stream" -> the last Reconcile request it sent about the stream. */
  private readonly reconciled = new Map<string, number>();
  private readonly failures: string[] = [];
  /** BELOW_HORIZON pages delivered so far (what the follow-through rule judged). */
  belowPages = 0;

  constructor(
    private readonly generation: Generation,
    private readonly lied: (device: number) => boolean,
  ) {}

  /** A message sent. */
  observe(m: TapInfo, now: number): void {
    for (const [stream, h] of horizonsOf(m)) {
      const key = `${m.from} ${this.generation(m.from)} ${stream}`;
      if ((this.announced.get(key) ?? -1n) < h) this.announced.set(key, h);
    }
    if (m.rpc === "Backfill" && m.part === "req") this.backfillAsked(m, now);
    if (m.rpc === "Backfill" && m.part === "page") this.pageSent(m);
    if (m.rpc === "Reconcile" && m.part === "req") {
      const req = m.message() as ReconcileRequest;
      if (req.stream === undefined) return;
      this.askedAbout(m.from, wireStreamKey(req.stream), now);
      this.reconciled.set(`${m.from} ${wireStreamKey(req.stream)}`, now);
    }
  }

  /** A message delivered. */
  delivered(m: Delivered, now: number): void {
    if (m.rpc === "Backfill" && m.part === "req") this.requestArrived(m);
    const call = this.calls.get(m.call);
    if (m.rpc !== "Backfill" || call === undefined) return;
    if (m.part === "page") {
      const page = m.message() as BackfillResponse;
      if (page.status === PageStatus.BELOW_HORIZON && page.stream !== undefined) {
        call.below.set(wireStreamKey(page.stream), page.tombstoneHorizon ?? 0n);
        this.belowPages++;
      }
      return;
    }
    if (m.part !== "end") return;
    this.calls.delete(m.call);
    if (call.streams.length !== 1) return;
    for (const [stream, horizon] of call.below) {
      const key = `${call.from} ${stream}`;
      // Pulling or reconciling it elsewhere meanwhile: that job may settle it.
      const elsewhere =
        now - (this.reconciled.get(key) ?? -Infinity) < RECONCILE_RECENT_MS ||
        [...this.calls.values()].some(
          (c) => c.from === call.from && c.to !== call.to && c.streams.includes(stream),
        );
      if (!elsewhere)
        this.owed.set(key, { at: now, gen: this.generation(call.from), from: call.to, horizon });
    }
  }

  /** A request about the stream: the full resync a page asked for, or a late one. */
  private askedAbout(device: number, stream: string, now: number): void {
    const key = `${device} ${stream}`;
    const f = this.owed.get(key);
    if (f === undefined) return;
    this.owed.delete(key);
    if (this.generation(device) === f.gen && now - f.at > FOLLOW_MS)
      this.failures.push(late(key, f));
  }

  private backfillAsked(m: TapInfo, now: number): void {
    const req = m.message() as BackfillRequest;
    const streams: string[] = [];
    for (const s of req.streams) {
      if (s.stream === undefined) continue;
      const stream = wireStreamKey(s.stream);
      streams.push(stream);
      // Asking the refusing peer again is no resync (pull-above-horizon judges it when due).
      const owed = this.owed.get(`${m.from} ${stream}`);
      if (owed === undefined || owed.from !== m.to) this.askedAbout(m.from, stream, now);
    }
    this.calls.set(m.call, { from: m.from, to: m.to, streams, below: new Map() });
  }

  private requestArrived(m: Delivered): void {
    if (this.lied(m.to)) return;
    const req = m.message() as BackfillRequest;
    for (const s of req.streams) {
      if (s.stream === undefined || s.afterSeq === undefined) continue;
      const stream = wireStreamKey(s.stream);
      const h = this.announced.get(`${m.to} ${this.generation(m.to)} ${stream}`);
      if (h !== undefined && s.afterSeq < h) this.mustRefuse.set(`${m.call} ${stream}`, h);
    }
  }

  private pageSent(m: TapInfo): void {
    const page = m.message() as BackfillResponse;
    if (page.stream === undefined) return;
    const key = `${m.call} ${wireStreamKey(page.stream)}`;
    const h = this.mustRefuse.get(key);
    if (h === undefined) return;
    this.mustRefuse.delete(key);
    if (page.status === PageStatus.OK)
      this.failures.push(
        `d${m.from} served d${m.to} ${shortKey(wireStreamKey(page.stream))} with ${page.changes.length} change(s) after a seq below the horizon ${h} it had announced (BF-2: BELOW_HORIZON)`,
      );
  }

  /** At the end, or any time: what broke so far, owed resyncs older than FOLLOW_MS included. */
  check(now: number): PropertyFailure | undefined {
    const owed = [...this.owed].filter(
      ([key, f]) => this.generation(Number(key.split(" ")[0])) === f.gen && now - f.at > FOLLOW_MS,
    );
    const all = [...this.failures, ...owed.map(([key, f]) => late(key, f))];
    if (all.length === 0) return undefined;
    return {
      property: "below-horizon-honoured",
      detail: `${all.length} breach(es) of the tombstone horizon's rules: ${all.slice(0, 3).join("; ")}${all.length > 3 ? "; …" : ""}`,
    };
  }
}

const late = (key: string, f: Follow) =>
  `d${key.split(" ")[0]} got BELOW_HORIZON (horizon ${f.horizon}) for ${shortKey(key.split(" ")[1] ?? "")} at ${Math.round(f.at)} ms and asked nobody about the stream within ${FOLLOW_MS} ms (BF-2: a full resync)`;
