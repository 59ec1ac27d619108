// Where a cut pull resumes (PROTOCOL.md §5.2 BF-19). A page's
// complete_through promises what its responder *still holds*: a row whose
// version at or below the page it had already replaced above it comes
// later, at its new seq. So the pages through a resume point R are the
// stream as of R only for that same source; a second source holding the
// row's older version (at or below R) would never serve it after R, and
// the caller would finish with a cursor over a row it lacks (§3.5).
// Three real replicas on SQLite files, served in memory through Connect's
// router transport: the origin (the first source, X), a relay Y that
// pulled the stream before the origin rewrote row r, and the caller C.
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { type BackfillRequest, type BackfillResponse, Resource } from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { entryStream, replicaNet, SEED_LOCATION, until } from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../store/testing.js";

type Backfill = (req: BackfillRequest, call: HandlerContext) => AsyncIterable<BackfillResponse>;

/** Device ids whose every call fails (a source gone mid-pull). */
const gone = new Set<string>();
/** Device ids that serve no Reconcile (so only the pull can give the caller row r). */
const noReconcile = new Set<string>();
afterEach(() => {
  gone.clear();
  noReconcile.clear();
});

const unavailable = () => new ConnectError("source gone", Code.Unavailable);
const refuse = async (): Promise<never> => {
  throw unavailable();
};
async function* refuseStream(): AsyncIterable<BackfillResponse> {
  yield* [];
  throw unavailable();
}

const net = replicaNet({
  libraryId: "1d".repeat(16),
  tmpPrefix: "resume-source",
  route(peer, served) {
    if (gone.has(peer)) {
      return {
        hello: refuse,
        exchangeWatermarks: refuse,
        backfill: refuseStream,
        reconcile: refuse,
        pushChanges: refuse,
        notifyDataAvailable: refuse,
      };
    }
    return noReconcile.has(peer) ? { ...served, reconcile: refuse } : served;
  },
});

const config = { pageMaxChanges: 2, backoffBaseMs: 50, backoffMaxMs: 200 };
const VOLUME = testId(1, 0x1d);
/** The row the origin writes at seq 3 and rewrites at seq 8. */
const R = testId(103, 0x1d);
const entryId = (seq: number) => (seq === 3 ? R : testId(100 + seq, 0x1d));
const entryAt = (seq: number, name = `e${seq}`) =>
  entryWrite(entryId(seq), SEED_LOCATION, undefined, name);

/** Commits the origin's entry stream through `through`, one change a seq. */
function writeThrough(origin: Replica, from: number, through: number): void {
  for (let seq = from; seq <= through; seq++) {
    origin.commit([seq === 8 ? entryWrite(R, SEED_LOCATION, undefined, "r-v2") : entryAt(seq)]);
  }
}

/** Serves the origin's Backfill until its entry page ending at seq 5, then goes away. */
function cutAfterSeq5(origin: Replica, cut: () => void): void {
  const honest = origin.service.backfill as Backfill;
  const backfill: Backfill = async function* (req, call) {
    for await (const page of honest(req, call)) {
      yield page;
      if (page.stream?.resource === Resource.ENTRY && page.changes.at(-1)?.seq === 5n) {
        gone.add(origin.deviceId);
        cut();
        throw unavailable();
      }
    }
  };
  net.serve(origin.deviceId, { ...origin.service, backfill });
}

/**
 * The origin holds entries 1..10 with row r rewritten at seq 8 (seq 3 is
 * gone); the relay pulled it through `relayCursor` (r at seq 3) before
 * that. The caller pulls from the origin, which serves pages 1-2 and 4-5
 * (R = 5, r not among them) and goes away; then the caller meets the relay.
 */
async function resumedFromRelay(
  relayCursor: number,
): Promise<{ origin: Replica; caller: Replica; relay: Replica }> {
  const origin = net.replica("origin", { config });
  origin.start();
  origin.commit([volumeWrite(VOLUME), locationWrite(SEED_LOCATION, VOLUME)]);
  writeThrough(origin, 1, relayCursor);

  const relay = net.replica("relay", { config });
  relay.start();
  relay.addPeer(origin.deviceId);
  relay.peerConnected(origin.deviceId);
  await until(() => entryStream(relay, origin)?.cursor === BigInt(relayCursor), 20_000);
  expect(entryStream(relay, origin)?.cursor).toBe(BigInt(relayCursor));
  relay.removePeer(origin.deviceId);
  writeThrough(origin, relayCursor + 1, 10);

  let wasCut = false;
  cutAfterSeq5(origin, () => {
    wasCut = true;
  });
  const caller = net.replica("caller", { config });
  caller.start();
  caller.addPeer(origin.deviceId);
  caller.peerConnected(origin.deviceId);
  await until(() => wasCut && entryStream(caller, origin)?.maxAppliedSeq === 5n, 20_000);
  await caller.idle();
  const cutState = entryStream(caller, origin);
  expect(cutState).toMatchObject({ pulling: true, maxAppliedSeq: 5n, resumeAfterSeq: 5n });
  caller.removePeer(origin.deviceId);

  // Only the pull may bring r: a reconcile at equal cursors would repair
  // the hole after the fact (CU-1) and hide the broken promise.
  noReconcile.add(relay.deviceId);
  caller.addPeer(relay.deviceId);
  caller.peerConnected(relay.deviceId);
  await until(() => entryStream(caller, origin)?.pulling === false, 20_000);
  await caller.idle();
  return { origin, caller, relay };
}

