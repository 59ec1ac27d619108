// ER-3 (PROTOCOL.md §10): the n-th unchanged repeat of a refused request
// waits at least min(500 ms × 2^(n−1), 30 s). Two real replicas on SQLite
// files, served in memory; the origin refuses every Backfill of its tags
// while a pull of its entries, begun before the first refusal, is held and
// then progresses. That pull shows nothing about the refused request, so
// it must not restart the count (a conformance run caught the repeat that
// followed it 665 ms after the one before, against a 1 s floor).
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  type BackfillRequest,
  type BackfillResponse,
  Resource,
  refusedRetryFloorMs,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { holdsEntries, replicaNet, seedEntries, sleep, until } from "../../test/replica-net.js";
import { tagWrite, testId } from "../store/testing.js";

type Backfill = (req: BackfillRequest, call: HandlerContext) => AsyncIterable<BackfillResponse>;

const ENTRIES = 5;
const REFUSALS = 4;
/** Timers fire late, never early; the stamps are taken in the same process. */
const STAMP_SLACK_MS = 25;

const net = replicaNet({ libraryId: "0d".repeat(16), tmpPrefix: "refusal-repeats" });

const asksForTags = (req: BackfillRequest) =>
  req.streams.some((s) => s.stream !== undefined && s.stream.resource === Resource.TAG);

describe("ER-3 repeat count", () => {
  test("a job begun before a refusal does not restart the refused request's count", async () => {
    const o = net.replica("origin");
    o.start();
    seedEntries(o, ENTRIES);
    const refusedAt: number[] = [];
    let entriesPulled = false;
    let releaseEntries: () => void = () => {};
    const entriesReleased = new Promise<void>((resolve) => {
      releaseEntries = resolve;
    });
    const honest = o.service.backfill as Backfill;
    net.serve(o.deviceId, {
      ...o.service,
      async *backfill(req, call) {
        if (asksForTags(req)) {
          refusedAt.push(performance.now());
          // No reason the caller knows: it acts on the code alone (ER-1).
          throw new ConnectError("not for you", Code.PermissionDenied);
        }
        // The entries' pull is held until the tags were refused once.
        await Promise.race([entriesReleased, sleep(20_000)]);
        yield* honest(req, call);
        entriesPulled = true;
      },
    });
    const joiner = net.replica("joiner", {
      // A backoff far below ER-3's floor: the floor alone spaces the repeats.
      config: { backoffBaseMs: 10, backoffMaxMs: 20, periodicExchangeMs: 200 },
    });
    joiner.start();
    joiner.addPeer(o.deviceId);
    joiner.peerConnected(o.deviceId);
    // The entries' pull is under way (held) before the tags exist.
    await until(() => joiner.status().peers.some((p) => p.state === "backfilling"));
    o.commit([tagWrite(testId(1, 0x30), "t")]);
    await until(() => refusedAt.length > 0);
    releaseEntries();
    await until(() => entriesPulled && holdsEntries(joiner, o, ENTRIES));
    expect(holdsEntries(joiner, o, ENTRIES)).toBe(true);
    await until(() => refusedAt.length >= REFUSALS, 15_000);
    expect(refusedAt.length).toBeGreaterThanOrEqual(REFUSALS);
    const gaps = refusedAt.slice(1, REFUSALS).map((t, i) => Math.round(t - (refusedAt[i] ?? t)));
    const floors = gaps.map((_, i) => refusedRetryFloorMs(i + 1));
    for (const [i, gap] of gaps.entries())
      expect(gap, `gaps ${gaps.join(", ")} ms; floors ${floors.join(", ")} ms`).toBeGreaterThan(
        (floors[i] ?? 0) - STAMP_SLACK_MS,
      );
  }, 60_000);
});
