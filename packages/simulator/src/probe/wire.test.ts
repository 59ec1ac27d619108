// Peers on the wire: a probe's published peers read back through
// TestControl unchanged, and a target without Peers publishes none (its
// peer-status properties judge nothing rather than fail).
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { TestControlService } from "@tidemark/protocol/test-control";
import { describe, expect, test } from "vitest";
import type { ReplicaProbe } from "./probe.js";
import type { PeerView } from "./types.js";
import { probeHandlers, remoteProbe } from "./wire.js";

const PEER: PeerView = {
  peer: "ab".repeat(16),
  state: "failed",
  connected: true,
  consecutiveFailures: 3,
};

function served(peers: ReplicaProbe["peers"]) {
  const probe = { peers } as unknown as ReplicaProbe;
  const transport = createRouterTransport(({ service }) =>
    service(TestControlService, probeHandlers(probe)),
  );
  return remoteProbe(createClient(TestControlService, transport));
}

describe("Peers over TestControl", () => {
  test("a probe's published peers read back unchanged", async () => {
    expect(await served(() => [PEER]).peers?.()).toEqual([PEER]);
  });

  test("a target without Peers publishes none", async () => {
    expect(await served(undefined).peers?.()).toEqual([]);
  });
});
