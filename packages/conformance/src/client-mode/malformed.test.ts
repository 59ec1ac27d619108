// The runner holds a client's every request to the rules a peer enforces:
// a malformed one is refused as a peer would refuse it and fails the
// scenario it came in, even when the client shrugs the refusal off (the
// reference peer's notices once listed held streams without a cursor, and
// no scenario noticed).
import { randomBytes } from "node:crypto";
import { ConnectError } from "@connectrpc/connect";
import { ErrorReason, ProtocolError, Resource } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { syncClient } from "../transport.js";
import { runClientScenarios } from "./run.js";
import type { Scenario } from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

const library = randomBytes(16);
const device = randomBytes(16);

/** A scenario in which "the client" sends the runner one notice, with or without a cursor. */
function notifying(withCursor: boolean): Scenario {
  return {
    id: `notice-${withCursor ? "with" : "without"}-cursor`,
    rules: ["NT-3"],
    title: "the client notifies the runner",
    async run({ peer }) {
      const client = syncClient({ url: `http://127.0.0.1:${peer.port}`, protocol: "connect" });
      const request = {
        libraryId: library,
        deviceId: device,
        watermarks: [
          {
            stream: { origin: device, resource: Resource.ENTRY },
            ...(withCursor ? { cursor: 3n } : {}),
            liveCount: 0n,
            fingerprint: new Uint8Array(16),
          },
        ],
      };
      // Like a client that logs a refused notice and goes on.
      await client.notifyDataAvailable(request).catch((err: unknown) => {
        if (!(err instanceof ConnectError)) throw err;
        expect(ProtocolError.fromConnectError(err).reason).toBe(ErrorReason.MISSING_FIELD);
      });
    },
  };
}

function run(scenarios: Scenario[]) {
  return runClientScenarios({
    clientUrl: "http://127.0.0.1:9",
    library: hex(library),
    protocol: "connect",
    scenarios,
  });
}

describe("requests a client sends the runner", () => {
  it("a malformed one fails the scenario it came in, naming the rule's reason", async () => {
    const report = await run([notifying(false), notifying(true)]);
    const [bad, good] = report.results;
    expect(bad?.verdict).toBe("fail");
    expect(bad?.detail).toMatch(
      /malformed NotifyDataAvailable: MISSING_FIELD: watermarks\[0\]\.cursor is required/,
    );
    // Attributed once: the next scenario starts clean.
    expect(good?.verdict).toBe("pass");
    expect(report.ok).toBe(false);
  });

  it("well-formed requests fail nothing", async () => {
    const report = await run([notifying(true)]);
    expect(report.results.map((r) => r.verdict)).toEqual(["pass"]);
  });
});
