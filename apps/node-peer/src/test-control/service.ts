// `serve --test-control`: this peer's TestControl service (docs/TESTCONTROL.md).
// The probe half is the simulator's own probe of the reference engine
// (@tidemark/simulator/probe), so the canonical dump is byte for byte what
// the simulator's properties read in process; the rest maps onto PeerNode.
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { TidemarkReplica } from "@tidemark/engine";
import { DbInspector } from "@tidemark/engine/testing";
import { TestControlService } from "@tidemark/protocol/test-control";
import { engineProbe, probeHandlers, streamToWire } from "@tidemark/simulator/probe";
import Database from "better-sqlite3";
import { fromHex, toHex } from "../ids.js";
import { peerHandshake } from "../peer-handshake.js";
import type { PeerNode } from "../peer-node.js";
import type { SteerableClock } from "../ports.js";
import { withDerivedIds } from "./derived-ids.js";

/** Every stream with a tombstone horizon, ascending by origin, then resource. */
function horizonsOf(replica: TidemarkReplica) {
  return replica.store
    .streams()
    .flatMap((s) =>
      s.tombstoneHorizon === undefined
        ? []
        : [{ stream: streamToWire(s.stream), tombstoneHorizon: s.tombstoneHorizon }],
    )
    .sort(
      (a, b) =>
        Buffer.compare(a.stream.origin, b.stream.origin) || a.stream.resource - b.stream.resource,
    );
}

const IMPLEMENTATION = "tidemark node-peer (reference engine)";
/** How long SetPeers waits for a new peer's Hello. */
const HELLO_WAIT_MS = 10_000;

export type TestControl = {
  readonly service: ServiceImpl<typeof TestControlService>;
  /** Mounts the service (beside SyncService, on the same server). */
  routes(router: ConnectRouter): void;
  close(): void;
};

/** The buffer bounds a run holds the replica to, as Info reports them. */
export type BufferLimits = {
  readonly pendingBufferMax: number;
  readonly dependencyBufferMaxPerOrigin: number;
};

/** What the replica was opened with: bounds and timer Info reports, the clock SetClock steers. */
export type ControlledReplica = BufferLimits & {
  readonly periodicExchangeMs: number;
  readonly clock: SteerableClock;
};

export function testControl(node: PeerNode, opened: ControlledReplica): TestControl {
  const replica = node.replica;
  if (!(replica instanceof TidemarkReplica)) {
    throw new TypeError("--test-control needs the reference engine's replica");
  }
  // A second connection for reads (WAL): it sees exactly what is committed.
  const db = new Database(node.paths.db, { readonly: true });
  const probe = engineProbe(replica, new DbInspector(db));
  const probed = probeHandlers(probe);
  const library = fromHex(node.deviceConfig.libraryId);
  const service: ServiceImpl<typeof TestControlService> = {
    ...probed,
    // A tag or assignment written without an id is created as the UI does (PROTOCOL.md RD-3/RD-4).
    commit: (req, ctx) =>
      probed.commit({ ...req, writes: withDerivedIds(req.writes, library) }, ctx),
    info: () => ({
      deviceId: fromHex(node.deviceConfig.deviceId),
      libraryId: fromHex(node.deviceConfig.libraryId),
      implementation: IMPLEMENTATION,
      pendingBufferMax: opened.pendingBufferMax,
      dependencyBufferMaxPerOrigin: opened.dependencyBufferMaxPerOrigin,
      periodicExchangeMs: opened.periodicExchangeMs,
    }),
    setPeers: async (req) => {
      const wanted = new Map(req.peers.map((p) => [toHex(p.deviceId), p.url]));
      for (const known of node.peers()) {
        if (wanted.get(known.deviceId) !== known.url) node.removePeer(known.deviceId);
      }
      for (const [deviceId, url] of wanted) {
        if (node.peers().some((p) => p.deviceId === deviceId && p.url === url)) continue;
        // Checked before it is recorded: adding, then removing, a wrong answer
        // would drop a peer we already knew under that id.
        const pin = url.startsWith("https:")
          ? { credentials: node.identity, expect: deviceId }
          : undefined;
        const found = await peerHandshake(url, HELLO_WAIT_MS, node.deviceConfig, pin);
        if (found.deviceId !== deviceId) {
          throw new ConnectError(
            `${url} answers as device ${found.deviceId}, not ${deviceId}`,
            Code.FailedPrecondition,
          );
        }
        node.addPeer(found);
      }
      return {};
    },
    connect: (req) => {
      replica.peerConnected(toHex(req.deviceId));
      return {};
    },
    disconnect: (req) => {
      replica.peerDisconnected(toHex(req.deviceId));
      return {};
    },
    setClock: (req) => {
      const wall = req.wallMs === undefined ? undefined : Number(req.wallMs);
      if (wall !== undefined && !Number.isSafeInteger(wall))
        throw new ConnectError(
          `wall_ms ${req.wallMs} is past what a clock reads`,
          Code.InvalidArgument,
        );
      return { wallMs: BigInt(Math.floor(opened.clock.set(wall, req.frozen))) };
    },
    // The engine's own policy (PROTOCOL.md §13), run now rather than after an exchange.
    prune: () => {
      replica.pruneAcknowledgedTombstones();
      return { horizons: horizonsOf(replica) };
    },
  };
  return {
    service,
    routes: (router) => router.service(TestControlService, service),
    close: () => db.close(),
  };
}
