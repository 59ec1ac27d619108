// Every named regression scenario, at a small scale, with the real engine:
// the properties hold after healing, and each scenario really exercises
// what its name says (asserted on its trace).
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import { namedReplay } from "../replay.js";
import type { RunResult } from "../simulation.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { SCENARIOS } from "./index.js";

async function run(name: string, scale?: number): Promise<RunResult> {
  const make = SCENARIOS[name];
  if (make === undefined) throw new Error(`no scenario ${name}`);
  const params = { seed: 1, ...(scale === undefined ? {} : { scale }) };
  const r = await runScenario(make(params), { adapter: await engine(), keepTrace: true });
  if (!r.ok)
    throw new Error(summaryLines(r, namedReplay({ kind: "named", name, ...params })).join("\n"));
  return r;
}

const records = (r: RunResult, k: string) => r.world.trace.records().filter((x) => x.k === k);

describe("named scenarios", () => {
  test("leapfrog: concurrent indexing over a lossy, reordering network with a restart converges", async () => {
    const r = await run("leapfrog");
    expect(records(r, "drop").length + records(r, "lost").length).toBeGreaterThan(0);
    expect(records(r, "fault").some((f) => f.op === "crash")).toBe(true);
  }, 60_000);

  test("seed-gap: a device missing 20% of the entries behind its cursor self-heals", async () => {
    const r = await run("seed-gap", 0.005);
    expect(records(r, "fault").find((f) => f.op === "lose-rows")?.rows).toBeGreaterThan(0);
  }, 60_000);

  test("partition-heal: halves that diverged (one link cut one way) converge after healing", async () => {
    const r = await run("partition-heal", 0.005);
    expect(records(r, "fault").some((f) => f.op === "partition-one-way")).toBe(true);
  }, 60_000);

  test("crash-mid-backfill: a joiner that crashes while pages are in flight resumes and converges", async () => {
    const r = await run("crash-mid-backfill");
    // A Backfill page really was in flight when the joiner crashed.
    expect(records(r, "lost").some((x) => x.rpc === "Backfill" && x.part === "page")).toBe(true);
  }, 60_000);

  test("clock-skew: skewed, drifting, jumping and epoch-0 clocks still converge", async () => {
    await run("clock-skew");
  }, 60_000);

  test("tombstone-horizon: deletes made while a device was down are not resurrected by it", async () => {
    const r = await run("tombstone-horizon");
    expect(records(r, "work").some((w) => w.op === "delete")).toBe(true);
  }, 60_000);

  test("silent-row-loss: lost rows and stale versions (equal counts) behind a cursor are repaired", async () => {
    const r = await run("silent-row-loss");
    const faults = records(r, "fault");
    expect(faults.find((f) => f.op === "lose-rows")?.rows).toBeGreaterThan(0);
    expect(faults.find((f) => f.op === "stale-rows")?.rows).toBeGreaterThan(0);
  }, 60_000);

  test("late-joiner: a device with no cursor at all pulls everything, including a leaver's streams", async () => {
    await run("late-joiner");
  }, 60_000);

  test("relay-while-origin-offline: a joiner catches up on an offline origin's streams from a relay", async () => {
    const r = await run("relay-while-origin-offline");
    expect(r.world.node(0).alive).toBe(false);
  }, 60_000);

  test("late-location-relay: a relay holding a late location's entries serves a joiner every row", async () => {
    const r = await run("late-location-relay");
    expect(records(r, "fault").some((f) => f.op === "late-parents")).toBe(true);
    // The new location's push reached the relay 8 s after it was sent.
    const late = records(r, "send").filter(
      (x) => x.rpc === "PushChanges" && x.part === "req" && Number(x.at) - Number(x.t) >= 8_000,
    );
    expect(late.length).toBeGreaterThan(0);
  }, 60_000);

  test("restore-mid-pull: an origin restored mid-pull of its stream reuses no seq the joiner holds", async () => {
    const r = await run("restore-mid-pull");
    const restore = records(r, "fault").find((f) => f.op === "restore-stale-backup");
    expect(restore).toBeDefined();
    // The joiner was pulling d0's stream when d0 went back to its backup.
    const pulls = records(r, "send").filter(
      (x) => x.rpc === "Backfill" && x.part === "req" && x.from === 1 && x.to === 0,
    );
    expect(pulls.some((x) => Number(x.t) < Number(restore?.t))).toBe(true);
  }, 60_000);

  test("silent-cut: exchanges that time out through a silent cut back off, and every peer is ready after", async () => {
    const r = await run("silent-cut");
    // d1's answers to d0's exchanges were lost while the cut lasted.
    const lost = records(r, "send").filter(
      (x) =>
        x.rpc === "ExchangeWatermarks" &&
        x.from === 1 &&
        x.to === 0 &&
        Number(x.t) >= 3_000 &&
        Number(x.t) < 15_000,
    );
    expect(lost.length).toBeGreaterThan(0);
  }, 60_000);

  test("foreign-device: devices of another library paired in are parked both ways, and d0's writes after its restart still leave", async () => {
    const r = await run("foreign-device");
    // Every cross-library pair was parked (logged when it happened), both ways.
    const parked = records(r, "log").filter((x) => x.event === "peer-state" && x.to === "failed");
    const pairs = new Set(parked.map((x) => `${x.dev}>${String(x.peer).slice(0, 8)}`));
    expect(pairs.size).toBeGreaterThanOrEqual(8);
    expect(records(r, "fault").some((f) => f.op === "crash")).toBe(true);
  }, 60_000);

  test("lying-hello: malformed Hello answers are refused and counted, and the liar is synced with after", async () => {
    const r = await run("lying-hello");
    // Both callers met the liar's malformed answers: d0 after the heal, the joiner d2 first.
    const refused = records(r, "log").filter(
      (x) => x.event === "invalid-response" && x.rpc === "hello",
    );
    expect(new Set(refused.map((x) => x.dev))).toEqual(new Set([0, 2]));
  }, 60_000);

  test("lying-exchange: malformed exchange answers are refused and counted, and the liar is synced with after", async () => {
    const r = await run("lying-exchange");
    // Both callers met the liar's malformed answers, and each counted them.
    const refused = records(r, "log").filter(
      (x) => x.event === "invalid-response" && x.rpc === "exchange",
    );
    expect(new Set(refused.map((x) => x.dev))).toEqual(new Set([0, 2]));
  }, 60_000);

  test("refusing-source: pulls refused NOT_PAIRED are repeated on ER-3's floor, and all converge after", async () => {
    const r = await run("refusing-source");
    // Callers did repeat refused pulls (each judged against its floor).
    expect(r.world.refusalFloor.judged).toBeGreaterThan(2);
  }, 60_000);

  test("lying-reconcile: dishonest Reconcile answers are refused and counted, and d1 is repaired", async () => {
    const r = await run("lying-reconcile");
    // d1 refused the liar's answers (only its): coded symbols out of sequence among them.
    const refused = records(r, "log").filter(
      (x) => x.event === "invalid-response" && x.rpc === "reconcile" && x.dev === 1,
    );
    expect(new Set(refused.map((x) => x.peer))).toEqual(new Set([deviceIdOf(2)]));
    expect(refused.some((x) => String(x.error).includes("coded symbols start at"))).toBe(true);
    expect(r.world.invalidReconciles.total).toBeGreaterThanOrEqual(refused.length);
  }, 60_000);

  test("inbound-fast-client: a host refuses a fast client's pushes and knows no lag for them", async () => {
    // Before (simulator): lag-while-behind, "d0 holds stream …/5 at no
    // cursor, its origin at 4, and reports a lag of 0": d0 keeps no peer
    // for d2, and d1 holds d2's tags back too, so no peer cursor d0 knows
    // is ahead of it (tidemark_lag_seqs: seqs behind the best known peer).
    const r = await run("inbound-fast-client", 0.003);
    // d2 pushed its tags to d0 while they were too far ahead for d0.
    const pushes = records(r, "send").filter(
      (x) => x.rpc === "PushChanges" && x.part === "res" && x.from === 0 && x.to === 2,
    );
    expect(pushes.some((x) => Number(x.t) < 30_000)).toBe(true);
  }, 60_000);

  test("resync-from-damaged-relay: rows forgotten on a damaged relay's word come back from the origin", async () => {
    // Before: cursors-contiguous, "row … should be live at seq 4, holds
    // nothing (safety: seen during the run)": the full resync's forgets
    // (RC-13) carried d1's damage to d2 with no exemption (S11).
    const r = await run("resync-from-damaged-relay", 0.003);
    const taints = records(r, "taint").filter((x) => x.dev === 2 && x.from === 1);
    expect(taints.length).toBeGreaterThan(0);
  }, 60_000);

  test("resync-unproven-relay: a full resync that cannot adopt the relay's cursor is not reconciled again", async () => {
    // Before: reconcile-not-repeated, "d2 asked d1 again about 61c00d91/4":
    // the plain reconcile right after re-asked what the full resync had.
    const r = await run("resync-unproven-relay", 0.003);
    const capped = records(r, "log").filter(
      (x) => x.event === "cursor-claim-beyond-signed-head" && x.via === "reconcile" && x.dev === 2,
    );
    expect(capped.length).toBeGreaterThan(0);
  }, 60_000);

  test("prune-before-pull: a source pruning between its exchange and the pull answers BELOW_HORIZON", async () => {
    const r = await run("prune-before-pull");
    expect(r.world.belowHorizon.belowPages).toBeGreaterThan(0);
  }, 60_000);

  test("restore-over-old-tombstone: a restore over another origin's older tombstone converges", async () => {
    const r = await run("restore-over-old-tombstone");
    expect(records(r, "fault").some((f) => f.op === "restore-stale-backup")).toBe(true);
  }, 60_000);

  test("leaver-returns: a device unpaired with unsynced writes, paired again after pruning", async () => {
    const r = await run("leaver-returns");
    const faults = records(r, "fault");
    expect(faults.some((f) => f.op === "leave" && f.keep === true)).toBe(true);
    expect(faults.some((f) => f.op === "join" && f.dev === 1)).toBe(true);
  }, 60_000);

  test("leaver-shared-returns: a leaver's older tag edit stays deleted when retention outlasts its absence", async () => {
    // Seed 2: d0 edits and deletes a tag only after d1 left, so d1 never
    // held d0's version; only the delete, kept by TB-5, can tell it.
    const make = SCENARIOS["leaver-shared-returns"];
    if (make === undefined) throw new Error("no scenario leaver-shared-returns");
    const spec = make({ seed: 2 });
    const kept = await runScenario(spec, { adapter: await engine() });
    expect(
      kept.ok,
      summaryLines(kept, namedReplay({ kind: "named", name: spec.name, seed: 2 })).join("\n"),
    ).toBe(true);
    // With no retention the delete is pruned first: PROTOCOL §13's limit.
    const config = { ...spec.config, sharedTombstoneRetentionMs: 0 };
    const pruned = await runScenario({ ...spec, config }, { adapter: await engine() });
    expect(pruned.failure?.property).toBe("no-resurrected-deletes");
  }, 60_000);

  test("hello-required-peers: peers that forget sessions refuse calls mid-sync; callers say Hello and converge", async () => {
    const r = await run("hello-required-peers");
    // Calls to d1 and d2 refused: error answers reached their callers.
    const refused = records(r, "recv").filter(
      (x) => x.part === "err" && (x.from === 1 || x.from === 2),
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(r.world.codedOpening.judged).toBeGreaterThan(0);
  }, 60_000);

  test("origin-loses-own-rows: an origin that silently lost rows of its own stream gets them back from a peer", async () => {
    const r = await run("origin-loses-own-rows");
    expect(records(r, "fault").find((f) => f.op === "lose-rows")?.rows).toBeGreaterThan(0);
    // The origin itself reconciled its own stream and applied what it lacked.
    const origin = deviceIdOf(0);
    const repaired = records(r, "log").filter(
      (x) =>
        x.event === "reconcile-finished" &&
        x.device === origin &&
        String(x.stream).startsWith(origin) &&
        Number(x.applied) > 0,
    );
    expect(repaired.length).toBeGreaterThan(0);
  }, 60_000);

  test("backoff-peer-returns: a peer back while we back off from it is retried on its Hello", async () => {
    const r = await run("backoff-peer-returns");
    expect(r.world.retryOnContact.judged).toBeGreaterThan(0);
    expect(records(r, "fault").filter((f) => f.op === "restart")).toHaveLength(3);
    // The first return comes after d0's host reported d1 gone (its backoff timer cancelled).
    const gone = records(r, "disconnect").filter((d) => d.dev === 0 && d.peer === 1);
    expect(gone.some((d) => d.t > 12_000 && d.t < 14_000)).toBe(true);
  }, 60_000);
});
