// Parents by id (PROTOCOL.md §3.6 RF-5). A stream serves each row's latest
// version in seq order, so a directory renamed after its children is served
// after them: every child waits in the bounded dependency buffer, and past
// the bound the page is refused again on every retry. When that happens the
// puller asks the same source for the awaited parents by id (Reconcile
// want_ids) and applies them without moving the pull's resume point; their
// in-order arrival later is a no-op.
import type { Change } from "@tidemark/protocol";
import { MAX_WANT_IDS } from "@tidemark/protocol";
import { EngineErrorCode } from "../errors.js";
import type { StreamKey } from "../store/store-api.js";
import { authenticatedSender, noteForgery, type SyncContext } from "./context.js";
import { fromHex, streamKeyString, toHex } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";
import { reconcileCall } from "./reconcile-run.js";

/**
 * Most Reconcile round trips per refused page: one for the parents, one
 * more per level of a chain of parents that are themselves missing.
 */
export const MAX_PARENT_ROUNDS = 8;

/**
 * Fetches from `source` the rows that `stream`'s held changes wait for and
 * applies them (ancestors first). Only versions the source's cursor covers
 * are applied (the pull's finish must cover them, §5.2 BF-8); never on our
 * own streams (a peer proves seqs of those only by serving them in order).
 * `refused` is the row the refused apply's change waited for when it hit
 * the bound: a page whose own children pass the bound rolls back, so
 * nothing of it is held, and only the refusal names that parent.
 * Returns how many changes it applied: 0 means it could not help.
 */
export async function fetchAwaitedParents(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  refused?: string,
): Promise<number> {
  const key = streamKeyString(stream);
  if (stream.origin.toLowerCase() === ctx.deviceId) return 0;
  let want = ctx.store.awaitedParents(stream, MAX_WANT_IDS);
  const asked = new Set(want.map(toHex));
  if (refused !== undefined && !asked.has(refused) && want.length < MAX_WANT_IDS) {
    asked.add(refused);
    want = [...want, fromHex(refused)];
  }
  let fetched: Change[] = [];
  let originKey: Uint8Array | undefined;
  for (let round = 0; round < MAX_PARENT_ROUNDS && want.length > 0 && !ctx.closed; round++) {
    const res = await reconcileCall(ctx, source, stream, [], want);
    const told = source.remote.get(key)?.cursor;
    const usable = res.changes.filter(
      (c) => told !== undefined && res.cursor !== undefined && c.seq <= told && c.seq <= res.cursor,
    );
    if (usable.length === 0 || ctx.closed) return 0;
    if (res.originKey.length > 0) originKey = res.originKey;
    // The newly fetched rows are what the earlier ones wait for: first.
    fetched = [...usable, ...fetched];
    const outcome = ctx.store.apply(stream, fetched, {
      mode: "parents",
      originKey,
      sentBy: authenticatedSender(ctx, source.peer),
    });
    if (outcome.kind === "applied") {
      logFetched(ctx, source, key, fetched.length, round + 1);
      return fetched.length;
    }
    if (outcome.kind !== "rejected") return 0;
    noteForgery(ctx, outcome.error, { peer: source.peer, stream: key });
    // A fetched parent must wait for its own parent, and the buffer is
    // full: fetch that one too (a chain, bounded by the rounds).
    const missing = outcome.error.details.missingParent;
    if (outcome.error.code !== EngineErrorCode.BufferFull || typeof missing !== "string") return 0;
    if (asked.has(missing)) return 0;
    asked.add(missing);
    want = [fromHex(missing)];
  }
  return 0;
}

function logFetched(
  ctx: SyncContext,
  source: PeerSync,
  stream: string,
  changes: number,
  rounds: number,
): void {
  ctx.metrics.inc("tidemark_parents_fetched_total", { peer: source.peer, stream }, changes);
  ctx.log(
    "info",
    { event: "parents-fetched", peer: source.peer, stream, state: source.state, changes, rounds },
    "dependency buffer full: fetched the awaited parents by id",
  );
}