function expectSameStreamAsRelay(r: { origin: Replica; caller: Replica; relay: Replica }): void {
  const mine = entryStream(r.caller, r.origin);
  const theirs = entryStream(r.relay, r.origin);
  // CU-1: equal cursors, equal fingerprints; the caller holds row r.
  expect(mine?.pulling).toBe(false);
  expect(mine?.cursor).toBe(theirs?.cursor);
  expect(mine?.liveCount).toBe(theirs?.liveCount);
  expect(mine?.fingerprint).toEqual(theirs?.fingerprint);
}

describe("a pull resumed from a second source", () => {
  test("a-pull-resumed-from-a-second-source-restarts-at-the-cursor", async () => {
    // Unfixed: the caller asked the relay (cursor 6) for changes after 5,
    // got seq 6 only and finished at 6 without r (held by the relay at 3).
    expectSameStreamAsRelay(await resumedFromRelay(6));
  }, 90_000);

  test("a-second-source-at-the-resume-point-answers-no-finish-there", async () => {
    // BF-4: a relay whose cursor equals the resume point answers "done
    // through 5" with no changes. Unfixed: the caller finished at 5 without r.
    expectSameStreamAsRelay(await resumedFromRelay(5));
  }, 90_000);

  test("an-origin-pulling-its-own-stream-back-from-a-second-source-restarts-at-its-cursor", async () => {
    // The origin, restored to an empty copy, pulls its own entries back
    // (§3.7): from X (cursor 10, r at 8), cut after pages 1-2 and 4-5, then
    // from Y (cursor 6, r at 3). Unfixed: it asked Y after 5 and finished
    // at 6 without r (CU-7 bounds it by what Y delivered: seq 6).
    const origin = net.replica("origin", { config });
    origin.start();
    origin.commit([volumeWrite(VOLUME), locationWrite(SEED_LOCATION, VOLUME)]);
    writeThrough(origin, 1, 6);
    const pulled = async (label: string, cursor: number) => {
      const r = net.replica(label, { config });
      r.start();
      r.addPeer(origin.deviceId);
      r.peerConnected(origin.deviceId);
      await until(() => entryStream(r, origin)?.cursor === BigInt(cursor), 20_000);
      expect(entryStream(r, origin)?.cursor).toBe(BigInt(cursor));
      r.removePeer(origin.deviceId);
      return r;
    };
    const y = await pulled("relay", 6);
    writeThrough(origin, 7, 10);
    const x = await pulled("second", 10);

    // Restored from an empty copy: same identity, nothing held. Its peers
    // are known before it starts, so its own streams stay unconfirmed
    // until it heard from both (§3.7) and may be pulled back.
    let wasCut = false;
    cutAfterSeq5(x, () => {
      wasCut = true;
    });
    gone.add(y.deviceId);
    const restored = net.replica("origin", { config });
    restored.addPeer(x.deviceId);
    restored.addPeer(y.deviceId);
    restored.start();
    restored.peerConnected(x.deviceId);
    await until(() => wasCut && entryStream(restored, origin)?.maxAppliedSeq === 5n, 20_000);
    await restored.idle();
    expect(entryStream(restored, origin)).toMatchObject({ maxAppliedSeq: 5n, resumeAfterSeq: 5n });

    // X is down (still a peer: own streams stay unconfirmed until it is
    // heard from); the pull-back can only go on from Y.
    restored.peerDisconnected(x.deviceId);
    gone.delete(y.deviceId);
    noReconcile.add(y.deviceId);
    restored.peerConnected(y.deviceId);
    await until(() => entryStream(restored, origin)?.cursor === 6n, 20_000);
    await restored.idle();
    const mine = entryStream(restored, origin);
    const theirs = entryStream(y, origin);
    expect(mine?.cursor).toBe(6n);
    expect(mine?.liveCount).toBe(theirs?.liveCount);
    expect(mine?.fingerprint).toEqual(theirs?.fingerprint);
  }, 90_000);
});
