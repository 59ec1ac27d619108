// OR-5 from the client side (PROTOCOL.md §3.7 rule 2c): the runner plays an
// origin whose own stream the client pulled part of, with holes, when the
// call was cut; the runner then "restarts and writes", listing the stream
// with no cursor and `pulling`. The client must ask it anyway (a probe),
// after every seq it applied — never after its resume point or cursor,
// which would let a restored origin confirm below rows the client holds —
// and finish its pull once the runner lists a cursor again.
import { create } from "@bufbuild/protobuf";
import { Resource, StreamIdSchema } from "@tidemark/protocol";
import {
  backfillAsks,
  clientWatermark,
  freshSalt,
  notify,
  rowId,
  type Scenario,
  ScenarioFailure,
  ScenarioNotApplicable,
  volumeChange,
  waitFor,
  waitForCursor,
} from "./scenario-kit.js";

export const OWN_STREAM_PROBE_SCENARIOS: readonly Scenario[] = [
  {
    id: "client-probes-origin-listing-no-cursor",
    rules: ["OR-5"],
    title:
      "cut after applying seqs 2 and 4 of the runner's own volumes (odd seqs superseded), the client asks the runner for it after seq 4 or above once the runner lists it with no cursor and pulling, and finishes the pull when a cursor is listed again",
    async run(ctx) {
      // The runner's own volumes: no other scenario holds that stream.
      const stream = create(StreamIdSchema, {
        origin: ctx.peer.deviceId,
        resource: Resource.VOLUME,
      });
      const salt = freshSalt();
      // Even seqs only: a page of 2 and 4 leaves holes, so the cut pull cannot end gap-free (CU-5).
      const changes = [2, 4, 6, 8, 10, 12].map((seq) => volumeChange(rowId(seq, salt), seq));
      ctx.peer.hold(stream, changes, 12n, { failAfterPages: 1 });
      await notify(ctx, stream);
      await waitFor(ctx, "the client's first Backfill of the runner's own stream", () =>
        backfillAsks(ctx, stream).length > 0 ? true : undefined,
      );
      // The runner "restarts and writes": unconfirmed, no cursor (§3.7 rule 1).
      const more = [...changes, ...[14, 15].map((seq) => volumeChange(rowId(seq, salt), seq))];
      ctx.peer.hold(stream, more, 15n, { unconfirmed: true });
      const since = Date.now();
      // The premise: the cut pull is stuck (it cannot end gap-free, CU-5).
      const w = await clientWatermark(ctx, stream).catch(() => undefined);
      if (w !== undefined && w.pulling !== true)
        throw new ScenarioNotApplicable(
          `the client ended its cut pull (cursor ${w.cursor ?? "none"}, not pulling): no probe is owed`,
        );
      await notify(ctx, stream).catch(() => undefined);
      // The retry waits out the client's backoff (the reference: 1 s base, jitter).
      const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 12_000) };
      const probes = await waitFor(
        patient,
        "a Backfill of the runner's own stream while it lists no cursor (without one both sides wait for good)",
        () => {
          const a = backfillAsks(ctx, stream, since).map((x) => x.afterSeq);
          return a.length > 0 ? a : undefined;
        },
      );
      const low = probes.find((after) => (after ?? 0n) < 4n);
      if (low !== undefined || probes.includes(undefined))
        throw new ScenarioFailure(
          `the client probed after seq ${low ?? "none (absent)"}, below the seq 4 it applied: a restored origin would confirm below rows the client holds`,
        );
      // The runner confirms: a cursor again; the pull resumes and finishes.
      ctx.peer.hold(stream, more, 15n);
      await notify(ctx, stream);
      await waitForCursor(
        patient,
        stream,
        15n,
        "the pull to finish once the runner lists a cursor",
      );
    },
  },
];
