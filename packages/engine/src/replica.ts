// openReplica: one store + one PeerSync per peer + realtime in/out +
// recovery, behind the Replica facade the node-peer app and the simulator
// program against. Sans-IO: everything reaches the world through ports.

import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  deviceIdFromPublicKey,
  NotifyDataAvailableRequestSchema,
  Resource,
  type SyncService,
} from "@tidemark/protocol";
import { resolveBounds } from "./bounds.js";
import { EngineError, EngineErrorCode } from "./errors.js";
import type { ChangeSigner } from "./identity/signer.js";
import { verifyStreamChanges } from "./identity/verify.js";
import { Metrics } from "./metrics/metrics.js";
import type { TimerHandle } from "./ports.js";
import { ReconcileInitiator } from "./reconcile/initiator.js";
import type { PeerState, Replica, ReplicaOptions, ReplicaStatus } from "./replica-api.js";
import { Refusals } from "./service/refusals.js";
import { createSyncService } from "./service/sync-service.js";
import { openStore } from "./store/index.js";
import type { CommittedBatch, IdHex, LocalWrite, ReplicaStore } from "./store/store-api.js";
import { resolveSyncConfig } from "./sync/config.js";
import { errorText, type SyncContext } from "./sync/context.js";
import { decideStream } from "./sync/decide.js";
import { fromHex, toHex } from "./sync/ids.js";
import { Inbox } from "./sync/inbox.js";
import { Outbox } from "./sync/outbox.js";
import { OwnConfirmation } from "./sync/own-confirm.js";
import { PeerSync } from "./sync/peer-sync.js";
import { type PrunedStream, pruneAcknowledged } from "./sync/pruning.js";
import { Recovery } from "./sync/recovery.js";
import { WatermarkWindow } from "./sync/watermark-window.js";
import { WorkTracker } from "./sync/work-tracker.js";

/** The engine's Replica, with a few extra read-only handles for tests and hosts. */
export class TidemarkReplica implements Replica {
  readonly deviceId: IdHex;
  readonly service: ServiceImpl<typeof SyncService>;
  readonly store: ReplicaStore;
  readonly metricsRegistry: Metrics;
  private readonly ctx: SyncContext;
  private readonly peers = new Map<IdHex, PeerSync>();
  private readonly recovery: Recovery;
  private readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly own: OwnConfirmation;
  private periodic: TimerHandle | undefined;
  private started = false;

  constructor(opts: ReplicaOptions) {
    checkIdentity(opts.deviceId, opts.signer);
    const config = resolveSyncConfig(opts.config);
    const parts = opts.parts ?? {};
    const bounds = resolveBounds(opts.bounds);
    const { ports } = opts;
    const verify = parts.verify ?? verifyStreamChanges;
    const sqlite = openStore(opts.db, {
      deviceId: opts.deviceId,
      libraryId: opts.libraryId,
      clock: ports.clock,
      hlcMaxOffsetMs: config.hlcMaxOffsetMs,
      ...signing(opts.signer, parts),
      verify,
      // config.dependencyBufferMax predates the bounds: the lower one holds.
      dependencyLimits: {
        rows: Math.min(bounds.dependencyRows, config.dependencyBufferMax),
        rowsPerOrigin: bounds.dependencyRowsPerOrigin,
        bytesPerOrigin: bounds.dependencyBytesPerOrigin,
        bytes: bounds.dependencyBytes,
      },
    });
    const store = parts.store === undefined ? sqlite : parts.store(sqlite, opts.db);
    // A restore looks like a restart: own commits wait for every peer.
    store.holdOwnCommits();
    this.store = store;
    this.deviceId = opts.deviceId;
    this.metricsRegistry = new Metrics({ device: opts.deviceId });
    const logger = ports.logger;
    const device = opts.deviceId;
    this.ctx = {
      store,
      ports,
      config,
      decide: parts.decide ?? decideStream,
      initiator: parts.reconcileInitiator ?? ((set, o) => new ReconcileInitiator(set, o)),
      bounds,
      metrics: this.metricsRegistry,
      work: new WorkTracker(),
      deviceId: opts.deviceId,
      libraryId: opts.libraryId,
      deviceIdBytes: fromHex(opts.deviceId),
      libraryIdBytes: fromHex(opts.libraryId),
      deviceName: opts.deviceName,
      callers: opts.callers ?? "authenticated",
      verify,
      refusals: new Refusals(this.metricsRegistry),
      watermarkWindow: new WatermarkWindow(opts.deviceId),
      deadlines: new Set(),
      closed: false,
      log: (level, fields, msg) => logger.log(level, { device, ...fields }, msg),
    };
    this.recovery = new Recovery(this.ctx, {
      peers: () => this.peers.values(),
      afterStreams: (streams) => {
        for (const s of streams) this.inbox.drain(s);
        this.own.check("after-pull");
      },
    });
    this.inbox = new Inbox(this.ctx, this.recovery);
    this.outbox = new Outbox(this.ctx);
    this.own = new OwnConfirmation(this.ctx, {
      peers: () => this.peers.values(),
      confirmed: () => this.announceDataAvailable(),
    });
    this.service = createSyncService({
      ctx: this.ctx,
      peer: (hex) => this.peers.get(hex),
      recovery: this.recovery,
      inbox: this.inbox,
      heardFrom: (p) => this.own.heardFrom(p),
      backfillAsked: (p, stream, afterSeq) => this.own.backfillAsked(p.peer, stream, afterSeq),
    });
    this.ensureDeviceRow(opts.deviceName);
    if (store.repairedStreams > 0) {
      this.ctx.log(
        "warn",
        { event: "streams-repaired", streams: store.repairedStreams },
        "deleted stream rows that held nothing (made-up streams an earlier version kept)",
      );
    }
    this.ctx.log(
      "info",
      { event: "replica-open", state: this.initialPeerState(), streams: store.streams().length },
      "replica opened",
    );
  }

