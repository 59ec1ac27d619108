// A planted slip in how recovery remembers reconciles (sync/recovery.ts),
// injected by this test through a module mock (never a switch in the
// engine): a reconcile that failed part-way is still remembered as run for
// those states, so the same states are never reconciled again and rows only
// a reconcile finds stay lost. reconcile-retry times reconciles out under
// loss; the real engine retries them after its backoff and converges.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shape (a type import would pull engine sources into this program).
type RecoveryClass = new (...args: never[]) => object;

const planted = vi.hoisted(() => ({ slip: false }));

vi.mock("../../../../engine/src/sync/recovery.ts", async (original) => {
  const real = (await original()) as { Recovery: RecoveryClass };
  class Slipped extends real.Recovery {
    constructor(...args: never[]) {
      super(...args);
      // The memo of reconciles run: a failed run's entry is never forgotten.
      const memo = (this as unknown as { reconciled: Map<string, unknown> }).reconciled;
      const forget = memo.delete.bind(memo);
      memo.delete = (key: string) => (planted.slip ? false : forget(key));
    }
  }
  return { ...real, Recovery: Slipped };
});

async function run(slip: boolean) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "reconcile-retry", { seed: 3, scale: 0.003 });
}

describe("a reconcile that failed part-way is retried", () => {
  test("the engine's own recovery repairs rows only a reconcile finds after reconciles time out", async () => {
    const r = await run(false);
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("remembering a failed reconcile as run leaves the rows lost", async () => {
    const r = await run(true);
    expect(r.failure?.property).toMatch(/cursors-contiguous|converged|liveness/);
  }, 120_000);
});
