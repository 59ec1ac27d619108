// Client scenarios about coded-symbol reconciliation (§7.9): a false decode
// rejected, undecodable symbols falling back to ranges, a skip ending a range.
import { CODED_SYMBOLS_CAPABILITY } from "@tidemark/engine";
import type { ReconcileRequest, StreamId } from "@tidemark/protocol";
import { pullThenResync } from "./full-resync.js";
import {
  clientWatermark,
  freshSalt,
  notify,
  pulledFirst,
  rowId,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  ScenarioNotApplicable,
  tagChange,
  tagStream,
  waitFor,
  waitForCursor,
} from "./scenario-kit.js";
import { type HoldOptions, hex } from "./scripted-peer.js";

/** The Reconcile requests of `stream` the client sent at or after `since`. */
const reconcileRequestsSince = (ctx: ScenarioCtx, stream: StreamId, since: number) =>
  ctx.peer
    .requests("Reconcile", since)
    .map((r) => r.req as ReconcileRequest)
    .filter(
      (r) =>
        r.stream !== undefined &&
        hex(r.stream.origin) === hex(stream.origin) &&
        r.stream.resource === stream.resource,
    );

const asksSymbols = (r: ReconcileRequest) =>
  r.ranges.some((x) => x.payload.case === "symbolsRequest");
const rangeRounds = (r: ReconcileRequest) =>
  r.ranges.some((x) => x.payload.case === "fingerprint" || x.payload.case === "items");

/** Even seqs 2 … 40: 20 rows (more than a full listing's threshold), holes between. */
const CODED_SEQS = Array.from({ length: 20 }, (_, k) => 2 * (k + 1));

/**
 * Coded symbols (§7.9): the client pulls 20 rows, then the runner holds
 * one more at a hole seq below the same cursor (bent by `symbols`): equal
 * cursors, the client holding fewer, so it reconciles (EW-3), with coded
 * symbols when it uses them. Ends when the client holds what the runner
 * does; returns the Reconcile requests it sent.
 */
async function codedMismatch(ctx: ScenarioCtx, symbols: HoldOptions["symbols"]) {
  const origin = ctx.peer.newOrigin();
  const stream = tagStream(origin);
  const rows = CODED_SEQS.map((seq, k) => tagChange(rowId(k + 1, origin), seq));
  await pulledFirst(ctx, stream, rows, 40n);
  const extra = tagChange(rowId(100, origin), 39);
  ctx.peer.hold(stream, [...rows, extra], 40n, { ...(symbols === undefined ? {} : { symbols }) });
  const since = Date.now();
  await notify(ctx, stream);
  const target = ctx.peer.watermark(stream);
  // Room for a fallback's range rounds after the symbols, on a loaded machine.
  const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 10_000) };
  let equal = false;
  try {
    await waitFor(
      patient,
      "the client to fetch the row it lacks",
      async () => {
        const w = await clientWatermark(ctx, stream).catch(() => undefined);
        if (w !== undefined && hex(w.fingerprint) === hex(target.fingerprint)) return true;
        // Unchanged, as a later exchange would show it (nudges a client that deferred).
        await notify(ctx, stream).catch(() => undefined);
        return undefined;
      },
      1_000,
    );
    equal = true;
  } catch (err) {
    if (!(err instanceof ScenarioFailure)) throw err;
  } finally {
    // In sync again, honestly: later scenarios see no standing mismatch.
    ctx.peer.hold(stream, [...rows, extra], 40n);
  }
  const sent = reconcileRequestsSince(ctx, stream, since);
  if (sent.length === 0 && !equal)
    throw new ScenarioFailure(
      "the client never reconciled equal cursors with different fingerprints, the runner holding more (EW-3)",
    );
  if (!sent.some(asksSymbols))
    throw new ScenarioNotApplicable(
      `the client reconciled without coded symbols (${sent.length} Reconcile calls, no symbols_request; the runner announced ${CODED_SYMBOLS_CAPABILITY})`,
    );
  return { sent, equal, extra };
}

/** Symbols the client asked for in `sent` (count 0: the runner's choice, counted as 0). */
const symbolsAsked = (sent: readonly ReconcileRequest[]) =>
  sent
    .flatMap((r) => r.ranges)
    .reduce((n, x) => n + (x.payload.case === "symbolsRequest" ? x.payload.value.count : 0), 0);

