// h2c on purpose: what only a claimed-mode listener (`--insecure-loopback`,
// caller ids believed) can be sent. There a caller may name any device, so
// calls reach the replica from devices it never paired, and the bounds
// made for them — one budget shared by every caller that is no peer — are
// reachable only here; over mutual TLS such a caller is refused at the
// gate (regressions.test.ts). Real peers, HTTP/2 on 127.0.0.1.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AckStatus,
  type Change,
  ChangeSchema,
  EntryKind,
  EntrySchema,
  Resource,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { fromHex, uuidv7 } from "../../src/ids.js";
import { createSyncClient } from "../../src/transport.js";
import { converged, indexTree, metric, pair } from "../support/in-process-peer.js";
import { testDevice } from "../support/signing.js";
import { peerStarter } from "./peers.js";

const { start } = peerStarter({ security: "insecure-loopback" });

function bigEntry(seq: bigint): Change {
  return create(ChangeSchema, {
    rowId: uuidv7(),
    seq,
    body: {
      case: "entry",
      value: create(EntrySchema, {
        locationId: uuidv7(),
        name: "n".repeat(1000),
        kind: EntryKind.FILE,
      }),
    },
  });
}

// Real peers over HTTP/2 and SQLite on a shared machine. A bound, not a timing assertion.
const SLOW_TEST_MS = 240_000;

describe("claimed mode: callers that are no peer", () => {
  test(
    "gap-batches-of-40-unpaired-devices-share-one-held-budget",
    async () => {
      const perPeer = 256 * 1024;
      const victim = await start("victim", {
        bounds: { heldRealtimeBytesPerPeer: perPeer, heldRealtimeBytes: 4 * perPeer },
      });
      const honest = await start("honest", { libraryId: victim.libraryId });
      pair(victim, honest);
      await indexTree(honest, "h", 20);
      await converged([victim, honest], [honest.deviceId]);
      const client = createSyncClient(victim.url);
      const library = fromHex(victim.libraryId);
      let heldBytes = 0;
      // Batches after a gap, each from another made-up device: every one would be held.
      for (let i = 0; i < 40; i++) {
        const device = testDevice(`claimed-gap-${i}`);
        const changes = Array.from({ length: 20 }, (_, k) => bigEntry(1001n + BigInt(k)));
        const res = await client.pushChanges({
          libraryId: library,
          deviceId: device.id,
          batches: device.signed(library, [
            { stream: { origin: device.id, resource: Resource.ENTRY }, prevSeq: 1000n, changes },
          ]),
        });
        const status = res.acks[0]?.status;
        if (status === AckStatus.GAP || status === AckStatus.HELD) {
          heldBytes += changes.reduce((n, c) => n + toBinary(ChangeSchema, c).length, 0);
        }
      }
      // Unknown devices share one peer budget: held bytes stay under it.
      expect(heldBytes).toBeLessThanOrEqual(perPeer);
      expect(metric(victim, "tidemark_held_realtime_bytes")).toBeGreaterThan(0);
      expect(metric(victim, "tidemark_held_realtime_bytes")).toBeLessThanOrEqual(perPeer);
      expect(
        metric(victim, "tidemark_limit_breaches_total", { limit: "held-realtime-bytes-per-peer" }),
      ).toBeGreaterThan(0);
      await indexTree(honest, "after", 10);
      await converged([victim, honest], [honest.deviceId], 120_000);
    },
    SLOW_TEST_MS,
  );
});
