// Planted slips in how the engine acks realtime batches (PROTOCOL §8.2),
// injected by this test through a module mock of the inbox (never a switch
// in the engine): a batch held mid-pull acked APPLIED, and every batch
// applied at once even while its stream is pulling (the pull then
// overtakes it and the batch reads as a gap). The pusher copes with both
// (it drops the bad response; a pull brings the data), so the run
// converges: only honest-answers, judging each ack against its batch, sees
// them in realtime-churn. The real inbox passes the same scenario.
import { AckStatus } from "@tidemark/protocol";
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The inbox's shapes (a type import would pull engine sources into this program).
type Ack = { status: number };
type Inbox = {
  receive(from: unknown, batches: readonly unknown[]): Ack[];
  recovery: { isBusy(key: string): boolean };
};
type InboxClass = { prototype: Inbox };

const planted = vi.hoisted(() => ({ slip: "none" as "none" | "held-as-applied" | "never-hold" }));

vi.mock("../../../../engine/src/sync/inbox.ts", async (original) => {
  const real = (await original()) as { Inbox: InboxClass };
  const proto = real.Inbox.prototype;
  const receive = proto.receive;
  proto.receive = function (this: Inbox, from, batches) {
    if (planted.slip !== "never-hold") {
      const acks = receive.call(this, from, batches);
      if (planted.slip === "held-as-applied")
        for (const a of acks) if (a.status === AckStatus.HELD) a.status = AckStatus.APPLIED;
      return acks;
    }
    // Apply at once: the recovery never reads busy and the store never pulling.
    const recovery = this.recovery;
    const isBusy = recovery.isBusy;
    recovery.isBusy = () => false;
    const ctx = (this as unknown as { ctx: { store: Record<string, unknown> } }).ctx;
    const store = ctx.store;
    const streamState = store.streamState as (s: unknown) => { pulling?: boolean } | undefined;
    store.streamState = (s: unknown) => {
      const st = streamState.call(store, s);
      return st === undefined ? st : { ...st, pulling: false };
    };
    try {
      return receive.call(this, from, batches);
    } finally {
      recovery.isBusy = isBusy;
      store.streamState = streamState;
    }
  };
  return real;
});

async function run(slip: typeof planted.slip) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "realtime-churn", { seed: 3, scale: 0.003 });
}

describe("realtime acks an honest receiver must not send", () => {
  test("the engine's own acks keep the table in realtime-churn", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("a batch held mid-pull acked APPLIED fails honest-answers", async () => {
    const r = await run("held-as-applied");
    expect(r.failure?.property).toBe("honest-answers");
    expect(r.failure?.detail).toContain("says APPLIED");
  }, 120_000);

  test("applying batches while their stream is pulling fails honest-answers", async () => {
    const r = await run("never-hold");
    expect(r.failure?.property).toBe("honest-answers");
  }, 120_000);
});
