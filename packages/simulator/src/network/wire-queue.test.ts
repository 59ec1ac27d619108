import { describe, expect, test } from "vitest";
import { Prng } from "../prng.js";
import { Scheduler } from "../scheduler.js";
import { Trace } from "../trace.js";
import { CALM_LINK } from "./link.js";
import { Network, type StreamOrder } from "./network.js";

// 1 byte per ms, no jitter: a message of n bytes sent on an idle link
// arrives n + 5 ms later (CALM_LINK's latency).
function setup() {
  const sched = new Scheduler();
  const trace = new Trace({ keepRecords: true });
  const net = new Network(2, sched, new Prng(3), trace, {
    ...CALM_LINK,
    jitterMs: 0,
    bytesPerMs: 1,
  });
  const arrived = new Map<string, number>();
  const send = (name: string, call: number, bytes: number, order?: StreamOrder) =>
    net.send(
      1,
      0,
      bytes,
      { rpc: "Backfill", part: "page", call },
      () => true,
      () => arrived.set(name, sched.now),
      order,
    );
  return { sched, trace, net, arrived, send };
}

describe("abandoned calls on a bandwidth-limited wire", () => {
  test("abandoned-call-frees-the-wire: its unsent bytes never go, and what queued behind goes sooner", async () => {
    const { sched, trace, net, arrived, send } = setup();
    send("big", 1, 10_000);
    send("small", 2, 1_000);
    sched.at(2_000, () => net.abandon(1));
    await sched.run({ until: 60_000 });
    expect(arrived.has("big")).toBe(false);
    // Without the abandon: 11_005. The big page used the wire for 2 s only.
    expect(arrived.get("small")).toBe(3_005);
    expect(trace.records().filter((r) => r.k === "lost" && r.why === "abandoned")).toHaveLength(1);
    expect(net.link(1, 0).busyMs).toBe(3_000);
    expect(net.inFlight).toBe(0);
    // The wire is free from 3 s on: a new message goes at once.
    expect(net.link(1, 0).freeAt(sched.now)).toBe(sched.now);
  });

  test("a stream moved sooner keeps its pages in order and behind pages already on their way", async () => {
    const { sched, net, arrived, send } = setup();
    const order: StreamOrder = { lastArrival: 0 };
    send("p1", 2, 500, order);
    send("big", 1, 10_000);
    send("p2", 2, 500, order);
    send("p3", 2, 500, order);
    sched.at(1_000, () => net.abandon(1));
    await sched.run({ until: 60_000 });
    expect(arrived.get("p1")).toBe(505);
    expect(arrived.get("p2")).toBe(1_505);
    expect(arrived.get("p3")).toBe(2_005);
    // A later page of the stream follows the moved last one, not its old time.
    expect(order.lastArrival).toBe(2_005);
  });
});

describe("a busy receiver", () => {
  test("messages-that-reach-a-busy-receiver-keep-their-order: more work meanwhile lets no later page overtake", async () => {
    const sched = new Scheduler();
    const net = new Network(2, sched, new Prng(3), new Trace(), { ...CALM_LINK, jitterMs: 0 });
    let busyUntil = 100;
    net.cpu = { freeAt: () => busyUntil, charge: () => {} };
    const order: StreamOrder = { lastArrival: 0 };
    const got: string[] = [];
    const send = (name: string) =>
      net.send(
        1,
        0,
        10,
        { rpc: "Backfill", part: "page", call: 1 },
        () => true,
        () => got.push(`${name}@${sched.now}`),
        order,
      );
    send("p1"); // arrives at 5, the receiver is busy until 100
    sched.at(3, () => send("p2")); // arrives at 8
    // More work for the receiver between the two arrivals: busy until 200.
    sched.at(6, () => {
      busyUntil = 200;
    });
    await sched.run({ until: 1_000 });
    expect(got).toEqual(["p1@200", "p2@200"]);
  });
});
