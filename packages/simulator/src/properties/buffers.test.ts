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
});
