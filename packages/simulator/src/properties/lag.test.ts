// lag-at-rest and lag-while-behind judge the exported tidemark_lag_seqs
// gauges: one per stream, 0 for a stream held at its head, at least 1 for
// a stream behind its live origin; an implementation exporting none is not
// judged.
import { describe, expect, test } from "vitest";
import type { Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { type LagNode, lagAtRest, lagWhileBehind } from "./lag.js";

const A = "aa".repeat(16);
const B = "bb".repeat(16);
const KEY = `${A}/4`;

const mark = (origin: string, cursor: bigint | undefined): Watermark =>
  watermarkStub(origin, cursor);

function node(index: number, marks: Watermark[], metrics: Record<string, number>): LagNode {
  return { index, replica: { probe: { metrics: () => metrics, watermarks: () => marks } } };
}

const gauge = (device: string, stream: string) =>
  `tidemark_lag_seqs{device="${device}",stream="${stream}"}`;
const oracle = { head: (key: string) => (key === KEY ? 10n : undefined) };

describe("lag-at-rest", () => {
  test("a stream at its head with its own gauge at 0 passes; no gauges at all is not judged", async () => {
    expect(await lagAtRest([node(1, [mark(A, 10n)], { [gauge(B, KEY)]: 0 })], oracle, false)).toBe(
      undefined,
    );
    expect(await lagAtRest([node(1, [mark(A, 10n)], {})], oracle, false)).toBeUndefined();
  });

  test("a gauge left high, a stream with no gauge and a series naming no stream fail", async () => {
    const high = await lagAtRest([node(1, [mark(A, 10n)], { [gauge(B, KEY)]: 3 })], oracle, false);
    expect(high?.detail).toContain("3 seqs behind");
    const none = await lagAtRest(
      [node(1, [mark(A, 10n)], { [gauge(B, `${A}/5`)]: 0 })],
      oracle,
      false,
    );
    expect(none?.detail).toContain("exports no lag");
    const unlabelled = await lagAtRest(
      [node(1, [mark(A, 10n)], { [`tidemark_lag_seqs{device="${B}"}`]: 0 })],
      oracle,
      false,
    );
    expect(unlabelled?.detail).toContain("naming no stream");
  });

  test("a stream below the head, or a liar gone, is not judged", async () => {
    const behind = node(1, [mark(A, 7n)], { [gauge(B, KEY)]: 3 });
    expect(await lagAtRest([behind], oracle, false)).toBeUndefined();
    const high = node(1, [mark(A, 10n)], { [gauge(B, KEY)]: 1_000 });
    expect(await lagAtRest([high], oracle, true)).toBeUndefined();
  });
});

describe("lag-while-behind", () => {
  const all = () => true;
  const views = (mine: Watermark[]) => [
    { index: 0, deviceId: A, watermarks: [mark(A, 10n)] },
    { index: 1, deviceId: B, watermarks: mine },
  ];

  test("a stream behind its live origin, or missing, must show a lag", async () => {
    const ok = node(1, [mark(A, 7n)], { [gauge(B, KEY)]: 3 });
    expect(await lagWhileBehind([ok], views([mark(A, 7n)]), all)).toBeUndefined();
    const zero = node(1, [mark(A, 7n)], { [gauge(B, KEY)]: 0 });
    expect((await lagWhileBehind([zero], views([mark(A, 7n)]), all))?.property).toBe(
      "lag-while-behind",
    );
    const missing = node(1, [], { [gauge(B, `${B}/4`)]: 0 });
    expect((await lagWhileBehind([missing], views([]), all))?.detail).toContain("no cursor");
  });

  test("a stream at its head, or behind an origin it has no link to, needs no lag", async () => {
    const atHead = node(1, [mark(A, 10n)], { [gauge(B, KEY)]: 0 });
    expect(await lagWhileBehind([atHead], views([mark(A, 10n)]), all)).toBeUndefined();
    const relayed = node(1, [mark(A, 7n)], { [gauge(B, KEY)]: 0 });
    expect(await lagWhileBehind([relayed], views([mark(A, 7n)]), () => false)).toBeUndefined();
  });
});
