// Planted slips in the engine's Backfill pages, injected by this test
// through a module mock (never a switch in the engine): a page with more to
// come claiming complete_through at the responder's cursor instead of its
// last change (over-claiming, BF-8), and one change more than the request
// allows. The caller copes with both (it moves its cursor only on the last
// page; it rejects the long page and pulls again), so the run converges:
// only honest-answers, which judges every page on the wire, sees them.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shapes (a type import would pull engine sources into this program).
type Page = { streamDone: boolean; completeThrough?: bigint; changes: unknown[] };
type Limits = { maxChanges: number; maxBytes: number };
type ServePage = (
  table: unknown,
  buffer: unknown,
  stream: unknown,
  st: { cursor?: bigint } | undefined,
  afterSeq: bigint | undefined,
  limits: Limits,
  continued?: boolean,
) => Page;

const planted = vi.hoisted(() => ({ slip: "none" as "none" | "over-claim" | "long-page" }));

vi.mock("../../../../engine/src/store/serve.ts", async (original) => {
  const real = (await original()) as { servePage: ServePage };
  return {
    ...real,
    servePage: (...args: Parameters<ServePage>): Page => {
      const [table, buffer, stream, st, afterSeq, limits, continued] = args;
      if (planted.slip === "long-page") {
        const more = { ...limits, maxChanges: limits.maxChanges + 1, maxBytes: 0 };
        return real.servePage(table, buffer, stream, st, afterSeq, more, continued);
      }
      const page = real.servePage(...args);
      if (planted.slip === "over-claim" && !page.streamDone && st?.cursor !== undefined)
        page.completeThrough = st.cursor;
      return page;
    },
  };
});

async function run(slip: typeof planted.slip) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "dependency-rows", { seed: 3, scale: 0.003 });
}

describe("Backfill pages an honest responder must not send", () => {
  test("the engine's own pages keep every rule in dependency-rows", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("a page claiming past what it delivered fails honest-answers", async () => {
    const r = await run("over-claim");
    expect(r.failure?.property).toBe("honest-answers");
    expect(r.failure?.detail).toContain("BF-8");
  }, 120_000);

  test("a page longer than the request allows fails honest-answers", async () => {
    const r = await run("long-page");
    expect(r.failure?.property).toBe("honest-answers");
    expect(r.failure?.detail).toContain("PAGE_TOO_LARGE");
  }, 120_000);
});
