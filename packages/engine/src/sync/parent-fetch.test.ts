// A directory renamed after its children is served after them (a stream
// serves each row's latest version in seq order): a joiner whose dependency
// buffer is smaller than the directory's children must still finish the
// pull, by fetching the awaited parent by id (PROTOCOL.md §3.6 RF-5).
// Two real replicas on SQLite files, served to each other in memory
// through Connect's router transport.
import { clone } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { ChangeSchema, type ReconcileRequest, type ReconcileResponse } from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { entryStream, replicaNet } from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";
import { idToHex } from "../store/ids.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";

const CHILDREN = 40;
const BUFFER = 10;
type Reconcile = (req: ReconcileRequest, call: HandlerContext) => Promise<ReconcileResponse>;

/** A lying Reconcile answer in place of a replica's own, by device id. */
const lies = new Map<string, (res: ReconcileResponse) => ReconcileResponse>();
afterEach(() => {
  lies.clear();
});

const net = replicaNet({
  libraryId: "0f".repeat(16),
  tmpPrefix: "parents",
  route(peer, served) {
    const lie = lies.get(peer);
    if (lie === undefined) return served;
    const honest = served.reconcile as Reconcile;
    return { ...served, reconcile: async (req, call) => lie(await honest(req, call)) };
  },
});

function replica(
  label: string,
  bounds: { dependencyRowsPerOrigin?: number } = {},
  pageMaxChanges = 5,
): Replica {
  return net.replica(label, { config: { pageMaxChanges }, bounds });
}

/** Waits until no replica has sync work in flight, or `ms` passed (then the asserts tell). */
async function settle(ms: number, ...rs: Replica[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  // Bounded: each round waits for every replica's work in flight.
  const quiet = (async () => {
    for (let i = 0; i < 20; i++) await Promise.all(rs.map((r) => r.idle()));
  })();
  await Promise.race([quiet, budget]);
  clearTimeout(timer);
}

/**
 * An origin whose directory was renamed after its CHILDREN children, and a
 * joiner with a BUFFER-row buffer pulling it; settled, or `settleMs` passed.
 */
async function renamedDirectoryPulled(
  settleMs = 15_000,
  pageMaxChanges = 5,
): Promise<{ origin: Replica; joiner: Replica }> {
  const origin = replica("origin", {}, pageMaxChanges);
  // Alone at start: its own streams are confirmed and served (§3.7).
  origin.start();
  const VOL = testId(1, 0x10);
  const LOC = testId(2, 0x10);
  const ROOT = testId(3, 0x10);
  const DIR = testId(4, 0x10);
  origin.commit([
    volumeWrite(VOL),
    locationWrite(LOC, VOL),
    entryWrite(ROOT, LOC, undefined, "root"),
    entryWrite(DIR, LOC, ROOT, "photos"),
  ]);
  origin.commit(
    Array.from({ length: CHILDREN }, (_, i) =>
      entryWrite(testId(100 + i, 0x10), LOC, DIR, `img-${i}.jpg`),
    ),
  );
  // The rename: the directory's only version is now after every child.
  origin.commit([entryWrite(DIR, LOC, ROOT, "photos-2026")]);

  const joiner = replica("joiner", { dependencyRowsPerOrigin: BUFFER }, pageMaxChanges);
  joiner.start();
  joiner.addPeer(origin.deviceId);
  origin.addPeer(joiner.deviceId);
  joiner.peerConnected(origin.deviceId);
  await settle(settleMs, joiner, origin);
  return { origin, joiner };
}

/** Sum of a counter over its labels. */
function counter(r: Replica, name: string): number {
  return Object.entries(r.metrics().values)
    .filter(([k]) => k === name || k.startsWith(`${name}{`))
    .reduce((n, [, v]) => n + v, 0);
}

describe("parents fetched by id", () => {
  test("a-joiner-finishes-a-stream-whose-renamed-directory-has-more-children-than-the-buffer", async () => {
    const { origin, joiner } = await renamedDirectoryPulled();
    const want = entryStream(origin, origin);
    const got = entryStream(joiner, origin);
    expect(got?.pulling).toBe(false);
    expect(got?.cursor).toBe(want?.cursor);
    expect(idToHex(got?.fingerprint ?? new Uint8Array())).toBe(
      idToHex(want?.fingerprint ?? new Uint8Array()),
    );
    expect(got?.liveCount).toBe(BigInt(CHILDREN + 2));
    expect(counter(joiner, "tidemark_dependency_buffer_rows")).toBe(0);
    expect(counter(joiner, "tidemark_parents_fetched_total")).toBeGreaterThan(0);
  }, 60_000);

  test("a-joiner-finishes-when-one-page-holds-more-children-than-the-buffer", async () => {
    // Every child and the renamed directory in one page: the page rolls
    // back at the bound, so nothing is held and only the refusal names the
    // parent. Before: the same page was refused on every retry, for good.
    const { origin, joiner } = await renamedDirectoryPulled(15_000, 100);
    const got = entryStream(joiner, origin);
    expect(got?.pulling).toBe(false);
    expect(got?.cursor).toBe(entryStream(origin, origin)?.cursor);
    expect(got?.liveCount).toBe(BigInt(CHILDREN + 2));
    expect(counter(joiner, "tidemark_dependency_buffer_rows")).toBe(0);
    expect(counter(joiner, "tidemark_parents_fetched_total")).toBeGreaterThan(0);
  }, 60_000);

  test("a-source-that-alters-the-awaited-parent-gets-nothing-applied-and-the-buffer-stays-bounded", async () => {
    // The origin answers the parent fetch with a body it never signed.
    lies.set(testIdentity("origin").deviceId, (res) => {
      const changes = res.changes.map((c) => {
        const forged = clone(ChangeSchema, c);
        if (forged.body.case === "entry") forged.body.value.name = "forged";
        return forged;
      });
      return { ...res, changes };
    });
    // It never settles (the joiner retries with backoff): look after 3 s.
    const { origin, joiner } = await renamedDirectoryPulled(3_000);
    const got = entryStream(joiner, origin);
    expect(got?.pulling).toBe(true);
    expect(got?.cursor).toBeUndefined();
    expect(counter(joiner, "tidemark_dependency_buffer_rows")).toBeLessThanOrEqual(BUFFER);
    expect(counter(joiner, "tidemark_parents_fetched_total")).toBe(0);
    expect(counter(joiner, "tidemark_rejected_changes_total")).toBeGreaterThan(0);
  }, 60_000);
});
