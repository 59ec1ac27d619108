// Reconcile (equal cursors, fingerprints differ) and full resync (below
// the peer's tombstone horizon): find exactly the rows that differ with
// range-based reconciliation, fetch them by id, apply them as one pull.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type Change,
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import { ReconcileInitiator } from "../reconcile/index.js";
import type { StreamKey } from "../store/store-api.js";
import { type SyncContext, seqField } from "./context.js";
import { streamIdFromKey, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

export type ReconcileMode = "reconcile" | "full-resync";

export type ReconcileOutcome = {
  readonly fetched: number;
  readonly applied: number;
  /** Ids we hold that the peer lacks: kept, reported, never silently dropped. */
  readonly extra: number;
  readonly roundTrips: number;
};

const MAX_ROUNDS = 64;
const FETCH_CHUNK = 1000;

/**
 * Runs one reconciliation of `stream` against `source` and applies what
 * the peer holds newer. In `reconcile` mode (equal cursors) only changes
 * at or below our cursor are applied, and the cursor stays; in
 * `full-resync` mode the cursor moves to the peer's. Rows only we hold
 * are reported loudly (metric + error event), not deleted.
 */
export async function runReconcile(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  mode: ReconcileMode,
): Promise<ReconcileOutcome> {
  const { store } = ctx;
  const key = streamKeyString(stream);
  const before = store.streamState(stream);
  const initiator = new ReconcileInitiator(store.reconcileItems(stream));
  let ranges: ReconcileRange[] | undefined = initiator.initiate();
  let rounds = 0;
  let peerCursor: bigint | undefined;
  while (ranges !== undefined) {
    if (++rounds > MAX_ROUNDS) {
      throw new EngineError(EngineErrorCode.Internal, "reconcile: too many rounds", {
        stream: key,
      });
    }
    const res = await call(ctx, source, stream, ranges, []);
    peerCursor = res.cursor;
    ranges = initiator.reconcile(res.ranges);
  }
  const ownStream = stream.origin === ctx.deviceId;
  const fetched: Change[] = [];
  for (let i = 0; i < initiator.need.length; i += FETCH_CHUNK) {
    const res = await call(ctx, source, stream, [], initiator.need.slice(i, i + FETCH_CHUNK));
    if (ctx.closed) return { fetched: 0, applied: 0, extra: 0, roundTrips: rounds };
    peerCursor = res.cursor;
    fetched.push(...res.changes);
  }
  const localCursor = store.streamState(stream)?.cursor ?? before?.cursor;
  const limit = mode === "reconcile" ? localCursor : peerCursor;
  const usable = fetched.filter((c) => limit !== undefined && c.seq <= limit);
  let applied = 0;
  if (limit !== undefined && (usable.length > 0 || mode === "full-resync")) {
    store.beginPull(stream);
    if (usable.length > 0) {
      usable.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
      const outcome = store.apply(stream, usable, { mode: "page" });
      if (outcome.kind === "rejected") throw outcome.error;
      applied = usable.length;
    }
    const fin = store.finishPull(stream, limit);
    if (fin.kind === "rejected") throw fin.error;
  }
  // Ids only we hold: a peer that is the stream's origin no longer has the
  // row (a delete pruned everywhere, or corruption here). Keep and report.
  const extra = source.peer === stream.origin && !ownStream ? initiator.have.length : 0;
  const labels = { peer: source.peer, stream: key };
  ctx.metrics.inc(
    mode === "reconcile" ? "tidemark_reconciles_total" : "tidemark_full_resyncs_total",
    labels,
  );
  ctx.metrics.inc("tidemark_records_in_total", labels, applied);
  if (extra > 0) {
    ctx.metrics.inc("tidemark_unresolved_rows_total", { stream: key }, extra);
    ctx.log(
      "error",
      {
        event: "reconcile-unresolved-rows",
        peer: source.peer,
        stream: key,
        state: source.state,
        rows: extra,
      },
      "holding rows the origin no longer has; kept, not deleted",
    );
  }
  ctx.log(
    "info",
    {
      event: mode === "reconcile" ? "reconcile-finished" : "full-resync-finished",
      peer: source.peer,
      stream: key,
      state: source.state,
      rounds,
      need: initiator.need.length,
      have: initiator.have.length,
      applied,
      cursor: seqField(store.streamState(stream)?.cursor),
      peerCursor: seqField(peerCursor),
    },
    `${mode} finished`,
  );
  return { fetched: fetched.length, applied, extra, roundTrips: rounds };
}

async function call(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  ranges: ReconcileRange[],
  wantIds: Uint8Array[],
) {
  const deadline = source.deadline("reconcile");
  try {
    const req = create(ReconcileRequestSchema, {
      libraryId: ctx.libraryIdBytes,
      deviceId: ctx.deviceIdBytes,
      stream: streamIdFromKey(stream),
      ranges,
      wantIds,
    });
    ctx.metrics.inc(
      "tidemark_bytes_out_total",
      { peer: source.peer },
      toBinary(ReconcileRequestSchema, req).length,
    );
    const res = await source.client().reconcile(req, { signal: deadline.signal });
    ctx.metrics.inc(
      "tidemark_bytes_in_total",
      { peer: source.peer },
      toBinary(ReconcileResponseSchema, res).length,
    );
    return res;
  } finally {
    source.release(deadline);
  }
}
