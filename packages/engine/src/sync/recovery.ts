// Turns a peer's watermarks into per-stream decisions and runs the work:
// pulls grouped by source (one Backfill per source, FK order), reconciles
// and full resyncs one stream at a time. One job per stream at a time,
// replica-wide, so two peers never pull the same stream concurrently; a
// stuck source only delays its own streams.

import { EngineErrorCode } from "../errors.js";
import { maxDefined } from "../seq.js";
import { hardParentResources } from "../store/registry.js";
import type { StreamKey, StreamState } from "../store/store-api.js";
import { errorText, type SyncContext, seqField } from "./context.js";
import type { Decision, LocalSide } from "./decide.js";
import { HlcHolds } from "./hlc-holds.js";
import { bytesEqual, streamKeyFromString, streamKeyString } from "./ids.js";
import { OriginProbes } from "./origin-probe.js";
import type { PeerSync } from "./peer-sync.js";
import { type PullItem, runPull } from "./pull.js";
import { type ReconcileMode, type ReconcileProgress, runReconcile } from "./reconcile-run.js";
import { pickSource } from "./source.js";

export type RecoveryHooks = {
  readonly peers: () => Iterable<PeerSync>;
  /** A job on these streams ended: apply held realtime batches. */
  readonly afterStreams: (streams: readonly StreamKey[]) => void;
};

/** Both sides' states of a stream when a reconcile decision was taken. */
type SeenStates = {
  cursor: bigint | undefined;
  localFp: Uint8Array;
  remoteFp: Uint8Array;
};

type ReconcileMemo = SeenStates & { fetched: number };

type Deferral = SeenStates & {
  /** Monotonic time of the first deferral for these states. */
  at: number;
};

/** True when nothing changed on either side since `seen`. */
function sameStates(
  seen: SeenStates | undefined,
  local: StreamState,
  remoteFp: Uint8Array,
): boolean {
  return (
    seen !== undefined &&
    seen.cursor === local.cursor &&
    bytesEqual(seen.localFp, local.fingerprint) &&
    bytesEqual(seen.remoteFp, remoteFp)
  );
}

export class Recovery {
  /** Streams with a job in flight -> source peer. */
  private readonly busy = new Map<string, string>();
  private readonly reconciled = new Map<string, ReconcileMemo>();
  /** Reconciles that failed part-way, resumed by the next attempt. */
  private readonly unfinished = new Map<string, ReconcileProgress>();
  /** Reconciles put off to a peer with fewer rows, per "peer stream". */
  private readonly deferrals = new Map<string, Deferral>();
  /** Streams held back by an HLC too far ahead (PROTOCOL §12). */
  readonly holds: HlcHolds;
  /**
   * Streams waiting for a parent stream: "deferred" before pulling (a
   * parent was being pulled; re-decided once it is not), or "refused" when
   * their page overflowed the dependency buffer (re-decided once a parent
   * stream moved, not in a loop).
   */
  private readonly waiting = new Map<string, "deferred" | "refused">();
  /** Origins we are stuck mid-pull of, listing no cursor (PROTOCOL §3.7 OR-5). */
  private readonly probes: OriginProbes;

