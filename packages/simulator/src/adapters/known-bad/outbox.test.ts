// Realtime slips in the engine's outbox, planted one at a time by patching
// the outbox's methods from test code (never a switch in the engine), each
// caught by the realtime properties in a plain named scenario, where pulls
// alone still converge: no pushes at all, no batching window, a chunk's
// prev_seq lost, every push sent twice, one flush's pushes in reverse.
// The engine's own outbox passes the same scenario.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Batch = { prevSeq?: bigint };
type Slip = "silent" | "unbatched" | "no-prev-seq" | "twice" | "reversed";
type Proto = Record<string, (this: Proto, ...args: unknown[]) => void>;

const planted = vi.hoisted(() => ({ slip: undefined as string | undefined }));

vi.mock("../../../../engine/src/sync/outbox.ts", async (original) => {
  const real = (await original()) as { Outbox: { prototype: Proto } };
  const proto = real.Outbox.prototype;
  const { enqueue, flush, send } = proto as Required<Pick<Proto, "enqueue" | "flush" | "send">>;
  let collected: unknown[][] | undefined;
  proto.enqueue = function (this: Proto, peers: unknown, batches: unknown) {
    if (planted.slip === "silent") return;
    const list = [...(peers as Iterable<unknown>)];
    enqueue.call(this, list, batches);
    if (planted.slip === "unbatched") for (const p of list) this.flush?.(p);
  };
  proto.send = function (this: Proto, peer: unknown, batches: unknown) {
    if (collected !== undefined) {
      collected.push([peer, batches]);
      return;
    }
    if (planted.slip === "no-prev-seq") for (const b of batches as Batch[]) delete b.prevSeq;
    send.call(this, peer, batches);
    if (planted.slip === "twice") send.call(this, peer, batches);
  };
  proto.flush = function (this: Proto, peer: unknown) {
    if (planted.slip !== "reversed") return flush.call(this, peer);
    collected = [];
    flush.call(this, peer);
    const held = collected.reverse();
    collected = undefined;
    for (const [p, b] of held) send.call(this, p, b);
  };
  return real;
});

async function run(slip: Slip | undefined) {
  planted.slip = slip;
  try {
    return await runNamedWith(tidemarkEngine, "leapfrog", { seed: 3, scale: 0.003 });
  } finally {
    planted.slip = undefined;
  }
}

describe("realtime slips that pulls would hide", () => {
  test("the engine's own outbox passes", async () => {
    const r = await run(undefined);
    expect(r.failure).toBeUndefined();
    expect(r.converged).toBe(true);
  }, 120_000);

  test("an outbox that never pushes fails realtime-at-rest", async () => {
    const r = await run("silent");
    expect(r.failure?.property).toBe("realtime-at-rest");
    expect(r.failure?.detail).toContain("not pushed within");
  }, 120_000);

  test("pushing every commit at once fails push-batching", async () => {
    const r = await run("unbatched");
    expect(r.failure?.property).toBe("push-batching");
  }, 120_000);

  test("a push without its prev_seq fails honest-requests at once, and push-well-formed", async () => {
    const r = await run("no-prev-seq");
    // The receiver's own validator refuses it when it is sent (SEQ_OUT_OF_ORDER)...
    expect(r.failure?.property).toBe("honest-requests");
    expect(r.failure?.detail).toContain("PushChanges request");
    // ...and the realtime properties, judged after the heal, name the rule too.
    const push = r.world.pushes.check();
    expect(push?.property).toBe("push-well-formed");
    expect(push?.detail).toContain("[PC-6]");
  }, 120_000);

  test("every push sent twice fails push-once", async () => {
    const r = await run("twice");
    expect(r.failure?.property).toBe("push-once");
  }, 120_000);

  test("one flush's pushes sent in reverse fail push-order", async () => {
    const r = await run("reversed");
    expect(r.failure?.property).toBe("push-order");
  }, 120_000);
});
