// Planted slips in what a relay serves, injected by this test through a
// module mock (never a switch in the engine), run in late-location-relay
// (the relay holds a new location's entries below its cursor while a
// joiner pulls from it in pages cut by count and by bytes):
// - the held changes left out of its pages (the page merge dropped, as
//   bug 10 dropped table rows): the joiner's cursor covers rows it never
//   got — cursors-contiguous;
// - pages of one change where the byte budget holds two or three: the
//   run converges, only full-pages sees the extra round trips.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shapes (a type import would pull engine sources into this program).
type Buffer = { ofStream(key: string): unknown[] };
type Limits = { maxChanges: number; maxBytes: number };
type ServePage = (
  table: unknown,
  buffer: Buffer,
  stream: unknown,
  st: unknown,
  afterSeq: bigint | undefined,
  limits: Limits,
  continued?: boolean,
) => unknown;

const planted = vi.hoisted(() => ({ slip: "none" as "none" | "held-hidden" | "one-a-page" }));

/** The buffer as a page sees it with nothing held. */
function hidingHeld(buffer: Buffer): Buffer {
  return new Proxy(buffer, {
    get(target, key) {
      if (key === "ofStream") return () => [];
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

vi.mock("../../../../engine/src/store/serve.ts", async (original) => {
  const real = (await original()) as { servePage: ServePage };
  return {
    ...real,
    servePage: (...args: Parameters<ServePage>) => {
      const [table, buffer, stream, st, afterSeq, limits, continued] = args;
      if (planted.slip === "held-hidden")
        return real.servePage(table, hidingHeld(buffer), stream, st, afterSeq, limits, continued);
      if (planted.slip === "one-a-page")
        return real.servePage(
          table,
          buffer,
          stream,
          st,
          afterSeq,
          { ...limits, maxBytes: 1 },
          continued,
        );
      return real.servePage(...args);
    },
  };
});

async function run(slip: typeof planted.slip) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "late-location-relay", { seed: 3, scale: 0.003 });
}

describe("a relay's pages while it holds changes below its cursor", () => {
  test("the engine's own pages pass late-location-relay", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("held changes left out of a relay's pages fail cursors-contiguous", async () => {
    const r = await run("held-hidden");
    expect(r.failure?.property).toBe("cursors-contiguous");
  }, 120_000);

  test("pages of one change under a byte budget for more fail full-pages", async () => {
    const r = await run("one-a-page");
    expect(r.failure?.property).toBe("full-pages");
  }, 120_000);
});