  start(): void {
    if (this.started || this.ctx.closed) return;
    this.started = true;
    this.armPeriodic();
    this.own.start();
  }

  close(): void {
    if (this.ctx.closed) return;
    this.ctx.closed = true;
    if (this.periodic !== undefined) this.ctx.ports.timers.cancel(this.periodic);
    this.periodic = undefined;
    this.outbox.close();
    this.own.close();
    this.recovery.holds.close();
    for (const p of this.peers.values()) p.cancelBackoff();
    for (const d of this.ctx.deadlines) d.abort(new Error("replica closed"));
    this.ctx.deadlines.clear();
    this.ctx.log("info", { event: "replica-close" }, "replica closed");
    this.store.close();
  }

  addPeer(peer: IdHex): void {
    if (peer === this.deviceId || this.peers.has(peer)) return;
    fromHex(peer);
    this.peers.set(
      peer,
      new PeerSync(this.ctx, peer, this.initialPeerState(), {
        onRemoteWatermarks: (p, trigger) => {
          this.inbox.dropPastOriginHead(p);
          this.recovery.evaluate(p, trigger);
          if (this.ctx.config.pruneTombstones)
            pruneAcknowledged(this.ctx, [...this.peers.values()]);
          this.own.heardFrom(p);
        },
        onParked: () => this.own.peerParked(),
      }),
    );
    this.own.peerAdded(peer);
  }

  /**
   * Prunes now what the pruning policy allows (§13: every known peer
   * acknowledged, shared rows guarded), whether or not `pruneTombstones`
   * runs it after every exchange. Returns the streams whose horizon moved.
   */
  pruneAcknowledgedTombstones(): PrunedStream[] {
    return pruneAcknowledged(this.ctx, [...this.peers.values()]);
  }

  removePeer(peer: IdHex): void {
    const p = this.peers.get(peer);
    if (p === undefined) return;
    p.retire();
    this.peers.delete(peer);
    this.own.peerRemoved(peer);
  }

  peerConnected(peer: IdHex): void {
    this.addPeer(peer);
    this.peers.get(peer)?.connect();
  }

  peerDisconnected(peer: IdHex): void {
    this.peers.get(peer)?.disconnect();
  }

  /**
   * Commits local writes (never refused for being offline) and queues the
   * confirmed ones for realtime push. Until own streams are confirmed
   * (status().own) they stay unconfirmed: kept here, pulled by peers once
   * confirmed, their seqs renumbered first if a peer held ours (§3.7).
   */
  commit(writes: readonly LocalWrite[]): CommittedBatch[] {
    const batches = this.store.commit(writes);
    this.outbox.enqueue(
      this.peers.values(),
      batches.filter((b) => !b.provisional),
    );
    return batches;
  }

