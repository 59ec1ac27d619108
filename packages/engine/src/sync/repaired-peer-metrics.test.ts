// A peer whose pairing is removed and made again starts afresh, in its
// metrics too: the registry keeps series, so the new pairing's
// tidemark_consecutive_failures read the old one's failures until the
// next failure or success set it (simulator scenario `leaver-returns`:
// a device unpaired and paired again; property peer-metrics-agree).
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { replicaNet, until } from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";

const net = replicaNet({ libraryId: "2e".repeat(16), tmpPrefix: "repaired-peer-metrics" });

const failures = (r: Replica, peer: string) =>
  r.metrics().values[`tidemark_consecutive_failures{device="${r.deviceId}",peer="${peer}"}`];

describe("a peer paired again", () => {
  test("a-peer-paired-again-shows-no-failures-of-its-removed-pairing", async () => {
    const a = net.replica("a");
    const b = net.replica("b");
    a.start();
    const fail = async (): Promise<never> => {
      throw new ConnectError("down", Code.Unavailable);
    };
    async function* failStream(): AsyncIterable<never> {
      yield* [];
      throw new ConnectError("down", Code.Unavailable);
    }
    net.serve(b.deviceId, {
      hello: fail,
      exchangeWatermarks: fail,
      backfill: failStream,
      pushChanges: fail,
      reconcile: fail,
      notifyDataAvailable: fail,
    });
    a.addPeer(b.deviceId);
    a.peerConnected(b.deviceId);
    await until(() => (failures(a, b.deviceId) ?? 0) > 0, 20_000);
    a.removePeer(b.deviceId);
    a.addPeer(b.deviceId);
    const status = a.status().peers.find((p) => p.peer === b.deviceId);
    expect(status?.consecutiveFailures).toBe(0);
    expect(failures(a, b.deviceId)).toBe(0);
  }, 60_000);

  test("a-removed-pairing's-late-failure-leaves-the-new-pairing's-metrics", async () => {
    const a = net.replica("a2");
    const b = net.replica("b2");
    a.start();
    // The removed pairing's Hello is answered (with a failure) only after
    // the peer was paired again (simulator: leave, join and crash at one instant).
    const waiting: (() => void)[] = [];
    const hang = () =>
      new Promise<never>((_, reject) => {
        waiting.push(() => reject(new ConnectError("down", Code.Unavailable)));
      });
    async function* none(): AsyncIterable<never> {}
    net.serve(b.deviceId, {
      hello: hang,
      exchangeWatermarks: hang,
      backfill: none,
      pushChanges: hang,
      reconcile: hang,
      notifyDataAvailable: hang,
    });
    a.addPeer(b.deviceId);
    a.peerConnected(b.deviceId);
    await until(() => waiting.length > 0, 20_000);
    a.removePeer(b.deviceId);
    a.addPeer(b.deviceId);
    for (const answer of waiting.splice(0)) answer();
    await new Promise((r) => setTimeout(r, 100));
    const status = a.status().peers.find((p) => p.peer === b.deviceId);
    expect(status?.consecutiveFailures).toBe(0);
    expect(failures(a, b.deviceId)).toBe(0);
    a.close();
  }, 60_000);
});
