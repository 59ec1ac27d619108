// A planted slip in the coded-symbol index mapping (PROTOCOL §7.9.2),
// injected by this test through a module mock of the engine's mapping
// (never a switch in the engine): every index one past the text's. Both
// ends of every simulated exchange share the slip, so their symbols still
// agree and the run converges: only coded-symbols-at-rest, judging the
// answers against the simulator's spec model, sees it. The real mapping
// passes the same scenario.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Mapping = { hi: number; lo: number; index: number };

const planted = vi.hoisted(() => ({ slip: "none" as "none" | "index-off-by-one" }));

vi.mock("../../../../engine/src/reconcile/riblt/mapping.ts", async (original) => {
  const real = (await original()) as { nextIndex: (m: Mapping) => void };
  return {
    ...real,
    nextIndex: (m: Mapping): void => {
      real.nextIndex(m);
      if (planted.slip === "index-off-by-one" && m.index < 2 ** 32 - 1) m.index += 1;
    },
  };
});

async function run(slip: typeof planted.slip) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "late-joiner", { seed: 3, scale: 0.003 });
}

describe("coded symbols an honest responder must not send", () => {
  test("the engine's own symbols are the spec's in late-joiner", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("indices one past the mapping's fail coded-symbols-at-rest", async () => {
    const r = await run("index-off-by-one");
    expect(r.failure?.property).toBe("coded-symbols-at-rest");
  }, 120_000);
});
