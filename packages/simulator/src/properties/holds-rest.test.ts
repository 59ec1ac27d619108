// holds-cleared-at-rest judges the exported tidemark_hlc_ahead_ms gauges:
// a stream held at its head must not still read as held back.
import { describe, expect, test } from "vitest";
import type { Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { holdsClearedAtRest } from "./holds-rest.js";
import type { LagNode } from "./lag.js";

const A = "aa".repeat(16);
const KEY = `${A}/4`;
const GAUGE = `tidemark_hlc_ahead_ms{stream="${KEY}"}`;

const mark = (cursor: bigint): Watermark => watermarkStub(A, cursor);

function node(cursor: bigint, metrics: Record<string, number>): LagNode {
  return {
    index: 1,
    replica: { probe: { metrics: () => metrics, watermarks: () => [mark(cursor)] } },
  };
}

const oracle = { head: (key: string) => (key === KEY ? 10n : undefined) };

describe("holds-cleared-at-rest", () => {
  test("a hold cleared (gauge 0) or never set passes", async () => {
    expect(await holdsClearedAtRest([node(10n, { [GAUGE]: 0 })], oracle)).toBeUndefined();
    expect(await holdsClearedAtRest([node(10n, {})], oracle)).toBeUndefined();
  });

  test("a stream at its head still reported held fails", async () => {
    const f = await holdsClearedAtRest([node(10n, { [GAUGE]: 600_000 })], oracle);
    expect(f?.property).toBe("holds-cleared-at-rest");
    expect(f?.detail).toContain("600000 ms ahead");
  });

  test("a stream still below its head may be held", async () => {
    expect(await holdsClearedAtRest([node(7n, { [GAUGE]: 600_000 })], oracle)).toBeUndefined();
  });
});
