// records-counted judges the received-changes counters against the entries
// a device that never restarted holds of other origins' streams.
import { describe, expect, test } from "vitest";
import type { RowVersion, Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { type CountedNode, recordsCounted } from "./records-counted.js";

const A = "aa".repeat(16);
const B = "bb".repeat(16);
const KEY = `${A}/4`;

const mark = (origin: string): Watermark => watermarkStub(origin, 3n, { liveCount: 3n });

function node(starts: number, metrics: Record<string, number>): CountedNode {
  const rows = [{}, {}, {}] as unknown as RowVersion[];
  return {
    index: 1,
    deviceId: B,
    starts,
    replica: {
      probe: { metrics: () => metrics, watermarks: () => [mark(A), mark(B)], entries: () => rows },
    },
  };
}

const recordsIn = (n: number) => ({
  [`tidemark_records_in_total{peer="${A}",stream="${KEY}"}`]: n,
});

describe("records-counted", () => {
  test("received plus fetched parents covering the entries passes; own streams are not judged", async () => {
    const fetched = { [`tidemark_parents_fetched_total{peer="${A}",stream="${KEY}"}`]: 1 };
    expect(await recordsCounted([node(1, { ...recordsIn(2), ...fetched })])).toBeUndefined();
  });

  test("fewer counted than held fails on a device that never restarted", async () => {
    const f = await recordsCounted([node(1, recordsIn(2))]);
    expect(f?.detail).toContain("holds 3 entries");
  });

  test("a restarted device, or one exporting neither counter, is not judged", async () => {
    expect(await recordsCounted([node(2, recordsIn(0))])).toBeUndefined();
    expect(await recordsCounted([node(1, {})])).toBeUndefined();
  });
});
