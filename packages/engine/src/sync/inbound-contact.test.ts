// A peer we back off from that calls us (its Hello) is up, whatever our
// host last said of it: we retry it at once. Our host reporting it gone
// cancels the backoff's timer but leaves the backoff; a Hello arriving
// before the host reports it back used to leave us in that backoff with no
// timer, so we never called it, nor pulled what its exchange announced,
// until the host spoke again. Two real replicas on SQLite files, served in
// memory through Connect's router transport.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { holdsEntries, replicaNet, seedEntries, until } from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";

const ENTRIES = 4;
const net = replicaNet({ libraryId: "1c".repeat(16), tmpPrefix: "inbound-contact" });

/** Serves `o` with its exchanges failing while `down()` says so. */
function flaky(o: Replica, down: () => boolean): void {
  net.serve(o.deviceId, {
    ...o.service,
    exchangeWatermarks(req, call) {
      if (down()) throw new ConnectError("origin down", Code.Unavailable);
      const honest = o.service.exchangeWatermarks;
      if (honest === undefined) throw new Error("origin serves no exchange");
      return honest(req, call);
    },
  });
}

const stateOf = (r: Replica, peer: Replica) =>
  r.status().peers.find((p) => p.peer === peer.deviceId)?.state;

describe("a peer that reaches us while we back off from it", () => {
  test("is retried at once even after our host reported it gone", async () => {
    let down = true;
    const origin = net.replica("origin");
    seedEntries(origin, ENTRIES);
    flaky(origin, () => down);
    // A long backoff: only the origin's contact can end it within the test.
    const joiner = net.replica("joiner", {
      config: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
    });
    joiner.addPeer(origin.deviceId);
    joiner.start();
    joiner.peerConnected(origin.deviceId);
    await until(() => stateOf(joiner, origin) === "backoff");
    // The host says the origin is gone; then the origin comes back and calls first.
    joiner.peerDisconnected(origin.deviceId);
    down = false;
    origin.addPeer(joiner.deviceId);
    origin.start();
    origin.peerConnected(joiner.deviceId);
    await until(() => holdsEntries(joiner, origin, ENTRIES), 3_000);
    expect(stateOf(joiner, origin)).not.toBe("backoff");
    expect(holdsEntries(joiner, origin, ENTRIES)).toBe(true);
  }, 20_000);
});