  constructor(
    private readonly ctx: SyncContext,
    private readonly hooks: RecoveryHooks,
  ) {
    this.probes = new OriginProbes(ctx);
    this.holds = new HlcHolds(ctx);
    this.holds.onReady = (key) => this.reevaluate([key], "hlc-hold-elapsed");
  }

  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  /** Decides every stream we or `peer` know, and starts the jobs. */
  evaluate(peer: PeerSync, trigger: string, only?: ReadonlySet<string>): void {
    const { ctx } = this;
    if (ctx.closed) return;
    const locals = new Map<string, StreamState>();
    for (const s of ctx.store.streams()) locals.set(streamKeyString(s.stream), s);
    const keys = new Set<string>([...locals.keys(), ...peer.remote.keys()]);
    const pulls = new Map<PeerSync, PullItem[]>();
    // Jobs already running when this evaluation began: a stream pulled now
    // from the same source as its parent joins the parent's Backfill.
    const running = new Set(this.busy.keys());
    for (const key of keys) {
      if (only !== undefined && !only.has(key)) continue;
      const local = locals.get(key);
      const remote = peer.remote.get(key);
      const stream = local?.stream ?? streamKeyFromString(key);
      const decision = this.decideWith(peer, key, stream, local);
      if (decision.deferred === true) this.noteDeferred(peer, key, local, remote?.fingerprint);
      this.updateLag(key, local);
      this.logDecision(peer, key, local, remote?.cursor, decision, trigger);
      if (decision.kind !== "probe-origin") this.probes.settle(peer.peer, key);
      if (decision.kind === "nothing") continue;
      if (this.busy.has(key)) continue;
      // Pulling again cannot help before the held change fits the offset.
      if (this.holds.blocked(key)) continue;
      switch (decision.kind) {
        case "pull":
        case "origin-rewind": {
          if (decision.kind === "origin-rewind" && !this.rewindOwn(peer, key, stream)) break;
          const source = this.chooseSource(key, stream, local, peer);
          // An exchange in flight when the source refused: no repeat before ER-3's floor.
          if (source === undefined || source.deferredByRefusal()) break;
          const afterSeq = this.afterSeqWith(source, peer, key, stream, local, decision);
          if (afterSeq === "none") break;
          // Parents first across pulls: while a stream this one's rows
          // reference is pulled by another job, wait (re-decided after).
          if (this.waitForParents(peer, key, stream, source, running)) break;
          const list = pulls.get(source) ?? [];
          list.push({ stream, afterSeq });
          pulls.set(source, list);
          this.busy.set(key, source.peer);
          break;
        }
        case "probe-origin":
          // Only with no pull of the stream under way (busy, above): a
          // late page must not land above what the probe told the origin.
          if (!peer.usable || peer.deferredByRefusal()) break;
          if (this.probes.take(peer.peer, key)) this.probes.send(peer, stream, decision.afterSeq);
          break;
        case "reconcile":
        case "full-resync":
          if (!peer.usable || peer.deferredByRefusal()) break;
          if (
            decision.kind === "reconcile" &&
            !this.worthReconciling(key, local, remote?.fingerprint)
          )
            break;
          this.startReconcile(peer, stream, decision.kind);
          break;
      }
    }
    for (const [source, items] of pulls) this.startPull(source, items);
  }

  /** The per-stream decision against `peer`'s last watermark of `key`. */
  private decideWith(
    peer: PeerSync,
    key: string,
    stream: StreamKey,
    local: StreamState | undefined,
  ): Decision {
    const { ctx } = this;
    const remote = peer.remote.get(key);
    return ctx.decide(
      {
        local: local === undefined ? undefined : toLocalSide(local),
        remote,
        ownStream: stream.origin === ctx.deviceId,
        peerIsOrigin: stream.origin === peer.peer,
        peer: peer.peer,
        mayDefer: this.mayDefer(peer, key, local, remote?.fingerprint),
      },
      {
        stream,
        peer: peer.peer,
        deviceId: ctx.deviceId,
        libraryId: ctx.libraryId,
        store: ctx.store,
        ports: ctx.ports,
      },
    );
  }

  /**
   * Where a pull decided against `peer` starts with the chosen `source`.
   * An unfinished pull's resume point holds only with the source that
   * served it (PROTOCOL.md §5.2 BF-19): from another one, decided again
   * against that source's watermark; "none" when that says no pull.
   */
  private afterSeqWith(
    source: PeerSync,
    peer: PeerSync,
    key: string,
    stream: StreamKey,
    local: StreamState | undefined,
    decision: Decision,
  ): bigint | undefined | "none" {
    // Only an unfinished pull's start depends on the source (else: the cursor).
    if (source === peer || local === undefined || !toLocalSide(local).pulling)
      return decision.afterSeq;
    const again = this.decideWith(source, key, stream, local);
    return again.kind === decision.kind ? again.afterSeq : "none";
  }

  /**
   * True (and remembered) when a parent stream of `stream` is pulled by
   * another job: one already running, or one of this evaluation from
   * another source (FK order holds only within one Backfill).
   */
  private waitForParents(
    peer: PeerSync,
    key: string,
    stream: StreamKey,
    source: PeerSync,
    running: ReadonlySet<string>,
  ): boolean {
    const busyParent = hardParentResources(stream.resource).find((r) => {
      const parent = streamKeyString({ origin: stream.origin, resource: r });
      const by = this.busy.get(parent);
      return by !== undefined && (running.has(parent) || by !== source.peer);
    });
    if (busyParent === undefined) return false;
    this.waiting.set(key, "deferred");
    this.ctx.log(
      "debug",
      { event: "pull-waits-for-parent", peer: peer.peer, stream: key, parent: busyParent },
      "pull waits for its parent stream's pull",
    );
    return true;
  }

