// pull-not-repeated (a cost property, judged on the wire): a Backfill of a
// stream asked of a peer at exactly the states the last completed repair of
// that stream with that peer left (both sides' cursor and fingerprint, the
// requester's incarnation, and what the peer last announced of the stream),
// which serves nothing, is needless work: the same question against the
// same states gets the same answer. A pull or full resync that refuted a
// peer's claim is remembered while the peer repeats it (PROTOCOL §3.5 CU-8,
// §4: "a made-up claim costs one pull, not one per exchange").
//
// Not judged: a pull that serves rows (refused or held rows come again,
// and a retry after failure must fetch them), one whose answer came so late
// (half the call timeout) that the requester may have given up, and any
// pull after the peer announced something new of the stream (a liar that
// changes its claim is believed again, as any news is).
import type {
  BackfillRequest,
  BackfillResponse,
  ReconcileRequest,
  ReconcileResponse,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import { refusedReconcileAnswer } from "./invalid-reconciles.js";
import type { PropertyFailure } from "./property.js";
import { statesOf } from "./repeats.js";
import { shortKey, wireStreamKey } from "./short-key.js";
import { watermarksOf } from "./watermarks-of.js";

type Pair = { readonly from: number; readonly to: number; readonly stream: string };
type Ask = Pair & { readonly call: number; readonly at: number; served: number; repeat?: string };
type Done = Pair & { readonly at: number };
type Reconcile = Pair & { readonly request: ReconcileRequest; readonly at: number };

export class PullRepeatTracker {
  /** "a<b stream" -> what b last announced to a, and how many times it changed. */
  private readonly told = new Map<string, { text: string; version: number }>();
  /** "a stream" -> the peer of a's last completed repair and the states it left. */
  private readonly left = new Map<string, { peer: number; states: string }>();
  private readonly asks = new Map<string, Ask>();
  private readonly reconciles = new Map<number, Reconcile>();
  private fresh: Ask[] = [];
  private done: Done[] = [];
  private readonly repeats: string[] = [];

  constructor(private readonly callTimeoutMs: number) {}

  /** A message sent: Backfill and Reconcile requests. */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    if (m.rpc === "Reconcile") {
      const request = m.message() as ReconcileRequest;
      if (request.stream === undefined) return;
      const stream = wireStreamKey(request.stream);
      this.reconciles.set(m.call, { from: m.from, to: m.to, stream, request, at: now });
      return;
    }
    if (m.rpc !== "Backfill") return;
    for (const s of (m.message() as BackfillRequest).streams) {
      if (s.stream === undefined) continue;
      const ask = {
        from: m.from,
        to: m.to,
        stream: wireStreamKey(s.stream),
        call: m.call,
        at: now,
      };
      this.asks.set(`${m.call} ${ask.stream}`, { ...ask, served: 0 });
      this.fresh.push(this.asks.get(`${m.call} ${ask.stream}`) as Ask);
    }
  }

  /** A message delivered: announcements, pages, and Reconcile answers that end a session. */
  delivered(m: Delivered, now: number): void {
    for (const w of watermarksOf(m) ?? []) {
      if (w.stream === undefined) continue;
      const key = `${m.to}<${m.from} ${wireStreamKey(w.stream)}`;
      const text = `${w.cursor}/${w.tombstoneHorizon}/${w.pulling}`;
      const seen = this.told.get(key);
      if (seen?.text !== text) this.told.set(key, { text, version: (seen?.version ?? 0) + 1 });
    }
    if (m.rpc === "Backfill" && m.part === "page") this.page(m, now);
    if (m.rpc === "Reconcile" && m.part === "res") {
      const r = this.reconciles.get(m.call);
      this.reconciles.delete(m.call);
      const res = m.message() as ReconcileResponse;
      if (r === undefined || res.ranges.length > 0 || now - r.at >= this.callTimeoutMs / 2) return;
      if (refusedReconcileAnswer(r.request, res) !== undefined) return;
      this.done.push({ from: r.from, to: r.to, stream: r.stream, at: now });
    }
  }

  private page(m: Delivered, now: number): void {
    const page = m.message() as BackfillResponse;
    if (page.stream === undefined) return;
    const key = `${m.call} ${wireStreamKey(page.stream)}`;
    const ask = this.asks.get(key);
    if (ask === undefined) return;
    ask.served += page.changes.length;
    if (!page.streamDone) return;
    this.asks.delete(key);
    if (now - ask.at >= this.callTimeoutMs / 2) return;
    if (ask.repeat !== undefined && ask.served === 0) this.repeats.push(ask.repeat);
    this.done.push({ from: ask.from, to: ask.to, stream: ask.stream, at: now });
  }

  /** After an instant: files repairs done, then judges new asks against the states they left. */
  async settle(nodes: readonly SimNode[]): Promise<void> {
    if (this.fresh.length === 0 && this.done.length === 0) return;
    // Repairs done first: a pull started in the instant another ended is
    // the requester's answer to it, judged against the states it left.
    const done = this.done;
    this.done = [];
    for (const d of done)
      this.left.set(`${d.from} ${d.stream}`, { peer: d.to, states: await this.statesOf(nodes, d) });
    const fresh = this.fresh;
    this.fresh = [];
    for (const ask of fresh) {
      const last = this.left.get(`${ask.from} ${ask.stream}`);
      if (last?.peer !== ask.to) continue;
      const states = await this.statesOf(nodes, ask);
      if (states === last.states)
        ask.repeat = `d${ask.from} pulled ${shortKey(ask.stream)} from d${ask.to} again at ${Math.round(ask.at)} ms (${states})`;
    }
  }

  private async statesOf(nodes: readonly SimNode[], p: Pair): Promise<string> {
    const told = this.told.get(`${p.from}<${p.to} ${p.stream}`);
    return `${await statesOf(nodes, p)}, told ${told?.text ?? "nothing"} #${told?.version ?? 0}`;
  }

  check(): PropertyFailure | undefined {
    if (this.repeats.length === 0) return undefined;
    return {
      property: "pull-not-repeated",
      detail: `${this.repeats.length} Backfill(s) that served nothing, asked of a peer at the very states its last completed repair of the stream left (a refuted claim is remembered while the peer repeats it, PROTOCOL §4): ${this.repeats.slice(0, 4).join("; ")}${this.repeats.length > 4 ? "; …" : ""}`,
    };
  }
}
