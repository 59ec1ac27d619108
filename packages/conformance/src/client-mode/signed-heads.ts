// Client scenarios about a relay's claims on a third device's stream: a
// cursor bounded by what was delivered and by heads its origin signed.
import type { StreamHead, StreamId } from "@tidemark/protocol";
import {
  notify,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  sleep,
  tagStream,
  tagsAt,
  waitForWatermark,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

/**
 * The client's watermark of `stream` once it holds a cursor and is not
 * pulling, read again after a pause (a second pull must not move it).
 */
async function settledWatermark(ctx: ScenarioCtx, stream: StreamId, what: string) {
  const settled = async () =>
    waitForWatermark(ctx, stream, what, (w) => w.cursor !== undefined && w.pulling !== true);
  await settled();
  await sleep(Math.min(1_500, ctx.timeoutMs));
  return settled();
}

/**
 * CU-8: a relay serves a third device's stream (the runner plays both)
 * through seq 3 and claims it holds it through 10; `head` is the head
 * statement it relays. The client's cursor must stay at or below `ceiling`.
 */
async function relayOverclaim(
  ctx: ScenarioCtx,
  head: (stream: StreamId) => StreamHead,
  ceiling: bigint,
  why: string,
) {
  const origin = ctx.peer.newOrigin();
  const stream = tagStream(origin);
  const rows = tagsAt(origin, [1, 2, 3]);
  const opts = { head: head(stream) };
  ctx.peer.hold(stream, rows, 10n, opts);
  await notify(ctx, stream);
  const w = await settledWatermark(ctx, stream, "the pull of the relayed stream");
  if ((w.cursor ?? 0n) < 3n)
    throw new ScenarioFailure(`the client settled at ${w.cursor}, below the 3 rows delivered`);
  if ((w.cursor ?? 0n) > ceiling)
    throw new ScenarioFailure(
      `the client's cursor of a third device's stream is ${w.cursor}: the relay claimed 10 and delivered rows through 3; ${why}`,
    );
  return { stream, rows, w };
}

export const boundsRelayClaimBySignedHead: Scenario = {
  id: "client-bounds-relay-claim-by-signed-head",
  rules: ["CU-8"],
  title:
    "a relay serves a third device's stream through seq 3, claims 10 and relays that device's signed head at 6: the client's cursor ends between 3 and 6, never at the relay's word",
  async run(ctx) {
    await relayOverclaim(
      ctx,
      (stream) => ctx.peer.signedHead(stream, 6n),
      6n,
      "its origin signed a head at 6 only (CU-8 bounds the cursor there)",
    );
  },
};

export const believesOnlySignedHeads: Scenario = {
  id: "client-believes-only-signed-heads",
  rules: ["SG-10", "CU-8"],
  title:
    "a head at 10 signed by a key other than its origin's is not believed (the cursor stays at the 3 rows delivered) nor relayed; a head the origin signed at 8 is kept and relayed unchanged in the client's watermark",
  async run(ctx) {
    const { stream, rows, w } = await relayOverclaim(
      ctx,
      (s) => ctx.peer.forgedHead(s, 10n),
      3n,
      "the only head at 10 was signed by another key than its origin's (SG-10: not believed)",
    );
    if (w.head !== undefined && w.head.seq > 3n)
      throw new ScenarioFailure(
        `the client relays a head at ${w.head.seq} its origin never signed (SG-10: a head that does not verify is not kept)`,
      );
    const signed = ctx.peer.signedHead(stream, 8n);
    ctx.peer.hold(stream, rows, 10n, { head: signed });
    await notify(ctx, stream);
    const kept = await waitForWatermark(
      ctx,
      stream,
      "the client to relay the verified head at 8 in its watermark",
      (x) => x.head?.seq === 8n,
    ).catch((err: unknown) => {
      if (!(err instanceof ScenarioFailure)) throw err;
      throw new ScenarioFailure(
        `the client never relayed the head its origin signed at 8 (SG-10: keep the highest verified head and send it in the watermark): ${err.message}`,
      );
    });
    if (hex(kept.head?.signature ?? new Uint8Array()) !== hex(signed.signature))
      throw new ScenarioFailure(
        "the client relays the head at 8 with another signature: not unchanged",
      );
    if ((kept.cursor ?? 0n) > 8n)
      throw new ScenarioFailure(
        `the client's cursor is ${kept.cursor}, above the signed head at 8`,
      );
  },
};
