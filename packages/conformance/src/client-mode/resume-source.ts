// BF-19 from the client side (PROTOCOL.md §5.2 "A resume point holds only
// with its source"): the runner serves a third origin's tags through seq
// 10 with row 3 rewritten at seq 8 (seq 3 gone), and cuts the call after
// the pages [1, 2] and [4, 5]: the client's resume point is 5, and it
// received every seq only through 2. The runner then comes back restored
// from an older copy (cursor 6, row 3 at its old seq 3): its cursor went
// below the one it advertised when it served those pages, so it counts as
// another source. Resumed after 5 it would serve seq 6 alone, and the
// client would finish at 6 without row 3; it must resume after 2 at most.
import type { Change } from "@tidemark/protocol";
import {
  backfillAsks,
  clientWatermark,
  freshSalt,
  notify,
  rowId,
  type Scenario,
  ScenarioFailure,
  ScenarioNotApplicable,
  tagChange,
  tagStream,
  waitFor,
  waitForWatermark,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

export const RESUME_SOURCE_SCENARIOS: readonly Scenario[] = [
  {
    id: "client-resumes-a-restored-source-from-its-gap-free-point",
    rules: ["BF-19"],
    title:
      "cut after pages [1, 2] and [4, 5] of a stream whose row 3 was rewritten at seq 8, the client resumes from the runner restored to cursor 6 (row 3 at seq 3) after seq 2 at most, not after its resume point 5, and finishes at 6 holding row 3",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const salt = freshSalt();
      const at = (n: number, seq = n) => tagChange(rowId(n, salt), seq);
      const older: Change[] = [1, 2, 3, 4, 5, 6].map((n) => at(n));
      const newer: Change[] = [
        ...older.filter((c) => c.seq !== 3n),
        at(7),
        at(3, 8),
        at(9),
        at(10),
      ];
      ctx.peer.hold(stream, newer, 10n, { failAfterPages: 2 });
      await notify(ctx, stream);
      await waitFor(ctx, "the client's first Backfill of the stream", () =>
        backfillAsks(ctx, stream).length > 0 ? true : undefined,
      );
      // Restored at once, so the retry after the cut call (the reference:
      // 0.5-1 s of backoff) finds the older copy; the cut call serves what
      // it started with.
      const since = Date.now();
      ctx.peer.hold(stream, older, 6n);
      await notify(ctx, stream).catch(() => undefined);
      const w = await waitForWatermark(ctx, stream, "the pull to finish", (x) => {
        if (x.cursor !== undefined && x.cursor > 6n)
          throw new ScenarioNotApplicable(
            `the client resumed before the runner was restored and finished at ${x.cursor}`,
          );
        return x.cursor === 6n && x.pulling !== true;
      });
      const asks = backfillAsks(ctx, stream, since).map((a) => a.afterSeq);
      const past = asks.filter((a) => a !== undefined && a > 2n);
      const mine = await clientWatermark(ctx, stream);
      const theirs = ctx.peer.watermark(stream);
      if (past.length > 0)
        throw new ScenarioFailure(
          `resumed from the restored runner after [${asks.map((a) => a ?? "start").join(", ")}], past seq 2 (the last through which it received every seq): the pages through its resume point 5 left out row 3, which the restored runner holds at seq 3 and serves after no later seq (BF-19)`,
        );
      if (hex(mine?.fingerprint ?? new Uint8Array()) !== hex(theirs.fingerprint))
        throw new ScenarioFailure(
          `finished at ${w.cursor} with ${mine?.liveCount ?? "?"} live rows and a fingerprint unlike the runner's (${theirs.liveCount} live rows) at the same cursor`,
        );
    },
  },
];
