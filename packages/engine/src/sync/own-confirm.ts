// When this device's own new changes may leave it (PROTOCOL §3.7). After
// any open the store holds own commits unconfirmed: a restore from an old
// backup looks exactly like a restart, and would otherwise push or serve
// seqs the device already used. They are confirmed once every paired peer
// has sent its full watermarks since (so we know how far each holds our
// streams), none holds more than we do — any that does has made us pull
// our streams back first, our unconfirmed changes renumbered above what
// it held — and none is mid-pull of one of them: a pulling peer holds
// rows above the cursor it reports (pages applied, cursor frozen), maybe
// from our previous incarnation, still in flight (unless it asked us for
// that pull since we opened, at or below our cursor). A device with no
// peers is alone and confirms at start.
// Local writes are never refused meanwhile; only their emission waits.

import type { TimerHandle } from "../ports.js";
import type { OwnStatus, OwnWait } from "../replica-api.js";
import type { IdHex, StreamKey } from "../store/store-api.js";
import type { SyncContext } from "./context.js";
import { streamKeyFromString, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

export type OwnConfirmHooks = {
  readonly peers: () => Iterable<PeerSync>;
  /** Own streams were confirmed: tell peers (they pull what they lack). */
  readonly confirmed: (moved: readonly StreamKey[]) => void;
};

export class OwnConfirmation {
  /** Peers whose full watermarks we received since open (or since they were added). */
  private readonly heard = new Set<IdHex>();
  private started = false;
  /**
   * Per peer, the after_seq (absent: 0) of its latest Backfill of each own
   * stream since open: how far it held that stream when it asked us.
   */
  private readonly asked = new Map<IdHex, Map<string, bigint>>();
  /** A re-exchange with peers we wait on while they pull our streams. */
  private recheck: { timer: TimerHandle; release: () => void } | undefined;

  constructor(
    private readonly ctx: SyncContext,
    private readonly hooks: OwnConfirmHooks,
  ) {}

  start(): void {
    this.started = true;
    this.check("start");
  }

  close(): void {
    if (this.recheck === undefined) return;
    this.ctx.ports.timers.cancel(this.recheck.timer);
    this.recheck.release();
    this.recheck = undefined;
  }

  /** `peer`'s complete watermarks arrived (either side's ExchangeWatermarks). */
  heardFrom(peer: PeerSync): void {
    this.heard.add(peer.peer);
    this.check("exchange");
  }

  /**
   * A peer joined: it may hold seqs of ours we no longer know, so new own
   * commits wait for it (what was confirmed stays confirmed).
   */
  peerAdded(peer: IdHex): void {
    this.heard.delete(peer);
    this.asked.delete(peer);
    if (!this.ctx.store.ownStreamsConfirmed) return;
    this.ctx.store.holdOwnCommits();
    this.ctx.log(
      "info",
      { event: "own-streams-held", peer, reason: "peer-added" },
      "new own changes wait until the added peer has been heard from",
    );
  }

  /**
   * `peer` asked us for our own `stream` after `afterSeq` (a Backfill). A
   * caller asks a source only for what lies above all it applied of the
   * stream (PROTOCOL §4.2 rows 3-4), and we serve nothing above our
   * cursor: a pull of it from us holds nothing we cannot vouch for.
   */
  backfillAsked(peer: IdHex, stream: StreamKey, afterSeq: bigint | undefined): void {
    if (stream.origin.toLowerCase() !== this.ctx.deviceId) return;
    const streams = this.asked.get(peer) ?? new Map<string, bigint>();
    streams.set(streamKeyString(stream), afterSeq ?? 0n);
    this.asked.set(peer, streams);
  }

  /** A peer was parked (e.g. another library): it may have been the last one waited on. */
  peerParked(): void {
    this.check("peer-parked");
  }

  peerRemoved(peer: IdHex): void {
    this.heard.delete(peer);
    this.asked.delete(peer);
    this.check("peer-removed");
  }

  /** Confirms own streams if every peer was heard from and none is ahead. */
  check(trigger: string): void {
    const { ctx } = this;
    if (ctx.closed || !this.started || ctx.store.ownStreamsConfirmed) return;
    const peers = [...this.hooks.peers()];
    const waits = this.waits(peers);
    if (waits.length > 0) {
      this.askAgainLater(waits);
      return;
    }
    const moved = ctx.store.confirmOwnStreams();
    if (moved === undefined) return;
    ctx.metrics.set("tidemark_own_unconfirmed_seqs", {}, 0);
    ctx.log(
      "info",
      { event: "own-streams-confirmed", trigger, peers: peers.length, streams: moved.length },
      peers.length === 0
        ? "own streams confirmed: no peers"
        : "own streams confirmed: every peer heard from, none ahead or pulling them",
    );
    if (moved.length > 0) this.hooks.confirmed(moved);
  }

  status(): OwnStatus {
    const confirmed = this.ctx.store.ownStreamsConfirmed;
    let unconfirmed = 0n;
    for (const s of this.ctx.store.streams()) {
      if (s.stream.origin !== this.ctx.deviceId || s.headSeq === undefined) continue;
      const gap = s.headSeq - (s.cursor ?? 0n);
      if (gap > 0n) unconfirmed += gap;
    }
    this.ctx.metrics.set("tidemark_own_unconfirmed_seqs", {}, Number(unconfirmed));
    const waits = confirmed ? [] : this.waits([...this.hooks.peers()]);
    return {
      confirmed,
      awaitingPeers: waits.filter((w) => w.reason === "not-heard-from").map((w) => w.peer),
      waits,
      unconfirmedSeqs: unconfirmed,
    };
  }

  /**
   * A pulling peer does not tell us when its pull is done: ask it for its
   * watermarks again after a backoff step, until it is not pulling.
   */
  private askAgainLater(waits: readonly OwnWait[]): void {
    const pulling = new Set(waits.filter((w) => w.reason === "peer-pulling").map((w) => w.peer));
    if (pulling.size === 0 || this.recheck !== undefined) return;
    // Held as pending work: a host awaiting idle() sees the confirmation through.
    const release = this.ctx.work.hold();
    const timer = this.ctx.ports.timers.set(this.ctx.config.backoffBaseMs, () => {
      this.recheck = undefined;
      release();
      if (this.ctx.closed || this.ctx.store.ownStreamsConfirmed) return;
      for (const p of this.hooks.peers()) if (pulling.has(p.peer)) p.exchange("own-confirm");
    });
    this.recheck = { timer, release };
  }

  /** What keeps own commits unconfirmed, peer by peer (empty: they may be confirmed). */
  private waits(peers: readonly PeerSync[]): OwnWait[] {
    const out: OwnWait[] = [];
    for (const p of peers) {
      // A peer of another library holds none of our streams (§15 AU-7).
      if (p.otherLibrary) continue;
      if (!this.heard.has(p.peer)) out.push({ peer: p.peer, reason: "not-heard-from" });
      else {
        const w = this.blocking(p);
        if (w !== undefined) out.push(w);
      }
    }
    return out;
  }

  /**
   * The peer holds one of our own streams beyond our cursor (a pull-back
   * is due), or is mid-pull of one: how far it holds is not known yet.
   */
  private blocking(p: PeerSync): OwnWait | undefined {
    for (const [key, theirs] of p.remote) {
      const stream = streamKeyFromString(key);
      if (stream.origin !== this.ctx.deviceId) continue;
      const ours = this.ctx.store.streamState(stream)?.cursor;
      if (theirs.pulling === true && !this.pullingFromUs(p.peer, key, ours))
        return { peer: p.peer, reason: "peer-pulling", stream: key };
      if (theirs.cursor === undefined) continue;
      if (ours === undefined || theirs.cursor > ours)
        return { peer: p.peer, reason: "peer-ahead", stream: key };
    }
    return undefined;
  }

  /**
   * The peer's pull of our stream is one it asked us for since we opened,
   * after a seq at or below our cursor: it held nothing above our cursor
   * then, and what we served it since is at or below it. Waiting on it
   * would deadlock: its pull resumes only once we list a cursor again,
   * which we do only once confirmed (PROTOCOL §3.7 rule 2c).
   */
  private pullingFromUs(peer: IdHex, key: string, ours: bigint | undefined): boolean {
    const after = this.asked.get(peer)?.get(key);
    return after !== undefined && after <= (ours ?? 0n);
  }
}
