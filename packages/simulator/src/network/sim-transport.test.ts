import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { BackfillResponseSchema, PageStatus, type SyncService } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { Prng } from "../prng.js";
import { Scheduler } from "../scheduler.js";
import { Trace } from "../trace.js";
import { CALM_LINK } from "./link.js";
import { Network } from "./network.js";
import { type Endpoint, simClient } from "./sim-transport.js";

type Partial2 = Pick<ServiceImpl<typeof SyncService>, "hello" | "backfill">;

function fakeService(pages = 3): Partial2 {
  return {
    hello: (req) => ({ deviceId: req.deviceId, protocolVersion: 1, deviceName: "srv" }),
    backfill: async function* () {
      for (let i = 0; i < pages; i++)
        yield create(BackfillResponseSchema, {
          status: PageStatus.OK,
          completeThrough: BigInt(i + 1),
          streamDone: i === pages - 1,
        });
    },
  };
}

function setup(profile = CALM_LINK, pages = 3) {
  const sched = new Scheduler();
  const trace = new Trace({ keepRecords: true });
  const net = new Network(2, sched, new Prng(7), trace, profile);
  const eps: Endpoint[] = [
    { alive: true, generation: 0, service: undefined },
    { alive: true, generation: 0, service: fakeService(pages) },
  ];
  const client = simClient(sched, net, (i) => eps[i] as Endpoint, 0, 1, { defaultTimeoutMs: 1000 });
  return { sched, trace, net, eps, client };
}

describe("sim transport", () => {
  test("unary call round-trips in virtual time with encoded bytes", async () => {
    const { sched, client, net } = setup();
    let got: string | undefined;
    let at = -1;
    void client.hello({ deviceId: new Uint8Array([1, 2]) }).then((r) => {
      got = r.deviceName;
      at = sched.now;
    });
    await sched.run({ until: 10_000 });
    expect(got).toBe("srv");
    expect(at).toBeGreaterThanOrEqual(10);
    expect(net.stats.delivered).toBe(2);
    expect(net.stats.bytes).toBeGreaterThan(0);
  });

  test("a call over a cut link fails with DeadlineExceeded at the virtual deadline", async () => {
    const { sched, client, net } = setup();
    net.partition(0, 1, true);
    let err: unknown;
    void client.hello({}, { timeoutMs: 500 }).catch((e: unknown) => {
      err = e;
    });
    await sched.run({ until: 10_000 });
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
  });

  test("server stream delivers every page in order, then ends", async () => {
    const { sched, client } = setup();
    const seen: bigint[] = [];
    const done = (async () => {
      for await (const page of client.backfill({})) seen.push(page.completeThrough ?? 0n);
    })();
    await sched.run({ until: 10_000 });
    await done;
    expect(seen).toEqual([1n, 2n, 3n]);
  });

  test("calls of a crashed caller never settle", async () => {
    const { sched, client, eps } = setup();
    let settled = false;
    void client.hello({}).finally(() => {
      settled = true;
    });
    sched.after(1, () => {
      eps[0] = { alive: false, generation: 1, service: undefined };
    });
    await sched.run({ until: 10_000 });
    expect(settled).toBe(false);
  });

  test("same seed gives the same trace", async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { sched, client, trace } = setup({
        ...CALM_LINK,
        jitterMs: 50,
        loss: 0.2,
        duplicate: 0.2,
      });
      for (let k = 0; k < 20; k++) void client.hello({}).catch(() => {});
      await sched.run({ until: 10_000 });
      hashes.push(trace.finish());
    }
    expect(hashes[0]).toBe(hashes[1]);
  });
});

describe("sim transport aborts", () => {
  test("an aborted call fails with Canceled carrying the abort reason", async () => {
    const { sched, client } = setup({ ...CALM_LINK, latencyMs: 100 });
    const ac = new AbortController();
    let err: unknown;
    void client.hello({}, { signal: ac.signal }).catch((e: unknown) => {
      err = e;
    });
    sched.after(10, () => ac.abort(new Error("engine deadline")));
    await sched.run({ until: 10_000 });
    expect((err as ConnectError).code).toBe(Code.Canceled);
    expect((err as ConnectError).message).toContain("engine deadline");
  });
});

describe("server streams under loss (S1, S2)", () => {
  test("lost-frame-resets-after-earlier-frames: pages sent before a lost frame arrive before the reset (S1)", async () => {
    // The lossy preset's latency and jitter, no bandwidth limit: every page
    // leaves at once, and the reset used to overtake them all.
    const { sched, client, net } = setup({ ...CALM_LINK, latencyMs: 15, jitterMs: 20 }, 10);
    net.tap = (m) =>
      m.part === "page" && m.bytes > 0 && seenPages++ === 4 ? { drop: true } : undefined;
    let seenPages = 0;
    const got: bigint[] = [];
    let err: unknown;
    void (async () => {
      for await (const page of client.backfill({})) got.push(page.completeThrough ?? 0n);
    })().catch((e: unknown) => {
      err = e;
    });
    await sched.run({ until: 10_000 });
    expect(got).toEqual([1n, 2n, 3n, 4n]);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });

  test("abandoned-stream-stops-sending: a caller past its deadline gets no more pages on the wire (S2)", async () => {
    // ~1 s per page on this link: a 2.5 s deadline takes two or three.
    const { sched, client, trace } = setup({ ...CALM_LINK, bytesPerMs: 0.005 }, 20);
    let err: unknown;
    void (async () => {
      for await (const _ of client.backfill({}, { timeoutMs: 2_500 })) {
        // consume
      }
    })().catch((e: unknown) => {
      err = e;
    });
    await sched.run({ until: 60_000 });
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    const sent = trace.records().filter((r) => r.k === "send" && r.part === "page").length;
    expect(sent).toBeLessThanOrEqual(4);
  });
});
