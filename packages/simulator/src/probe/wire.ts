// The probe on the wire: ReplicaProbe's plain types <-> TestControl
// messages (docs/TESTCONTROL.md), both ways, so a peer serves its probe
// and a harness reads a remote peer through the same ReplicaProbe the
// simulator's properties take. The one home of this mapping.
import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { idFromHex, idToHex } from "@tidemark/engine";
import { Resource } from "@tidemark/protocol";
import {
  CommittedBatchSchema,
  PeerViewSchema,
  RowVersionSchema,
  StreamRefSchema,
  type TestControlService,
  WatermarkSchema,
  type CommittedBatch as WireBatch,
  type RowVersion as WireRow,
  type StreamRef as WireStream,
  type Watermark as WireWatermark,
} from "@tidemark/protocol/test-control";
import type { ReplicaProbe } from "./probe.js";
import type {
  CommitResult,
  CommittedBatch,
  PeerView,
  RowVersion,
  StreamRef,
  Watermark,
  WriteOp,
} from "./types.js";

export function streamToWire(s: StreamRef): WireStream {
  return create(StreamRefSchema, { origin: idFromHex(s.origin), resource: s.resource });
}

export function streamFromWire(s: WireStream | undefined): StreamRef {
  if (s === undefined) throw new TypeError("stream missing");
  return { origin: idToHex(s.origin), resource: s.resource };
}

export function rowToWire(r: RowVersion): WireRow {
  return create(RowVersionSchema, {
    resource: r.resource,
    id: idFromHex(r.id),
    origin: idFromHex(r.origin),
    seq: r.seq,
    ...(r.hlc === undefined ? {} : { hlc: r.hlc }),
    deleted: r.deleted,
    fields: { ...r.fields },
  });
}

export function rowFromWire(r: WireRow): RowVersion {
  return {
    resource: r.resource,
    id: idToHex(r.id),
    origin: idToHex(r.origin),
    seq: r.seq,
    hlc: r.hlc,
    deleted: r.deleted,
    fields: r.deleted ? {} : { ...r.fields },
  };
}

export function watermarkToWire(w: Watermark): WireWatermark {
  return create(WatermarkSchema, {
    stream: streamToWire(w.stream),
    ...(w.cursor === undefined ? {} : { cursor: w.cursor }),
    liveCount: w.liveCount,
    fingerprint: Buffer.from(w.fingerprint, "hex"),
    ...(w.tombstoneHorizon === undefined ? {} : { tombstoneHorizon: w.tombstoneHorizon }),
    pulling: w.pulling,
    ...(w.maxAppliedSeq === undefined ? {} : { maxAppliedSeq: w.maxAppliedSeq }),
  });
}

export function watermarkFromWire(w: WireWatermark): Watermark {
  return {
    stream: streamFromWire(w.stream),
    cursor: w.cursor,
    liveCount: w.liveCount,
    fingerprint: idToHex(w.fingerprint),
    tombstoneHorizon: w.tombstoneHorizon,
    pulling: w.pulling,
    maxAppliedSeq: w.maxAppliedSeq,
  };
}

function batchToWire(b: CommittedBatch): WireBatch {
  return create(CommittedBatchSchema, {
    stream: streamToWire(b.stream),
    ...(b.prevSeq === undefined ? {} : { prevSeq: b.prevSeq }),
    changes: b.changes.map(rowToWire),
  });
}

function batchFromWire(b: WireBatch): CommittedBatch {
  return {
    stream: streamFromWire(b.stream),
    prevSeq: b.prevSeq,
    changes: b.changes.map(rowFromWire),
  };
}

/** The TestControl RPCs that are the probe itself (a host adds Info and the peer-list calls). */
export type ProbeHandlers = Pick<
  ServiceImpl<typeof TestControlService>,
  | "commit"
  | "watermarks"
  | "rows"
  | "entries"
  | "gauges"
  | "treeCheck"
  | "clock"
  | "metrics"
  | "peers"
>;

/** A probe's published peer, as TestControl's PeerView. */
function peerToWire(p: PeerView) {
  return create(PeerViewSchema, {
    deviceId: idFromHex(p.peer),
    state: p.state,
    connected: p.connected,
    consecutiveFailures: p.consecutiveFailures,
  });
}

