// Repairs as the decision table allows them (PROTOCOL §4.2), judged from
// what each peer announced on the wire and the requester's own state:
// - pull-above-horizon (TB-4, row 5): a replica told that a peer pruned a
//   stream's tombstones up to H must not pull it from that peer after a
//   seq below H (the pull cannot carry the pruned deletes; the peer answers
//   BELOW_HORIZON, a wasted round trip before the full resync due anyway).
//   A stream the replica last announced to the peer as pulling resumes
//   where it stopped (row 3) and is not judged.
// - reconcile-when-due (rows 5, 8, 9): a Reconcile session starts only at
//   equal cursors, or below the peer's horizon when the peer is ahead, and
//   never while the peer announced it is pulling (our own pulling flag is
//   not judged: a full resync marks the stream pulling as it starts).
// - reconcile-by-the-lacking-side (row 9's deferral): at equal cursors the
//   side holding more live rows lets the other go first; one that
//   reconciles anyway and fetches nothing did the other side's work, which
//   that side (it lacks the rows) does in any case.
import type { BackfillRequest, ReconcileRequest, ReconcileResponse } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import type { PropertyFailure } from "./property.js";
import { shortKey, wireStreamKey } from "./short-key.js";
import { watermarksOf } from "./watermarks-of.js";

/** One side's state of a stream: announced on the wire, or read from the replica. */
export type Side = {
  readonly cursor: bigint | undefined;
  readonly horizon: bigint | undefined;
  readonly pulling: boolean;
  readonly liveCount: bigint;
};
type Started = { from: number; to: number; stream: string; at: number; told: Side | undefined };

const NOTHING: Side = { cursor: undefined, horizon: undefined, pulling: false, liveCount: 0n };
const seqText = (s: bigint | undefined) => (s === undefined ? "none" : String(s));

/** Why a reconcile with a peer that announced `r` is not due for local state `l`, if it is not. */
export function reconcileNotDue(l: Side, r: Side): string | undefined {
  if (r.pulling) return "the peer announced it is pulling";
  const [lc, rc, h] = [l.cursor, r.cursor, r.horizon];
  if (lc !== undefined && rc !== undefined && (lc === rc || (h !== undefined && lc < h && rc > lc)))
    return undefined;
  return `cursors ${seqText(lc)} vs ${seqText(rc)}, horizon ${seqText(h)}`;
}

export class RepairTracker {
  /** "a<b stream" -> what b last announced to a. */
  private readonly told = new Map<string, Side>();
  /** "a>b stream": a last announced the stream to b as pulling. */
  private readonly pulling = new Set<string>();
  /** Reconcile sessions under way ("a>b stream"), and their calls. */
  private readonly open = new Set<string>();
  private readonly calls = new Map<number, string>();
  private started: Started[] = [];
  /** Sessions by the side with more live rows that fetched nothing yet. */
  private readonly byFuller = new Map<string, string>();
  private readonly belowHorizon: string[] = [];
  private readonly notDue: string[] = [];

  /** A message sent: announcements, Backfill and Reconcile requests. */
  observe(m: TapInfo, now: number): void {
    for (const w of watermarksOf(m) ?? []) {
      if (w.stream === undefined) continue;
      const key = `${m.from}>${m.to} ${wireStreamKey(w.stream)}`;
      if (w.pulling) this.pulling.add(key);
      else this.pulling.delete(key);
    }
    if (m.part !== "req") return;
    if (m.rpc === "Backfill") this.backfill(m, m.message() as BackfillRequest, now);
    if (m.rpc === "Reconcile") this.reconcile(m, m.message() as ReconcileRequest, now);
  }

  private backfill(m: TapInfo, req: BackfillRequest, now: number): void {
    for (const s of req.streams) {
      if (s.stream === undefined || s.afterSeq === undefined) continue;
      const name = wireStreamKey(s.stream);
      if (this.pulling.has(`${m.from}>${m.to} ${name}`)) continue;
      const h = this.told.get(`${m.from}<${m.to} ${name}`)?.horizon;
      if (h !== undefined && s.afterSeq < h)
        this.belowHorizon.push(
          `d${m.from} asked d${m.to} for ${shortKey(name)} after ${s.afterSeq} (horizon ${h}) at ${Math.round(now)} ms`,
        );
    }
  }

