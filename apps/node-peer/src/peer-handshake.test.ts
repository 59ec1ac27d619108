// Every Hello we send, the periodic probes included, carries our full
// capabilities: a peer's capabilities are those of its latest Hello
// (PROTOCOL.md HE-4), so an empty probe would withdraw them.
import { CAPABILITIES } from "@tidemark/engine";
import { describe, expect, it } from "vitest";
import { helloRequestOf } from "./peer-handshake.js";

describe("helloRequestOf", () => {
  it("announces every capability the engine serves", () => {
    const req = helloRequestOf({
      version: 1,
      libraryId: "00".repeat(16),
      libraryName: "lib",
      deviceId: "11".repeat(16),
      deviceName: "laptop",
      createdAt: "2026-01-01T00:00:00.000Z",
      locations: [],
    });
    expect(req.capabilities).toEqual([...CAPABILITIES]);
    expect(req.capabilities).toContain("reconcile.v1");
  });
});
