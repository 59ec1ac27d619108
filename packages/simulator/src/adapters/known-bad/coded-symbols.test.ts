// Planted slips in coded symbols (PROTOCOL §7.9), injected by this test
// through module mocks of the engine's riblt modules (never a switch in
// the engine): every index one past the text's mapping (§7.9.2), and a
// decoder that succeeds only once it holds twice the symbols it needs
// (§7.9.4), an initiator that gives up after its first batch, and a
// responder that sizes a batch for four times the difference it estimated.
// Both ends share a slip, so their symbols still agree, and a decoder that
// fails falls back to range rounds: the runs converge. Only
// coded-symbols-at-rest, coded-symbols-on-the-wire and coded-symbols-cost,
// judging the wire against the simulator's spec model, see them. The real
// modules pass the same scenarios.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Mapping = { hi: number; lo: number; index: number };

type Slip = "none" | "index-off-by-one" | "late-decode" | "give-up-at-once" | "batch-too-large";
const planted = vi.hoisted(() => ({ slip: "none" as Slip }));
type Decoder = { received: number; decode(): unknown };
type DecoderClass = new (...args: never[]) => Decoder;

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

vi.mock("../../../../engine/src/reconcile/riblt/decoder.ts", async (original) => {
  const real = (await original()) as { RibltDecoder: DecoderClass };
  class LateDecoder extends real.RibltDecoder {
    /** Symbols held when a decode first succeeded. */
    private firstAt: number | undefined;
    override decode(): unknown {
      const out = super.decode();
      if (planted.slip !== "late-decode" || out === undefined) return out;
      this.firstAt ??= this.received;
      return this.received >= 2 * this.firstAt ? out : undefined;
    }
  }
  return { ...real, RibltDecoder: LateDecoder };
});

vi.mock("../../../../engine/src/reconcile/riblt/policy.ts", async (original) => {
  const real = (await original()) as {
    giveUpAfter: (own: number, theirs: number) => number;
    firstBatch: (est: number) => number;
  };
  return {
    ...real,
    giveUpAfter: (own: number, theirs: number): number =>
      planted.slip === "give-up-at-once" ? 0 : real.giveUpAfter(own, theirs),
    firstBatch: (est: number): number =>
      real.firstBatch(planted.slip === "batch-too-large" ? 4 * est : est),
  };
});

async function run(slip: Slip, scenario = "late-joiner") {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, scenario, { seed: 3, scale: 0.003 });
}

describe("coded symbols an honest responder must not send", () => {
  test("the engine's own symbols are the spec's in late-joiner", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("the engine's own exchanges are the spec's in silent-row-loss", async () => {
    const r = await run("none", "silent-row-loss");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("a decoder that asks for more once the symbols decode fails coded-symbols-on-the-wire", async () => {
    const r = await run("late-decode", "silent-row-loss");
    expect(r.failure?.property).toBe("coded-symbols-on-the-wire");
  }, 120_000);

  test("an initiator that gives up after one batch fails coded-symbols-cost", async () => {
    const r = await run("give-up-at-once", "silent-row-loss");
    expect(r.failure?.property).toBe("coded-symbols-cost");
  }, 120_000);

  test("a batch sized for four times the estimate fails coded-symbols-cost", async () => {
    const r = await run("batch-too-large", "silent-row-loss-wide");
    expect(r.failure?.property).toBe("coded-symbols-cost");
  }, 120_000);

  test("indices one past the mapping's fail coded-symbols-at-rest", async () => {
    const r = await run("index-off-by-one");
    expect(r.failure?.property).toBe("coded-symbols-at-rest");
  }, 120_000);
});