  private reconcile(m: TapInfo, req: ReconcileRequest, now: number): void {
    if (req.stream === undefined) return;
    const name = wireStreamKey(req.stream);
    const key = `${m.from}>${m.to} ${name}`;
    this.calls.set(m.call, key);
    if (req.wantIds.length > 0) this.byFuller.delete(key);
    // A round with no ranges only fetches rows of a session under way.
    if (req.ranges.length === 0 || this.open.has(key)) return;
    this.open.add(key);
    const told = this.told.get(`${m.from}<${m.to} ${name}`);
    this.started.push({ from: m.from, to: m.to, stream: name, at: now, told });
  }

  /** A message delivered: what its sender announced; the end of a reconcile session. */
  delivered(m: Delivered): void {
    for (const w of watermarksOf(m) ?? []) {
      if (w.stream === undefined) continue;
      this.told.set(`${m.to}<${m.from} ${wireStreamKey(w.stream)}`, {
        cursor: w.cursor,
        horizon: w.tombstoneHorizon,
        pulling: w.pulling,
        liveCount: w.liveCount,
      });
    }
    if (m.rpc !== "Reconcile" || m.part === "req") return;
    const key = this.calls.get(m.call);
    if (key === undefined) return;
    const done = m.part !== "res" || (m.message() as ReconcileResponse).ranges.length === 0;
    if (done) this.open.delete(key);
    this.calls.delete(m.call);
  }

  /**
   * After an instant: judges the sessions it started against the
   * initiator's state now (one job per stream, so the state it decided on)
   * and what the peer had announced.
   */
  async settle(nodes: readonly SimNode[]): Promise<void> {
    if (this.started.length === 0) return;
    const started = this.started;
    this.started = [];
    for (const s of started) {
      const replica = nodes[s.from]?.alive ? nodes[s.from]?.replica : undefined;
      if (replica === undefined) continue;
      const w = (await replica.probe.watermarks()).find(
        (x) => `${x.stream.origin}/${x.stream.resource}` === s.stream,
      );
      const l: Side = { ...NOTHING, ...w, horizon: undefined, pulling: w?.pulling ?? false };
      const r = s.told ?? NOTHING;
      const what = `${shortKey(s.stream)} with d${s.to} at ${Math.round(s.at)} ms`;
      const why = reconcileNotDue(l, r);
      if (why !== undefined) this.notDue.push(`d${s.from} reconciled ${what}: ${why}`);
      else if (l.cursor === r.cursor && l.liveCount > r.liveCount)
        this.byFuller.set(
          `${s.from}>${s.to} ${s.stream}`,
          `d${s.from} reconciled ${what} holding ${l.liveCount} live rows against ${r.liveCount}`,
        );
    }
  }

  check(): PropertyFailure | undefined {
    if (this.belowHorizon.length > 0)
      return {
        property: "pull-above-horizon",
        detail: `${this.belowHorizon.length} Backfill request(s) below a horizon the peer had announced (a full resync was due, TB-4): ${list(this.belowHorizon)}`,
      };
    if (this.notDue.length > 0)
      return {
        property: "reconcile-when-due",
        detail: `${this.notDue.length} reconcile(s) the decision table (PROTOCOL §4.2) does not call for: ${list(this.notDue)}`,
      };
    const fuller = [...this.byFuller.values()];
    if (fuller.length > 0)
      return {
        property: "reconcile-by-the-lacking-side",
        detail: `${fuller.length} reconcile(s) at equal cursors by the side with more live rows that fetched nothing (the side lacking rows reconciles itself, PROTOCOL §4.2 row 9): ${list(fuller)}`,
      };
    return undefined;
  }
}

function list(items: readonly string[]): string {
  return `${items.slice(0, 4).join("; ")}${items.length > 4 ? "; …" : ""}`;
}
