// buffers-bounded judges the realtime pending buffer per stream, as PROTOCOL
// §8 PC-2 bounds it (MAX_PENDING_CHANGES_PER_STREAM): soak seed 4 of base
// seed 1 had a device behind several origins' gaps hold 12,912 realtime
// changes in all, each stream within its 10,000 — no promise broken.
import { describe, expect, test } from "vitest";
import { Oracle } from "../oracle.js";
import { buffersBounded } from "./buffers.js";
import type { World } from "./property.js";

const world = (heldRealtime: number, heldRealtimeStreamMax: number): World => ({
  nodes: [],
  oracle: new Oracle(),
  bufferPeaks: new Map([
    ["heldRealtime", heldRealtime],
    ["heldRealtimeStreamMax", heldRealtimeStreamMax],
  ]),
  pendingBufferMax: 10_000,
  allOriginsLive: true,
});

describe("buffers-bounded", () => {
  test("held-realtime-across-streams-may-pass-the-per-stream-bound: 12,912 over two streams is within bounds", () => {
    expect(buffersBounded.check(world(12_912, 6_456))).toBe(undefined);
    expect(buffersBounded.check(world(20_000, 10_000))).toBe(undefined);
  });

  test("one stream holding more than the per-stream bound fails", () => {
    const f = buffersBounded.check(world(10_001, 10_001));
    expect(f?.property).toBe("buffers-bounded");
    expect(f?.detail).toContain("one stream peaked at 10001 > bound 10000 per stream");
  });

  const bytes = (
    peaks: Record<string, number>,
    realtimeBounds?: World["realtimeBounds"],
  ): World => ({
    ...world(0, 0),
    bufferPeaks: new Map(Object.entries(peaks)),
    ...(realtimeBounds === undefined ? {} : { realtimeBounds }),
  });

  test("realtime bytes held past the per-peer bound fail when one device pushes", () => {
    const b = { heldRealtimeBytesPerPeer: 1_000, heldRealtimeBytes: 1_000_000, pushers: 1 };
    expect(buffersBounded.check(bytes({ heldRealtimeBytes: 1_000 }, b))).toBe(undefined);
    const f = buffersBounded.check(bytes({ heldRealtimeBytes: 1_001 }, b));
    expect(f?.detail).toContain("peaked at 1001 > bound 1000 (1 pusher(s) × 1000 per peer)");
  });

  test("realtime bytes held past the bound over all peers fail", () => {
    const b = { heldRealtimeBytesPerPeer: 1_000, heldRealtimeBytes: 1_500, pushers: 2 };
    expect(buffersBounded.check(bytes({ heldRealtimeBytes: 1_500 }, b))).toBe(undefined);
    expect(buffersBounded.check(bytes({ heldRealtimeBytes: 1_501 }, b))?.detail).toContain(
      "> bound 1500 (over all peers)",
    );
  });

  test("realtime gauges that disagree fail, a NaN among them too", () => {
    expect(buffersBounded.check(bytes({ realtimeGaugeDrift: 1 }))?.detail).toContain("disagreed");
    expect(buffersBounded.check(bytes({ realtimeGaugeDrift: Number.NaN }))?.detail).toContain(
      "disagreed",
    );
  });
});