  /** Re-decides waiting streams whose parents are no longer pulled (and moved, if refused). */
  private releaseWaiting(moved: readonly StreamKey[]): void {
    const movedKeys = new Set(moved.map(streamKeyString));
    const ready = [...this.waiting].filter(([key, why]) => {
      const s = streamKeyFromString(key);
      const parents = hardParentResources(s.resource).map((r) =>
        streamKeyString({ origin: s.origin, resource: r }),
      );
      if (parents.some((p) => this.busy.has(p))) return false;
      return why === "deferred" || parents.some((p) => movedKeys.has(p));
    });
    for (const [key] of ready) this.waiting.delete(key);
    this.reevaluate(
      ready.map(([key]) => key),
      "parent-pulled",
    );
  }

  /**
   * May an own stream be pulled back? Refused (and reported) once own
   * streams are confirmed: every peer was heard from then, so a peer
   * claiming more is lying or shares our identity. Our unconfirmed changes
   * are not moved here: a claim proves nothing, so they move only above
   * rows the pull serves (applyPage, finishPull; PROTOCOL.md §3.7).
   */
  private rewindOwn(peer: PeerSync, key: string, stream: StreamKey): boolean {
    const { ctx } = this;
    if (ctx.store.ownStreamsConfirmed) {
      ctx.metrics.inc("tidemark_own_stream_conflicts_total", { stream: key });
      ctx.log(
        "error",
        {
          event: "own-stream-conflict",
          peer: peer.peer,
          stream: key,
          localCursor: seqField(ctx.store.streamState(stream)?.cursor),
          remoteCursor: seqField(peer.remote.get(key)?.cursor),
        },
        "a peer claims more of our own confirmed stream than we wrote: ignored",
      );
      return false;
    }
    ctx.metrics.inc("tidemark_origin_rewinds_total", { stream: key });
    return true;
  }

  /** Re-decides `streams` against every usable peer (after a job or a gap). */
  reevaluate(streams: Iterable<string>, trigger: string): void {
    const only = new Set(streams);
    if (only.size === 0) return;
    for (const p of this.hooks.peers()) if (p.usable) this.evaluate(p, trigger, only);
  }

  /** Prefer the origin; else the peer we know to be furthest ahead (sync/source.ts). */
  private chooseSource(
    key: string,
    stream: StreamKey,
    local: StreamState | undefined,
    asked: PeerSync,
  ): PeerSync | undefined {
    const peers = [...this.hooks.peers()];
    const chosen = pickSource(
      peers.map((p) => ({ peer: p.peer, usable: p.usable, cursor: p.remote.get(key)?.cursor })),
      {
        origin: stream.origin,
        asked: asked.peer,
        localCursor: local?.cursor,
        pulling: local?.pulling ?? false,
        maxAppliedSeq: local?.maxAppliedSeq,
        resumeSource: local?.resumeSource,
      },
    );
    return peers.find((p) => p.peer === chosen);
  }

  private startPull(source: PeerSync, items: PullItem[]): void {
    const { ctx } = this;
    const keys = items.map((i) => streamKeyString(i.stream));
    const t0 = ctx.ports.clock.monotonic();
    const job = source.jobStarted();
    for (const i of items) {
      ctx.log(
        "info",
        {
          event: "pull-started",
          peer: source.peer,
          stream: streamKeyString(i.stream),
          state: source.state,
          afterSeq: seqField(i.afterSeq),
          remoteCursor: seqField(source.remote.get(streamKeyString(i.stream))?.cursor),
        },
        "pulling stream",
      );
    }
    ctx.work.spawn(
      async () => {
        let error: unknown;
        let belowHorizon: StreamKey[] = [];
        let finished: StreamKey[] = [];
        const progress = { records: 0 };
        try {
          const res = await runPull(ctx, source, items, progress);
          belowHorizon = res.belowHorizon;
          finished = res.finished;
          for (const s of finished) this.holds.clear(streamKeyString(s));
          // A held stream waits for its time, one whose parents are late
          // waits for them; any other refusal is the source's data failing
          // us: back off (after the other streams went on).
          for (const r of res.refused) {
            if (this.holds.noteRejected(r.stream, source.peer, r.error)) continue;
            if (r.error.code === EngineErrorCode.BufferFull) {
              this.waiting.set(streamKeyString(r.stream), "refused");
              continue;
            }
            error ??= r.error;
          }
        } catch (err) {
          error = err;
        }
        for (const k of keys) this.busy.delete(k);
        this.recordDuration(source, t0);
        source.jobFinished(job, error, progress.records > 0 || finished.length > 0);
        if (ctx.closed) return;
        this.hooks.afterStreams(items.map((i) => i.stream));
        for (const s of belowHorizon) {
          if (!this.busy.has(streamKeyString(s)) && source.usable)
            this.startReconcile(source, s, "full-resync");
        }
        // Only streams that moved are re-decided: a source that served
        // nothing (not held, behind) must not be asked again in a loop.
        this.reevaluate(finished.map(streamKeyString), "after-pull");
        this.releaseWaiting(finished);
      },
      (err) =>
        ctx.log("error", { event: "internal-error", error: errorText(err) }, "pull job crashed"),
    );
  }

