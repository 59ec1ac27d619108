// BF-18 from the client side (PROTOCOL.md §5.2 "A responder mid-pull"): the
// client pulls a third origin's tags from the runner, then a second pull
// replaces a row's version at or below its cursor with one above it and is
// cut with a hole, so the client stays mid-pull. Asked for the stream from
// the start, the client no longer holds it as of its cursor: it must answer
// NOT_HELD, never pages through its cursor that skip that row's version.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { BackfillRequestSchema, type BackfillResponse, PageStatus } from "@tidemark/protocol";
import {
  backfillAsks,
  freshSalt,
  notify,
  pulledFirst,
  rowId,
  type Scenario,
  ScenarioFailure,
  ScenarioNotApplicable,
  tagChange,
  tagStream,
  tagsAt,
  waitFor,
  waitForWatermark,
} from "./scenario-kit.js";

/** Most pages read from the client's answer (it owes one page, NOT_HELD). */
const MAX_PAGES = 50;

export const RELAY_MID_PULL_SCENARIOS: readonly Scenario[] = [
  {
    id: "client-mid-pull-refuses-what-its-pull-replaced",
    rules: ["BF-18"],
    title:
      "holding a third origin's tags through seq 4, the client pulls seqs 6 and 7 (seq 6 a new version of the row it held at seq 2; seq 5 missing) and is cut: asked for the stream from the start it answers NOT_HELD, not pages through seq 4 without that row's version at seq 2",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const salt = freshSalt();
      const first = tagsAt(salt, [1, 2, 3, 4]);
      await pulledFirst(ctx, stream, first, 4n);
      // Row 2 rewritten at seq 6, row 5 written at 5 and rewritten at 8: a hole at 5.
      const rows = [
        ...first.filter((c) => c.seq !== 2n),
        tagChange(rowId(2, salt), 6),
        tagChange(rowId(7, salt), 7),
        tagChange(rowId(5, salt), 8),
      ];
      ctx.peer.hold(stream, rows, 8n, { failAfterPages: 1 });
      const since = Date.now();
      await notify(ctx, stream);
      try {
        await waitFor(
          ctx,
          "the client's Backfill of the rewritten stream",
          () => (backfillAsks(ctx, stream, since).length > 0 ? true : undefined),
          5,
        );
        // That call is cut after one page; the pull is kept open: every retry
        // is refused until the scenario ends (a refusal is judged at a call's start).
        ctx.peer.hold(stream, rows, 8n, { refuse: { code: Code.PermissionDenied, reason: 999 } });
        await waitForWatermark(ctx, stream, "the cut pull (client mid-pull)", (w) => {
          if (w.pulling === true) return true;
          if (w.cursor !== undefined && w.cursor !== 4n)
            throw new ScenarioNotApplicable(`the client ended the cut pull at ${w.cursor}`);
          return false;
        });
        const pages: BackfillResponse[] = [];
        const req = create(BackfillRequestSchema, {
          libraryId: ctx.peer.library,
          deviceId: ctx.peer.deviceId,
          streams: [{ stream }],
        });
        for await (const page of ctx.client.backfill(req, { timeoutMs: ctx.timeoutMs })) {
          pages.push(page);
          if (page.streamDone || pages.length >= MAX_PAGES) break;
        }
        const firstPage = pages[0];
        if (firstPage?.status === PageStatus.NOT_HELD) return;
        const served = pages.flatMap((p) => p.changes.map((c) => c.seq));
        // Still holding row 2 at seq 2: the cut call replaced nothing, so pages
        // through the cursor are honest, and BF-18 does not apply.
        if (firstPage?.status === PageStatus.OK && served.includes(2n))
          throw new ScenarioNotApplicable(
            `the client still serves row 2's version at seq 2 (seqs [${served.join(", ")}]): its cut pull replaced nothing`,
          );
        throw new ScenarioFailure(
          `answered ${PageStatus[firstPage?.status ?? 0]} with seqs [${served.join(", ")}] through ${firstPage === undefined ? "nothing" : (pages[pages.length - 1]?.completeThrough ?? "?")}: its pull replaced row 2's version at seq 2, which no page carries (BF-18 asks for NOT_HELD)`,
        );
      } finally {
        ctx.peer.hold(stream, rows, 8n);
      }
    },
  },
];
