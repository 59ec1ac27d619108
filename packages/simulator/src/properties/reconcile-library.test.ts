// reconcile-library-exact: the reference library passes on a stream-like
// set at every judged limit and seq range, and refuses every malformed
// message; a run whose outcome is off is named.
import { idToHex } from "@tidemark/engine";
import { describe, expect, test } from "vitest";
import { engineReconcileLibrary as lib } from "../adapters/reconcile-library.js";
import { judgeRefusal, judgeRun, LIMITS, madeDifference } from "./reconcile-library.js";
import { malformedQuestions } from "./reconcile-refusals.js";
import type { Item } from "./reconcile-rest.js";

/** `n` items with spread ids (below the refusal questions' 0x80 made-up ids) and seqs 1..n. */
function items(n: number): Item[] {
  const out: Item[] = [];
  for (let k = 0; k < n; k++) {
    const id = new Uint8Array(16);
    id[0] = Math.floor((k * 0x7f) / n);
    id[1] = (k * 37) & 0xff;
    id[15] = k & 0xff;
    out.push({ id, hex: idToHex(id), seq: BigInt(k + 1) });
  }
  return out.sort((a, b) => (a.hex < b.hex ? -1 : 1));
}

describe("reconcile-library-exact", () => {
  test.each([0n, 1n << 63n])("the reference library passes at every limit (lift %s)", (lift) => {
    const c = madeDifference(items(200), lift);
    expect(c.need.length).toBeGreaterThan(40);
    expect(c.have.length).toBeGreaterThan(20);
    for (const limits of LIMITS) expect(judgeRun(lib, c, limits)).toBeUndefined();
  });

  test("every malformed message is refused by the library responder", () => {
    const set = items(40);
    for (const q of malformedQuestions(set).filter((m) => !m.validatorOnly))
      expect(judgeRefusal(lib, set, q)).toBeUndefined();
  });

  test("a made difference the run cannot find is named", () => {
    const c = madeDifference(items(100), 0n);
    const wrong = { ...c, need: c.need.slice(1) };
    expect(judgeRun(lib, wrong, LIMITS[0] as (typeof LIMITS)[0])).toMatch(/^need \d+ \/ have/);
  });
});