  private startReconcile(peer: PeerSync, stream: StreamKey, mode: ReconcileMode): void {
    const { ctx } = this;
    const key = streamKeyString(stream);
    this.busy.set(key, peer.peer);
    const t0 = ctx.ports.clock.monotonic();
    // What the peer claimed when the run started: a full resync that could
    // not adopt it refutes it, like a pull that served less (PROTOCOL §3.5).
    const claimed = peer.remote.get(key)?.cursor;
    const job = peer.jobStarted();
    ctx.work.spawn(
      async () => {
        let error: unknown;
        try {
          const outcome = await runReconcile(
            ctx,
            peer,
            stream,
            mode,
            this.resumable(key, peer),
            (p) => this.unfinished.set(key, p),
          );
          this.unfinished.delete(key);
          if (!ctx.closed) this.noteReconciled(key, outcome.fetched);
          if (!ctx.closed && mode === "full-resync") {
            peer.settleClaim(key, claimed, ctx.store.streamState(stream)?.cursor);
            this.noteResynced(key, peer);
          }
        } catch (err) {
          error = err;
          // Forget the memo: a failed run proves nothing, so the same states
          // must be reconciled again after backoff (it used to be skipped as
          // "already reconciled", and the stream never healed).
          this.reconciled.delete(key);
        }
        this.busy.delete(key);
        this.recordDuration(peer, t0);
        peer.jobFinished(job, error);
        if (ctx.closed) return;
        this.hooks.afterStreams([stream]);
        if (error === undefined) this.reevaluate([key], "after-reconcile");
        this.releaseWaiting(error === undefined ? [stream] : []);
      },
      (err) =>
        ctx.log(
          "error",
          { event: "internal-error", error: errorText(err) },
          "reconcile job crashed",
        ),
    );
  }

  /**
   * A reconcile may be deferred to the peer unless we already deferred for
   * exactly these states (our cursor and fingerprint, the peer's
   * fingerprint) at least reconcileDeferMs (default half a periodic
   * exchange) ago: evaluations of the
   * same exchange keep deferring, a later one with nothing changed
   * reconciles. So a deferral delays a repair, never drops it.
   */
  private mayDefer(
    peer: PeerSync,
    key: string,
    local: StreamState | undefined,
    remoteFp: Uint8Array | undefined,
  ): boolean {
    const d = this.deferrals.get(`${peer.peer} ${key}`);
    if (d === undefined || local === undefined || remoteFp === undefined) return true;
    if (!sameStates(d, local, remoteFp)) return true;
    const { reconcileDeferMs, periodicExchangeMs } = this.ctx.config;
    const window = reconcileDeferMs ?? periodicExchangeMs / 2;
    return this.ctx.ports.clock.monotonic() - d.at < window;
  }

  private noteDeferred(
    peer: PeerSync,
    key: string,
    local: StreamState | undefined,
    remoteFp: Uint8Array | undefined,
  ): void {
    if (local === undefined || remoteFp === undefined) return;
    const id = `${peer.peer} ${key}`;
    if (sameStates(this.deferrals.get(id), local, remoteFp)) return;
    this.deferrals.set(id, {
      cursor: local.cursor,
      localFp: local.fingerprint,
      remoteFp,
      at: this.ctx.ports.clock.monotonic(),
    });
  }

  /** The progress of a failed reconcile of `key`, if it is still valid. */
  private resumable(key: string, peer: PeerSync): ReconcileProgress | undefined {
    const p = this.unfinished.get(key);
    const st = this.ctx.store.streamState(streamKeyFromString(key));
    if (
      p === undefined ||
      st === undefined ||
      p.void === true ||
      p.peer !== peer.peer ||
      p.cursor !== st.cursor ||
      !bytesEqual(p.fingerprint, st.fingerprint)
    ) {
      this.unfinished.delete(key);
      return undefined;
    }
    this.ctx.log(
      "info",
      { event: "reconcile-resumed", peer: peer.peer, stream: key, rounds: p.rounds },
      "resuming an unfinished reconcile",
    );
    return p;
  }

