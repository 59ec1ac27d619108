import { create } from "@bufbuild/protobuf";
import { Resource, type StreamWatermark, StreamWatermarkSchema } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "./ids.js";
import { WatermarkWindow } from "./watermark-window.js";

const SELF = "aa".repeat(16);

function wm(origin: string, resource: Resource): StreamWatermark {
  return create(StreamWatermarkSchema, {
    stream: { origin: fromHex(origin), resource },
    cursor: 1n,
    liveCount: 1n,
    fingerprint: new Uint8Array(16).fill(1),
  });
}

const key = (w: StreamWatermark) =>
  `${toHex(w.stream?.origin ?? new Uint8Array())}/${w.stream?.resource}`;

describe("WatermarkWindow", () => {
  const own = [wm(SELF, Resource.DEVICE), wm(SELF, Resource.ENTRY)];
  const others = Array.from({ length: 25 }, (_, i) =>
    wm(i.toString(16).padStart(32, "0"), Resource.ENTRY),
  );
  const all = [...own, ...others];

  test("passes a list within the limit through", () => {
    const w = new WatermarkWindow(SELF, 100);
    expect(w.select("p", all)).toEqual({ watermarks: all, truncated: 0 });
  });

  test("never exceeds the limit, always lists own streams, and covers every stream in turn", () => {
    const w = new WatermarkWindow(SELF, 10);
    const seen = new Set<string>();
    for (let i = 0; i < Math.ceil(25 / 8); i++) {
      const { watermarks, truncated } = w.select("p", all);
      expect(watermarks.length).toBe(10);
      expect(truncated).toBe(all.length - 10);
      for (const o of own) expect(watermarks).toContain(o);
      // Order kept (FK order as the store gives it) and each stream once.
      expect(new Set(watermarks.map(key)).size).toBe(10);
      for (const x of watermarks) seen.add(key(x));
    }
    expect(seen.size).toBe(all.length);
  });

  test("keeps one window per peer", () => {
    const w = new WatermarkWindow(SELF, 10);
    const first = w.select("p", all).watermarks.map(key);
    expect(w.select("q", all).watermarks.map(key)).toEqual(first);
    expect(w.select("p", all).watermarks.map(key)).not.toEqual(first);
  });
});