  announceDataAvailable(): void {
    const { ctx } = this;
    this.outbox.flushAll(this.peers.values());
    // A notice names each stream's new cursor (NT-3): an own stream held
    // unconfirmed is listed without one, and is left out (OR-1).
    const own = ctx.store
      .watermarks()
      .filter(
        (w) =>
          w.stream !== undefined &&
          w.cursor !== undefined &&
          toHex(w.stream.origin) === ctx.deviceId,
      );
    if (own.length === 0) return;
    for (const peer of this.peers.values()) {
      if (!peer.usable) continue;
      ctx.work.spawn(
        async () => {
          if (peer.owesHello) await peer.helloAgain(); // ER-5
          const deadline = peer.deadline("notify");
          try {
            await peer.client().notifyDataAvailable(
              create(NotifyDataAvailableRequestSchema, {
                libraryId: ctx.libraryIdBytes,
                deviceId: ctx.deviceIdBytes,
                watermarks: own,
              }),
              { signal: deadline.signal },
            );
          } finally {
            peer.release(deadline);
          }
        },
        (err) =>
          ctx.log(
            "warn",
            { event: "notify-failed", peer: peer.peer, error: errorText(err) },
            "notify failed",
          ),
      );
    }
  }

  idle(): Promise<void> {
    return this.ctx.work.idle();
  }

  /** True when nothing is in flight or queued (synchronous form of idle()). */
  isIdle(): boolean {
    return !this.ctx.work.busy;
  }

  status(): ReplicaStatus {
    return {
      device: this.deviceId,
      library: this.ctx.libraryId,
      peers: [...this.peers.values()].map((p) => p.status()),
      streams: this.store.streams(),
      hlcHolds: this.recovery.holds.status(),
      own: this.own.status(),
      refused: this.ctx.refusals.list(),
    };
  }

  metrics(): { readonly values: Readonly<Record<string, number>>; readonly prometheus: string } {
    this.metricsRegistry.set(
      "tidemark_pending_buffer_changes",
      { stream: "all" },
      this.inbox.heldChanges,
    );
    this.metricsRegistry.set("tidemark_held_realtime_bytes", {}, this.inbox.heldBytes);
    const held = this.store.dependencyStats();
    this.metricsRegistry.set("tidemark_dependency_buffer_rows", {}, held.rows);
    this.metricsRegistry.set("tidemark_dependency_buffer_bytes", {}, held.bytes);
    return { values: this.metricsRegistry.values(), prometheus: this.metricsRegistry.prometheus() };
  }

  /** The state a peer starts in: Ready when we hold stored cursors (resume). */
  private initialPeerState(): PeerState {
    const resumed = this.store
      .streams()
      .some((s) => s.stream.origin !== this.deviceId && s.cursor !== undefined);
    return resumed ? "ready" : "uninitialized";
  }

  private armPeriodic(): void {
    const { ctx } = this;
    this.periodic = ctx.ports.timers.set(ctx.config.periodicExchangeMs, () => {
      this.periodic = undefined;
      if (ctx.closed) return;
      const now = ctx.ports.clock.monotonic();
      for (const p of this.peers.values()) {
        if (!p.usable) continue;
        if (p.realtimeActive(now)) {
          ctx.log(
            "debug",
            { event: "periodic-skipped", peer: p.peer, state: p.state, reason: "realtime-active" },
            "periodic exchange skipped",
          );
          continue;
        }
        p.exchange("periodic");
      }
      this.armPeriodic();
    });
  }

  /** Stream (device, DEVICE) holds this device's own row (PROTOCOL §3). */
  private ensureDeviceRow(name: string): void {
    const own = this.store.streamState({ origin: this.deviceId, resource: Resource.DEVICE });
    if (own?.cursor !== undefined || own?.headSeq !== undefined) return;
    this.store.commit([
      {
        resource: Resource.DEVICE,
        rowId: fromHex(this.deviceId),
        body: {
          case: "device",
          value: { $typeName: "tidemark.sync.v1.Device", name, os: "", hostname: "" },
        },
      },
    ]);
  }
}

/** How the store signs own changes: the signer, unless a bench part turned it off. */
function signing(
  signer: ChangeSigner,
  parts: NonNullable<ReplicaOptions["parts"]>,
): { sign?: (m: Uint8Array) => Uint8Array; publicKey: Uint8Array } {
  const used = parts.signer === undefined ? signer : parts.signer(signer);
  return used === undefined
    ? { publicKey: signer.publicKey }
    : { sign: (m) => used.sign(m), publicKey: signer.publicKey };
}

/** The device id must be the one the signing key derives (PROTOCOL.md "Change signatures"). */
function checkIdentity(deviceId: IdHex, signer: ChangeSigner): void {
  const derived = toHex(deviceIdFromPublicKey(signer.publicKey));
  if (derived !== deviceId) {
    throw new EngineError(
      EngineErrorCode.KeyMismatch,
      "the device id is not the one derived from the signing key",
      { deviceId, derived },
    );
  }
}

/** Opens a replica on `opts.db` (migrating it), resuming from stored cursors. */
export function openReplica(opts: ReplicaOptions): TidemarkReplica {
  return new TidemarkReplica(opts);
}
