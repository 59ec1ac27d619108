// Own commits after an open wait for every *paired* peer (PROTOCOL §3.7):
// what the status says while they wait, and that removing a lost device's
// pairing lets them go.
import { type BackfillResponse, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

/**
 * Connects origin 0 and joiner 1, lets `keep` of the joiner's entry pages
 * through and drops the rest (the policy stays), until one was dropped: the
 * joiner's pull is cut. `deafOrigin`: the origin hears no exchange meanwhile.
 */
async function cutJoinerPull(
  c: ReturnType<typeof cluster>,
  keep: number,
  deafOrigin = false,
): Promise<void> {
  const [O, J] = [c.id(0), c.id(1)];
  let pages = 0;
  c.policy = (m) => {
    if (deafOrigin && m.method === "exchangeWatermarks" && m.to === O) return { drop: true };
    if (m.method !== "backfill" || m.kind !== "response" || m.to !== J) return undefined;
    const page = m.message as BackfillResponse;
    if (page.stream?.resource !== Resource.ENTRY) return undefined;
    return ++pages > keep ? { drop: true } : undefined;
  };
  c.connect(0, 1);
  for (let i = 0; i < 200 && pages <= keep; i++) await c.run(20);
  expect(pages).toBeGreaterThan(keep);
}

describe("own commits wait for paired peers", { timeout: 60_000 }, () => {
  test("own-writes-held-by-a-lost-peer: status names the peer, and removing its pairing unblocks", async () => {
    const c = cluster({ seed: 81 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    await c.open(1);
    await c.open(2);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(20);
    c.connectAll();
    await c.settle();
    // A restarts (paired with B and C); then B is gone for good (lost).
    c.crash(0);
    const a = await c.open(0);
    c.crash(1);
    c.connect(0, 2);
    const more = new TreeIndexer(c, 0);
    more.init("after-restart");
    more.index(10);
    await c.settle();
    const own = a.status().own;
    expect(own.confirmed).toBe(false);
    expect(own.unconfirmedSeqs).toBeGreaterThan(0n);
    expect(own.waits).toEqual([{ peer: B, reason: "not-heard-from" }]);
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a.store.streamState(entries)?.headSeq as bigint;
    expect(c.get(2).store.streamState(entries)?.cursor).toBeLessThan(head);
    // The user removes the lost device: A confirms at once and C gets the writes.
    a.removePeer(B);
    expect(a.status().own).toMatchObject({ confirmed: true, waits: [], unconfirmedSeqs: 0n });
    await c.settle();
    expect(c.get(2).store.streamState(entries)?.cursor).toBe(head);
    expect((await c.convergence([0, 2])).problems).toEqual([]);
    c.close();
  });

  test("own-confirm-ignores-a-peer-of-another-library: a paired device of another library never holds own commits back", async () => {
    const c = cluster({ seed: 83 });
    const [A, B] = [c.id(0), c.id(1)];
    const a = await c.open(0);
    // B was paired by mistake: it holds another library.
    await c.open(1, { libraryId: "0190ffff000070008000000000000009" });
    new TreeIndexer(c, 0).init();
    c.connectAll();
    await c.settle();
    expect(a.status().peers.find((p) => p.peer === B)?.state).toBe("failed");
    expect(a.status().own).toMatchObject({ confirmed: true, waits: [], unconfirmedSeqs: 0n });
    const entries = { origin: A, resource: Resource.ENTRY };
    const st = a.store.streamState(entries);
    expect(st?.cursor).toBe(st?.headSeq);
    c.close();
  });

  test("a device paired only with some peers confirms once those answered", async () => {
    // A line: A - B - C. A is paired with B only (a phone that only meets
    // the laptop); C never meets A. A's writes after a restart confirm once
    // B answered, and reach C through B.
    const c = cluster({ seed: 82 });
    const A = c.id(0);
    const C = c.id(2);
    await c.open(0);
    await c.open(1);
    await c.open(2);
    c.get(0).removePeer(C);
    c.get(2).removePeer(A);
    c.connect(0, 1);
    c.connect(1, 2);
    await c.settle();
    c.crash(0);
    const a = await c.open(0);
    a.removePeer(C);
    c.get(2).removePeer(A);
    c.connect(0, 1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(15);
    await c.settle();
    expect(a.status().own).toMatchObject({ confirmed: true, waits: [] });
    // C learns of them from B at its next periodic exchange.
    await c.run(120_000);
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    expect(c.get(2).store.streamState(entries)?.cursor).toBe(a.store.streamState(entries)?.cursor);
    c.close();
  });
});

describe("own commits and a peer mid-pull of an own stream", { timeout: 120_000 }, () => {
  test("an-origin-confirming-its-own-stream-does-not-wait-for-a-peer-stuck-pulling-it", async () => {
    // Simulator property scenario #13 (seed 20251116) reduced: the joiner's
    // pull of the origin's entries is cut after one page with holes (renamed
    // files), so it cannot end gap-free; the origin, restarted, then writes
    // to that stream. Before: the origin waited for the joiner to stop
    // pulling (rule 2c) and listed the stream with no cursor, so the joiner
    // never resumed: both waited for good.
    const c = cluster({ seed: 84, config: { pageMaxChanges: 50, requestTimeoutMs: 2_000 } });
    const O = c.id(0);
    const entries = { origin: O, resource: Resource.ENTRY };
    await c.open(0);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(199);
    ix.rename(60);
    c.crash(0);
    const o = await c.open(0);
    await c.open(1);
    // The origin hears nothing from the joiner until its pull is cut; the
    // joiner learns the origin's watermarks from the origin's exchanges.
    await cutJoinerPull(c, 1, true);
    const more = new TreeIndexer(c, 0);
    more.init("after-restart");
    more.index(10);
    ix.rename(3);
    await c.run(5_000);
    const cut = c.get(1).store.streamState(entries);
    expect(cut?.pulling).toBe(true);
    expect(cut?.cursor).toBeUndefined();
    expect(o.status().own.confirmed).toBe(false);
    c.policy = undefined;
    await c.settle();
    await c.run(30_000);
    await c.settle();
    expect(o.status().own).toMatchObject({ confirmed: true, waits: [], unconfirmedSeqs: 0n });
    const head = o.store.streamState(entries)?.headSeq;
    expect(c.get(1).store.streamState(entries)).toMatchObject({ pulling: false, cursor: head });
    expect((await c.convergence([0, 1])).problems).toEqual([]);
    c.close();
  });

  test("a-peer-stuck-pulling-an-origin-that-restarted-and-wrote-probes-it-and-both-finish", async () => {
    // The restart form of the deadlock above: the joiner's pull is cut by
    // the origin's previous incarnation; the origin restarts and writes
    // before the joiner asks again, so the new incarnation never saw a
    // Backfill from it. Before: the origin waited on the "pulling" joiner
    // and listed no cursor, the joiner never asked: both for good. Now the
    // joiner probes the origin (a Backfill after all it applied) and rule
    // 2c applies to the new incarnation (PROTOCOL §3.7 OR-5).
    const c = cluster({
      seed: 86,
      config: { pageMaxChanges: 50, requestTimeoutMs: 2_000 },
      watchInvariant: true,
    });
    const O = c.id(0);
    const entries = { origin: O, resource: Resource.ENTRY };
    await c.open(0);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(199);
    ix.rename(60);
    await c.open(1);
    await cutJoinerPull(c, 1);
    // The origin restarts (same data, not a restore) and writes at once.
    c.crash(0);
    c.policy = undefined;
    await c.run(5_000);
    const cut = c.get(1).store.streamState(entries);
    expect(cut?.pulling).toBe(true);
    expect(cut?.cursor).toBeUndefined();
    const o = await c.open(0);
    const more = new TreeIndexer(c, 0);
    more.init("after-restart");
    more.index(10);
    expect(o.status().own.confirmed).toBe(false);
    c.connect(0, 1);
    await c.settle();
    await c.run(30_000);
    await c.settle();
    expect(o.status().own).toMatchObject({ confirmed: true, waits: [], unconfirmedSeqs: 0n });
    // The probe asked after every seq the joiner applied, not its resume point.
    const probes = c.logs.find("origin-probed", { peer: O, stream: `${O}/${Resource.ENTRY}` });
    expect(probes.length).toBeGreaterThan(0);
    expect(probes[0]?.fields.afterSeq).toBe(Number(cut?.maxAppliedSeq));
    const head = o.store.streamState(entries)?.headSeq;
    expect(c.get(1).store.streamState(entries)).toMatchObject({ pulling: false, cursor: head });
    expect((await c.convergence([0, 1])).problems).toEqual([]);
    expect(c.invariantViolations).toEqual([]);
    c.close();
  });

  test("a-restored-origin-still-waits-for-a-peer-pulling-what-its-previous-incarnation-served", async () => {
    // The exception above covers only pulls asked of this incarnation: a
    // peer holding pages the origin served before a restore, above the
    // restored cursor, still holds its new writes (rule 2c; the trade-off
    // §3.7 states), so none of their seqs is handed out twice.
    const c = cluster({
      seed: 85,
      config: { pageMaxChanges: 50, requestTimeoutMs: 2_000 },
      watchInvariant: true,
    });
    const [O, J] = [c.id(0), c.id(1)];
    const entries = { origin: O, resource: Resource.ENTRY };
    await c.open(0);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(40);
    c.crash(0);
    const backup = c.image(0);
    await c.open(0);
    ix.index(160);
    ix.rename(40);
    await c.open(1);
    await cutJoinerPull(c, 2);
    c.crash(0);
    c.policy = undefined;
    await c.run(5_000);
    const held = c.get(1).store.streamState(entries);
    expect(held?.pulling).toBe(true);
    const o = await c.open(0, { image: backup });
    const restored = o.store.streamState(entries)?.cursor ?? 0n;
    expect(held?.maxAppliedSeq ?? 0n).toBeGreaterThan(restored);
    const more = new TreeIndexer(c, 0);
    more.init("after-restore");
    more.index(10);
    c.connect(0, 1);
    await c.run(30_000);
    const own = o.status().own;
    expect(own.confirmed).toBe(false);
    expect(own.waits).toContainEqual({
      peer: J,
      reason: "peer-pulling",
      stream: `${O}/${Resource.ENTRY}`,
    });
    // The joiner probed the restored origin (OR-5) after all it applied,
    // above the restored cursor: that keeps the origin waiting. Probes back
    // off (1 s doubling): a handful in 30 s, not one per exchange.
    const probes = c.logs.find("origin-probed", { peer: O, stream: `${O}/${Resource.ENTRY}` });
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.length).toBeLessThanOrEqual(6);
    for (const p of probes) expect(p.fields.afterSeq).toBe(Number(held?.maxAppliedSeq));
    expect(c.invariantViolations).toEqual([]);
    c.close();
  });
});