export const rejectsFalseDecode: Scenario = {
  id: "client-rejects-false-decode",
  rules: ["RC-26", "RC-27"],
  title:
    "coded symbols that decode to a row the runner does not hold, under the fingerprint of what it does hold, are refuted by the fingerprint check: the client never asks for that row and falls back to range rounds, which find the row it lacks",
  async run(ctx) {
    const fake = { id: rowId(200, freshSalt()), seq: 37n };
    const { sent, equal } = await codedMismatch(ctx, { kind: "false-decode", extra: fake });
    const wanted = sent.flatMap((r) => r.wantIds.map(hex));
    if (wanted.includes(hex(fake.id)))
      throw new ScenarioFailure(
        "the client asked for a row only a false decode named: it used a decoded difference that fails the fingerprint check (RC-26)",
      );
    const first = sent.findIndex(asksSymbols);
    if (!sent.slice(first + 1).some(rangeRounds))
      throw new ScenarioFailure(
        `after the refuted decode the client sent no range rounds (${sent.length} Reconcile calls): no fallback (RC-27)`,
      );
    if (!equal)
      throw new ScenarioFailure(
        "the client never fetched the row it lacks after the refuted decode: the fallback did not repair the difference",
      );
  },
};

export const fallsBackFromUndecodableSymbols: Scenario = {
  id: "client-falls-back-from-undecodable-symbols",
  rules: ["RC-27"],
  title:
    "coded symbols that never decode: the client stops asking for symbols after a bounded number and reconciles by range rounds, which find the row it lacks",
  async run(ctx) {
    const { sent, equal } = await codedMismatch(ctx, { kind: "never-decode" });
    const asked = symbolsAsked(sent);
    const last = sent.map(asksSymbols).lastIndexOf(true);
    if (!sent.slice(last + 1).some(rangeRounds))
      throw new ScenarioFailure(
        `the client asked for ${asked} symbols in ${sent.filter(asksSymbols).length} requests that never decode and never fell back to range rounds (RC-27)`,
      );
    if (!equal)
      throw new ScenarioFailure(
        `after ${asked} undecodable symbols and range rounds the client still lacks the row the runner holds`,
      );
  },
};

export const endsRangeOnSkip: Scenario = {
  id: "client-ends-range-on-skip",
  rules: ["RC-29"],
  title:
    "a full resync of a stream the client already holds equally: the runner answers the client's symbols_request with a skip (equal fingerprints), and the client ends the range there (no further Reconcile request of the run) and adopts the cursor",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const rows = CODED_SEQS.map((seq, k) => tagChange(rowId(k + 1, origin), seq));
    // Below the horizon: a full resync, of sets already equal. The head
    // its origin signed lets the client adopt the relay's cursor (CU-8).
    const head = ctx.peer.signedHead(stream, 50n);
    // Patient: after the refusal scenario, whose backoff may delay the first pull.
    const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 30_000) };
    const { since } = await pullThenResync(
      patient,
      stream,
      { entries: rows, cursor: 40n },
      { entries: rows, cursor: 50n, opts: { horizon: 45n, head } },
    );
    await waitForCursor(ctx, stream, 50n, "the full resync to adopt the runner's cursor")
      .finally(() => ctx.peer.drop(stream))
      .catch((err: unknown) => {
        if (!(err instanceof ScenarioFailure)) throw err;
        const n = reconcileRequestsSince(ctx, stream, since).length;
        throw new ScenarioFailure(`${err.message}; ${n} Reconcile calls of the stream`);
      });
    const sent = reconcileRequestsSince(ctx, stream, since);
    const first = sent.findIndex(asksSymbols);
    if (first < 0)
      throw new ScenarioNotApplicable(
        `the client ran the full resync without coded symbols (${sent.length} Reconcile calls)`,
      );
    if (sent.length > first + 1)
      throw new ScenarioFailure(
        `after the skip answer the client sent ${sent.length - first - 1} more Reconcile request(s) for the stream (${sent
          .slice(first + 1)
          .map((r) => r.ranges.map((x) => x.payload.case).join("+") || "want_ids")
          .join(", ")}): a skip ends the range's exchange (RC-29)`,
      );
  },
};