/** Serves a probe as TestControl handlers. */
export function probeHandlers(probe: ReplicaProbe): ProbeHandlers {
  return {
    async commit(req) {
      const writes: WriteOp[] = req.writes.map((w) => ({
        resource: w.resource,
        id: idToHex(w.id),
        ...(w.deleted ? { deleted: true } : { fields: { ...w.fields } }),
      }));
      const r = await probe.commit(writes);
      return r.kind === "refused"
        ? { result: { case: "refused", value: r.reason } }
        : { result: { case: "committed", value: { batches: r.batches.map(batchToWire) } } };
    },
    watermarks: async () => ({ watermarks: (await probe.watermarks()).map(watermarkToWire) }),
    async rows(req) {
      const only = req.resource === Resource.UNSPECIFIED ? undefined : req.resource;
      return { rows: (await probe.rows(only)).map(rowToWire) };
    },
    async entries(req) {
      const rows = await probe.entries(streamFromWire(req.stream), { bodies: req.bodies });
      return { entries: rows.map(rowToWire) };
    },
    gauges: async () => await probe.gauges(),
    async treeCheck() {
      const t = await probe.treeCheck();
      return t.ok ? { ok: true, links: t.links } : { ok: false, detail: t.detail };
    },
    clock: async () => ({ hlc: await probe.hlc() }),
    metrics: async () => ({ values: { ...(await probe.metrics()) } }),
    async peers() {
      if (probe.peers === undefined)
        throw new ConnectError("this probe publishes no peers", Code.Unimplemented);
      return { peers: (await probe.peers()).map(peerToWire) };
    },
  };
}

/** A remote peer's published peers; none from one without Peers (the properties judge nothing then). */
async function remotePeers(client: Client<typeof TestControlService>): Promise<PeerView[]> {
  try {
    return (await client.peers({})).peers.map((p) => ({
      peer: idToHex(p.deviceId),
      state: p.state,
      connected: p.connected,
      consecutiveFailures: p.consecutiveFailures,
    }));
  } catch (e) {
    if (ConnectError.from(e).code === Code.Unimplemented) return [];
    throw e;
  }
}

/** A remote replica's probe, read over TestControl. */
export function remoteProbe(client: Client<typeof TestControlService>): ReplicaProbe {
  return {
    watermarks: async () => (await client.watermarks({})).watermarks.map(watermarkFromWire),
    rows: async (resource) =>
      (await client.rows({ resource: resource ?? Resource.UNSPECIFIED })).rows.map(rowFromWire),
    entries: async (stream, opts) =>
      (
        await client.entries({ stream: streamToWire(stream), bodies: opts?.bodies === true })
      ).entries.map(rowFromWire),
    gauges: async () => {
      const g = await client.gauges({});
      return {
        heldRealtime: g.heldRealtime,
        // A peer that does not report the per-stream figure is judged on
        // its total, an upper bound of any one stream.
        heldRealtimeStreamMax:
          g.heldRealtimeStreamMax === 0 ? g.heldRealtime : g.heldRealtimeStreamMax,
        heldDependencies: g.heldDependencies,
        queuedOutbound: g.queuedOutbound,
      };
    },
    treeCheck: async () => {
      const t = await client.treeCheck({});
      return t.ok ? { ok: true, links: t.links } : { ok: false, detail: t.detail };
    },
    hlc: async () => (await client.clock({})).hlc,
    commit: async (writes): Promise<CommitResult> => {
      const r = await client.commit({
        writes: writes.map((w) => ({
          resource: w.resource,
          id: idFromHex(w.id),
          deleted: w.deleted === true,
          fields: w.deleted === true ? {} : { ...w.fields },
        })),
      });
      if (r.result.case === "refused") return { kind: "refused", reason: r.result.value };
      if (r.result.case !== "committed") throw new TypeError("Commit answered neither result");
      return { kind: "committed", batches: r.result.value.batches.map(batchFromWire) };
    },
    metrics: async () => (await client.metrics({})).values,
    peers: () => remotePeers(client),
  };
}
