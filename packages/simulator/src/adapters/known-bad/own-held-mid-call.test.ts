// The slip BF-20 fixed, planted again by this test through a module mock
// (never a switch in the engine): a stream no longer served under a call
// that already sent pages of it (an origin's own stream whose new writes
// went unconfirmed mid-call) answered with a NOT_HELD page instead of
// failing the call. The caller copes (it keeps its pages and does not
// finish), so only honest-answers, which judges every call's pages, sees it.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shapes (a type import would pull engine sources into this program).
type Page = { streamDone: boolean; status: number; changes: unknown[] };
type ServePage = (
  table: unknown,
  buffer: unknown,
  stream: unknown,
  st: { cursor?: bigint } | undefined,
  afterSeq: bigint | undefined,
  limits: unknown,
  continued?: boolean,
) => Page;

const planted = vi.hoisted(() => ({ slip: false }));

vi.mock("../../../../engine/src/store/serve.ts", async (original) => {
  const real = (await original()) as {
    servePage: ServePage;
    notHeldPage: (stream: unknown) => Page;
  };
  return {
    ...real,
    servePage: (...args: Parameters<ServePage>): Page => {
      const [, , stream, st, , , continued] = args;
      if (planted.slip && continued === true && (st === undefined || st.cursor === undefined))
        return real.notHeldPage(stream);
      return real.servePage(...args);
    },
  };
});

async function run(slip: boolean) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "pairing-mid-backfill-moves", { seed: 1 });
}

describe("a stream no longer served mid-call", () => {
  test("the engine fails the call: every answer keeps the rules", async () => {
    const r = await run(false);
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("a NOT_HELD page after the stream's earlier pages fails honest-answers", async () => {
    const r = await run(true);
    expect(r.failure?.property).toBe("honest-answers");
    expect(r.failure?.detail).toContain("NOT_HELD after the stream's earlier pages");
    expect(r.failure?.detail).toContain("BF-20");
  }, 120_000);
});
