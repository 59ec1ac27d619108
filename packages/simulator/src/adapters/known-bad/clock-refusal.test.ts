// A planted slip in how the engine answers a realtime push it refuses for
// its HLC (PROTOCOL §12: the batch is acked DROPPED, the request does not
// fail), injected by this test through a module mock of the inbox, never
// a switch in the engine: the refusal is thrown, failing the whole push.
// The pusher copes (a later pull brings the tags once they fit), so the
// run converges: only honest-answers, judging the answer on the wire, sees
// it in inbound-fast-client (pushes from a device the receiver keeps no
// peer for). The real inbox passes the same scenario.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The inbox's shapes (a type import would pull engine sources into this program).
type Holds = { noteRejected(stream: unknown, peer: unknown, err: unknown): boolean };
type Inbox = { receive(from: unknown, batches: readonly unknown[]): unknown[] };
type InboxClass = { prototype: Inbox };

const planted = vi.hoisted(() => ({ throwRefusal: false }));

vi.mock("../../../../engine/src/sync/inbox.ts", async (original) => {
  const real = (await original()) as { Inbox: InboxClass };
  const receive = real.Inbox.prototype.receive;
  real.Inbox.prototype.receive = function (this: Inbox, from, batches) {
    const holds = (this as unknown as { recovery: { holds: Holds } }).recovery.holds;
    const noteRejected = holds.noteRejected;
    if (planted.throwRefusal)
      holds.noteRejected = (stream, peer, err) => {
        if ((err as { code?: unknown }).code === "hlc-too-far-ahead") throw err;
        return noteRejected.call(holds, stream, peer, err);
      };
    try {
      return receive.call(this, from, batches);
    } finally {
      holds.noteRejected = noteRejected;
    }
  };
  return real;
});

async function run(throwRefusal: boolean) {
  planted.throwRefusal = throwRefusal;
  return runNamedWith(tidemarkEngine, "inbound-fast-client", { seed: 3, scale: 0.003 });
}

describe("a push refused for its HLC", () => {
  test("the engine acks it DROPPED in inbound-fast-client", async () => {
    const r = await run(false);
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("failing the whole push instead fails honest-answers", async () => {
    const r = await run(true);
    expect(r.failure?.property).toBe("honest-answers");
    expect(r.failure?.detail).toContain("a change too far ahead failed the whole push");
  }, 120_000);
});
