// When this device's own new changes may leave it (PROTOCOL §3.7). After
// any open the store holds own commits unconfirmed: a restore from an old
// backup looks exactly like a restart, and would otherwise push or serve
// seqs the device already used. They are confirmed once every known peer
// has sent its full watermarks since (so we know how far each holds our
// streams) and none holds more than we do — any that does has made us
// pull our streams back first, our unconfirmed changes renumbered above
// what it held. A device with no peers is alone and confirms at start.
// Local writes are never refused meanwhile; only their emission waits.
import type { OwnStatus } from "../replica-api.js";
import type { IdHex, StreamKey } from "../store/store-api.js";
import type { SyncContext } from "./context.js";
import { streamKeyFromString } from "./ids.js";
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

  constructor(
    private readonly ctx: SyncContext,
    private readonly hooks: OwnConfirmHooks,
  ) {}

  start(): void {
    this.started = true;
    this.check("start");
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
    if (!this.ctx.store.ownStreamsConfirmed) return;
    this.ctx.store.holdOwnCommits();
    this.ctx.log(
      "info",
      { event: "own-streams-held", peer, reason: "peer-added" },
      "new own changes wait until the added peer has been heard from",
    );
  }

  peerRemoved(peer: IdHex): void {
    this.heard.delete(peer);
    this.check("peer-removed");
  }

  /** Confirms own streams if every peer was heard from and none is ahead. */
  check(trigger: string): void {
    const { ctx } = this;
    if (ctx.closed || !this.started || ctx.store.ownStreamsConfirmed) return;
    const peers = [...this.hooks.peers()];
    if (peers.some((p) => !this.heard.has(p.peer))) return;
    if (peers.some((p) => this.aheadOfUs(p))) return;
    const moved = ctx.store.confirmOwnStreams();
    if (moved === undefined) return;
    ctx.metrics.set("tidemark_own_unconfirmed_seqs", {}, 0);
    ctx.log(
      "info",
      { event: "own-streams-confirmed", trigger, peers: peers.length, streams: moved.length },
      peers.length === 0
        ? "own streams confirmed: no peers"
        : "own streams confirmed: every peer heard from, none ahead",
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
    return {
      confirmed,
      awaitingPeers: confirmed
        ? []
        : [...this.hooks.peers()].map((p) => p.peer).filter((p) => !this.heard.has(p)),
      unconfirmedSeqs: unconfirmed,
    };
  }

  /** The peer holds one of our own streams beyond our cursor (a pull-back is due). */
  private aheadOfUs(p: PeerSync): boolean {
    for (const [key, theirs] of p.remote) {
      if (theirs.cursor === undefined) continue;
      const stream = streamKeyFromString(key);
      if (stream.origin !== this.ctx.deviceId) continue;
      const ours = this.ctx.store.streamState(stream)?.cursor;
      if (ours === undefined || theirs.cursor > ours) return true;
    }
    return false;
  }
}
