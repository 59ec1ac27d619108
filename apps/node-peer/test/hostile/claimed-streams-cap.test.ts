// The bound on a peer's claimed streams (docs/SECURITY.md, "a peer's view of
// our streams"): whatever a paired peer lists in its notices, the replica
// keeps at most MAX_STREAMS_PER_MESSAGE of its streams in view and acts on
// no stream beyond, over the product's mutual-TLS HTTP/2 listener on
// 127.0.0.1: the notices come from a paired device's own certificate.
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  MAX_STREAMS_PER_MESSAGE,
  Resource,
  type StreamWatermark,
  StreamWatermarkSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "../../src/ids.js";
import { converged, type InProcessPeer, indexTree, pair } from "../support/in-process-peer.js";
import { clientAs, credentialsOf } from "../support/tls-caller.js";
import { peerStarter } from "./peers.js";

const { start } = peerStarter();

function madeUp(n: number): StreamWatermark[] {
  return Array.from({ length: n }, () =>
    create(StreamWatermarkSchema, {
      stream: { origin: randomBytes(16), resource: Resource.ENTRY },
      cursor: 5n,
      liveCount: 3n,
      fingerprint: randomBytes(16),
    }),
  );
}

/** Streams the victim made a decision about for `peer` (tidemark_decisions_total series). */
function decidedStreams(victim: InProcessPeer, peer: string): Set<string> {
  const out = new Set<string>();
  for (const key of Object.keys(victim.node.replica.metrics().values)) {
    if (!key.startsWith("tidemark_decisions_total{") || !key.includes(`peer="${peer}"`)) continue;
    const stream = /stream="([^"]+)"/.exec(key)?.[1];
    if (stream !== undefined) out.add(stream);
  }
  return out;
}

// Two notices of 8192 streams each, pulled (NOT_HELD) by a real peer: CPU-bound
// on a shared machine. A bound, not a timing assertion.
const SLOW_TEST_MS = 240_000;

describe("a peer's claimed streams", () => {
  test(
    "a-paired-peer-claiming-16384-streams-in-notices-is-held-to-8192",
    async () => {
      const victim = await start("victim");
      const honest = await start("honest", { libraryId: victim.libraryId });
      pair(victim, honest);
      await indexTree(honest, "h", 20);
      await converged([victim, honest], [honest.deviceId]);
      // A paired device that runs (it answers the victim's pulls) and claims.
      const attacker = await start("attacker", { libraryId: victim.libraryId });
      pair(victim, attacker);
      await converged([victim, honest, attacker], [honest.deviceId]);
      const client = clientAs(victim, credentialsOf(attacker));
      const first = madeUp(MAX_STREAMS_PER_MESSAGE);
      const second = madeUp(MAX_STREAMS_PER_MESSAGE);
      for (const watermarks of [first, second]) {
        await client.notifyDataAvailable({
          libraryId: fromHex(victim.libraryId),
          deviceId: fromHex(attacker.deviceId),
          watermarks,
        });
      }
      await victim.node.replica.idle();
      const decided = decidedStreams(victim, attacker.deviceId);
      const keyOf = (w: StreamWatermark) => `${toHex(w.stream?.origin ?? new Uint8Array())}/4`;
      const fromFirst = first.filter((w) => decided.has(keyOf(w))).length;
      const fromSecond = second.filter((w) => decided.has(keyOf(w))).length;
      // The view was full after the first notice (the peer's real streams
      // plus made-up ones up to the cap): nothing of the second was taken.
      expect(fromFirst).toBeGreaterThan(MAX_STREAMS_PER_MESSAGE - 16);
      expect(fromFirst + fromSecond).toBeLessThanOrEqual(MAX_STREAMS_PER_MESSAGE);
      expect(fromSecond).toBe(0);
      // No stream became known from the claims, and sync still works.
      const known = victim.node.replica.status().streams.length;
      expect(known).toBeLessThan(32);
      await indexTree(honest, "after", 5);
      await converged([victim, honest], [honest.deviceId], 120_000);
    },
    SLOW_TEST_MS,
  );
});
