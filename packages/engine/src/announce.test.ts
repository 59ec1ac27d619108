// NotifyDataAvailable as the reference peer sends it (PROTOCOL.md §9): every
// listed watermark carries the stream's new cursor (NT-3), so an own stream
// held unconfirmed, which an exchange lists without one, is left out (OR-1).
// Before, the indexer's notice listed it and every receiver refused the
// whole notice as MISSING_FIELD.
import type { NotifyDataAvailableRequest } from "@tidemark/protocol";
import { Resource } from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { entryStream, replicaNet, SEED_LOCATION, until } from "../test/replica-net.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "./store/testing.js";
import { testIdentity } from "./testing/identity.js";

const notices: { req: NotifyDataAvailableRequest; refused?: string }[] = [];
afterEach(() => {
  notices.length = 0;
});

const net = replicaNet({
  libraryId: "2e".repeat(16),
  tmpPrefix: "announce",
  route: (_peer, served) => ({
    ...served,
    async notifyDataAvailable(req, call) {
      const seen: { req: NotifyDataAvailableRequest; refused?: string } = { req };
      notices.push(seen);
      try {
        return await served.notifyDataAvailable(req, call);
      } catch (err) {
        seen.refused = err instanceof Error ? err.message : String(err);
        throw err;
      }
    },
  }),
});

describe("announceDataAvailable", () => {
  test("leaves out own streams held unconfirmed, and the receiver takes the notice", async () => {
    const a = net.replica("a");
    const b = net.replica("b");
    a.start();
    b.start();
    // Alone, A confirms at start: its volume and location streams get cursors.
    const volume = testId(1, 0x2e);
    a.commit([volumeWrite(volume), locationWrite(SEED_LOCATION, volume)]);
    // Two peers added, only B reachable: A's new commits stay held (§3.7).
    a.addPeer(b.deviceId);
    a.addPeer(testIdentity("c-never-reached").deviceId);
    b.addPeer(a.deviceId);
    a.commit([entryWrite(testId(100, 0x2e), SEED_LOCATION, undefined, "held")]);
    a.peerConnected(b.deviceId);
    await until(() => a.status().peers.some((p) => p.lastExchangeAt !== undefined));
    expect(a.status().own.confirmed).toBe(false);
    expect(entryStream(b, a)).toBeUndefined();

    notices.length = 0;
    a.announceDataAvailable();
    await a.idle();
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice?.refused).toBeUndefined();
    const listed = notice?.req.watermarks ?? [];
    expect(listed.every((w) => w.cursor !== undefined)).toBe(true);
    const resources = listed.map((w) => w.stream?.resource);
    expect(resources).toEqual(expect.arrayContaining([Resource.VOLUME, Resource.LOCATION]));
    expect(resources).not.toContain(Resource.ENTRY);
  });

  test("sends nothing when every own stream is held", async () => {
    const a = net.replica("a");
    const b = net.replica("b");
    a.addPeer(b.deviceId);
    a.addPeer(testIdentity("c-never-reached").deviceId);
    a.start();
    b.start();
    b.addPeer(a.deviceId);
    const volume = testId(1, 0x2e);
    a.commit([volumeWrite(volume), locationWrite(SEED_LOCATION, volume)]);
    a.peerConnected(b.deviceId);
    await until(() => a.status().peers.some((p) => p.lastExchangeAt !== undefined));
    notices.length = 0;
    a.announceDataAvailable();
    await a.idle();
    expect(notices).toEqual([]);
  });
});
