// ER-5 and TR-4: a Backfill refused with UNKNOWN_PEER is repeated only after
// a new Hello. UNKNOWN_PEER shares failed_precondition with other refusals,
// so a client that reacts to it read the ErrorDetail in its protocol's form.
import { Code } from "@connectrpc/connect";
import { type BackfillRequest, ErrorReason, type StreamId } from "@tidemark/protocol";
import {
  notify,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  tagStream,
  tagsAt,
  waitFor,
  waitForCursor,
} from "./scenario-kit.js";
import { hex, type Recorded } from "./scripted-peer.js";

/** True when a recorded call is a Backfill asking for `stream`'s origin. */
const asksFor = (r: Recorded, stream: StreamId) =>
  r.rpc === "Backfill" &&
  (r.req as BackfillRequest).streams.some(
    (x) => x.stream !== undefined && hex(x.stream.origin) === hex(stream.origin),
  );

/** The calls between two log positions, named, for a failure message. */
const between = (log: readonly Recorded[], from: number, to: number) =>
  log
    .slice(from + 1, to)
    .map((r) => r.rpc)
    .join(", ") || "none";

export const HELLOS_AGAIN_AFTER_UNKNOWN_PEER: Scenario = {
  id: "client-hellos-again-after-unknown-peer",
  rules: ["ER-5", "TR-4"],
  title:
    "a Backfill refused failed_precondition with UNKNOWN_PEER (read from the error detail in the client's protocol) is repeated only after a new Hello",
  async run(ctx: ScenarioCtx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const rows = tagsAt(origin, [1]);
    const unknownPeer = { code: Code.FailedPrecondition, reason: ErrorReason.UNKNOWN_PEER };
    const log = ctx.peer.log;
    ctx.peer.hold(stream, rows, 1n, { refuse: unknownPeer });
    let refused: number;
    try {
      await notify(ctx, stream);
      refused = await waitFor(ctx, "the client's first Backfill of the announced stream", () => {
        const i = log.findIndex((r) => asksFor(r, stream));
        return i < 0 ? undefined : i;
      });
    } finally {
      // Lifted at once: the repeat is answered, so the pull can finish.
      ctx.peer.hold(stream, rows, 1n);
    }
    // Early in the list, so the client's backoff after the refusal is its
    // first (ER-3's floor, 500 ms), not one grown by earlier scenarios.
    const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 12_000) };
    const repeat = await waitFor(patient, "the refused Backfill repeated", () => {
      const i = log.findIndex((r, j) => j > refused && asksFor(r, stream));
      return i < 0 ? undefined : i;
    });
    const hello = log.findIndex((r, j) => j > refused && r.rpc === "Hello");
    if (hello < 0 || hello > repeat)
      throw new ScenarioFailure(
        `the Backfill refused with UNKNOWN_PEER was repeated ${(log[repeat]?.at ?? 0) - (log[refused]?.at ?? 0)} ms later with no Hello before it (calls in between: ${between(log, refused, repeat)})`,
      );
    // The repeat is answered: the pull finishes, so nothing spills into later scenarios.
    await waitForCursor(patient, stream, 1n, "the pull repeated after the refusal");
  },
};