  /**
   * Skips a reconcile that already ran against exactly these two states.
   * If that run fetched nothing, the peer is the side lacking data and
   * repairs itself; if it fetched rows and we still differ, say so loudly.
   */
  private worthReconciling(
    key: string,
    local: StreamState | undefined,
    remoteFp: Uint8Array | undefined,
  ): boolean {
    if (local === undefined || remoteFp === undefined) return true;
    const memo = this.reconciled.get(key);
    if (memo !== undefined && sameStates(memo, local, remoteFp)) {
      if (memo.fetched > 0) {
        this.ctx.log(
          "error",
          { event: "reconcile-unresolved", stream: key, cursor: seqField(local.cursor) },
          "fingerprints still differ after reconciling the same states; not retrying",
        );
      }
      return false;
    }
    this.reconciled.set(key, {
      cursor: local.cursor,
      localFp: local.fingerprint,
      remoteFp,
      fetched: 0,
    });
    return true;
  }

  /** Records what the last reconcile of `key` fetched (see worthReconciling). */
  private noteReconciled(key: string, fetched: number): void {
    const memo = this.reconciled.get(key);
    const st = this.ctx.store.streamState(streamKeyFromString(key));
    if (memo === undefined || st === undefined) return;
    this.reconciled.set(key, { ...memo, cursor: st.cursor, localFp: st.fingerprint, fetched });
  }

  /**
   * A full resync reconciled every item against these states: a plain
   * reconcile of the same states right after it (the peer's cursor not
   * adopted past what its origin signed, CU-8) would ask it all again.
   */
  private noteResynced(key: string, peer: PeerSync): void {
    const st = this.ctx.store.streamState(streamKeyFromString(key));
    const remoteFp = peer.remote.get(key)?.fingerprint;
    if (st === undefined || remoteFp === undefined) return;
    this.reconciled.set(key, { cursor: st.cursor, localFp: st.fingerprint, remoteFp, fetched: 0 });
  }

  private recordDuration(peer: PeerSync, t0: number): void {
    const ms = Math.max(0, this.ctx.ports.clock.monotonic() - t0);
    this.ctx.metrics.inc("tidemark_recovery_duration_ms_total", { peer: peer.peer }, ms);
    this.ctx.metrics.inc("tidemark_recoveries_total", { peer: peer.peer });
  }

  private updateLag(key: string, local: StreamState | undefined): void {
    let best: bigint | undefined;
    for (const p of this.hooks.peers()) {
      const c = p.remote.get(key)?.cursor;
      if (c !== undefined && (best === undefined || c > best)) best = c;
    }
    const lag = best === undefined ? 0n : best - (local?.cursor ?? 0n);
    this.ctx.metrics.set("tidemark_lag_seqs", { stream: key }, lag > 0n ? Number(lag) : 0);
  }

  private logDecision(
    peer: PeerSync,
    key: string,
    local: StreamState | undefined,
    remoteCursor: bigint | undefined,
    d: Decision,
    trigger: string,
  ): void {
    this.ctx.metrics.inc("tidemark_decisions_total", {
      peer: peer.peer,
      stream: key,
      decision: d.kind,
    });
    this.ctx.log(
      d.kind === "nothing" ? "debug" : d.kind === "origin-rewind" ? "warn" : "info",
      {
        event: "sync-decision",
        peer: peer.peer,
        stream: key,
        state: peer.state,
        trigger,
        decision: d.kind,
        reason: d.reason,
        localCursor: seqField(local?.cursor),
        remoteCursor: seqField(remoteCursor),
        pulling: local?.pulling ?? false,
      },
      `${d.kind}: ${d.reason}`,
    );
  }
}

function toLocalSide(s: StreamState): LocalSide {
  // An own stream holding anything beyond its confirmed cursor compares
  // like a pull under way: its fingerprint already counts those changes.
  const beyond = maxDefined(s.headSeq, s.maxAppliedSeq);
  const unsettled = beyond !== undefined && (s.cursor === undefined || beyond > s.cursor);
  return {
    cursor: s.cursor,
    liveCount: s.liveCount,
    fingerprint: s.fingerprint,
    tombstoneHorizon: s.tombstoneHorizon,
    pulling: s.pulling || unsettled,
    maxAppliedSeq: s.maxAppliedSeq,
    resumeAfterSeq: s.resumeAfterSeq,
    resumeSource: s.resumeSource,
    gaplessSeq: s.gaplessSeq,
  };
}
