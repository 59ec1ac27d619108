// A pull cut for good part-way (its only source left) when no other device
// holds as much as it applied (PROTOCOL.md §3.5 CU-5): the random soak seed
// 2079928142 (README, issue 11 sweeps), reduced to three devices.
import { type BackfillResponse, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

const PAGES_BEFORE_CUT = 6;

/**
 * Origin d0 indexes 200 entries, relay d2 syncs them; d0 indexes 400 more
 * (`thenOnOrigin` runs then) away from d2. Joiner d1 pulls from d0 alone:
 * after PAGES_BEFORE_CUT entry pages of 50 d0's answers stop and d0 leaves
 * for good. Then d1 meets d2, which holds 200.
 */
async function originLeavesMidPull(seed: number, thenOnOrigin: (ix: TreeIndexer) => void) {
  const c = cluster({
    seed,
    config: { pageMaxChanges: 50, requestTimeoutMs: 2_000 },
    watchInvariant: true,
  });
  const [O, J] = [c.id(0), c.id(1)];
  const entries = { origin: O, resource: Resource.ENTRY };
  await c.open(0);
  await c.open(2);
  const ix = new TreeIndexer(c, 0);
  ix.init();
  ix.index(199);
  c.connect(0, 2);
  await c.settle();
  c.disconnect(0, 2);
  ix.index(400);
  thenOnOrigin(ix);
  await c.open(1);
  let pages = 0;
  const applied: bigint[] = [];
  c.policy = (m) => {
    if (m.method !== "backfill" || m.kind !== "response" || m.to !== J) return undefined;
    const page = m.message as BackfillResponse;
    if (page.stream?.resource !== Resource.ENTRY) return undefined;
    if (++pages > PAGES_BEFORE_CUT) return { drop: true };
    applied.push(...page.changes.map((x) => x.seq));
    return undefined;
  };
  c.connect(0, 1);
  for (let i = 0; i < 200 && pages <= PAGES_BEFORE_CUT; i++) await c.run(20);
  expect(pages).toBeGreaterThan(PAGES_BEFORE_CUT);
  c.crash(0);
  c.policy = undefined;
  await c.run(10_000);
  c.connect(1, 2);
  await c.settle();
  await c.run(130_000);
  await c.settle();
  return { c, entries, applied };
}

const stateOf = (c: TestCluster, i: number, s: { origin: string; resource: Resource }) =>
  c.get(i).store.streamState(s);

describe("a pull whose source left", { timeout: 120_000 }, () => {
  test("a-pull-whose-origin-left-after-the-puller-applied-pages-past-every-remaining-source-finishes-and-serves-them", async () => {
    // Before: d1 stayed `pulling` with no cursor for good (no source holds
    // its 300 applied seqs: CU-5), serving none of them; d2 stayed at 200.
    const { c, entries, applied } = await originLeavesMidPull(31, () => undefined);
    const top = applied.at(-1) as bigint;
    expect(top).toBe(300n);
    const joiner = stateOf(c, 1, entries);
    expect(joiner?.pulling).toBe(false);
    expect(joiner?.cursor).toBe(top);
    // The relay, behind, pulled the rest from the joiner: both hold d0's 300.
    const relay = stateOf(c, 2, entries);
    expect(relay?.cursor).toBe(top);
    expect(relay?.fingerprint).toEqual(joiner?.fingerprint);
    expect((await c.convergence([1, 2])).problems).toEqual([]);
    expect(c.invariantViolations).toEqual([]);
    c.close();
  });

  test("a-cut-pull-whose-pages-skipped-a-seq-takes-no-cursor-over-the-hole", async () => {
    // Renamed files leave holes at their old seqs: the joiner never received
    // those seqs, so no cursor may cover them (the version as of such a seq
    // may be one it never got). It keeps waiting for a source, as before.
    const { c, entries, applied } = await originLeavesMidPull(32, (ix) => ix.rename(40));
    // A cursor over the holes fails this: cursors-contiguous, rows missing.
    expect(c.invariantViolations).toEqual([]);
    const top = applied.at(-1) as bigint;
    const missing = top - BigInt(applied.length);
    expect(missing).toBeGreaterThan(0n);
    const joiner = stateOf(c, 1, entries);
    expect(joiner?.pulling).toBe(true);
    expect(joiner?.maxAppliedSeq).toBe(top);
    expect(joiner?.cursor === undefined || joiner.cursor < top).toBe(true);
    expect(stateOf(c, 2, entries)?.cursor).toBe(200n);
    c.close();
  });
});
