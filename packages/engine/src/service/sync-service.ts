// The SyncService handlers of one replica: validate with @tidemark/protocol,
// answer from the store, and hand what the caller told us (its watermarks,
// its pushes) to the control plane. Errors leave as ConnectErrors carrying
// an ErrorDetail (ProtocolError.toConnectError).
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  DEFAULT_CHANGES_PER_PAGE,
  DEFAULT_PAGE_BYTES,
  ErrorReason,
  ExchangeWatermarksResponseSchema,
  HelloResponseSchema,
  isProtocolError,
  MAX_CHANGES_PER_PAGE,
  MAX_PAGE_BYTES,
  NotifyDataAvailableResponseSchema,
  PageStatus,
  PROTOCOL_VERSION,
  ProtocolError,
  PushChangesResponseSchema,
  ReconcileResponseSchema,
  type RequestContext,
  type SyncService,
  type ValidationResult,
  validateBackfillRequest,
  validateExchangeWatermarksRequest,
  validateHelloRequest,
  validateNotifyDataAvailableRequest,
  validatePushChangesRequest,
  validateReconcileRequest,
} from "@tidemark/protocol";
import { isEngineError } from "../errors.js";
import { ReconcileResponder, type ReconcileSet, reconcileSetOf } from "../reconcile/index.js";
import type { StreamKey } from "../store/store-api.js";
import type { SyncContext } from "../sync/context.js";
import { errorText, limitReached, watermarksFor } from "../sync/context.js";
import { compareStreams, streamKeyFromId, streamKeyString, toHex } from "../sync/ids.js";
import type { Inbox } from "../sync/inbox.js";
import type { PeerSync } from "../sync/peer-sync.js";
import { CAPABILITIES } from "../sync/peer-sync.js";
import type { Recovery } from "../sync/recovery.js";
import { Admission } from "./admission.js";
import { authorizeCall } from "./authorize.js";
import { engineErrorToConnect } from "./error-reason.js";

export type ServiceHooks = {
  readonly ctx: SyncContext;
  readonly peer: (deviceHex: string) => PeerSync | undefined;
  readonly recovery: Recovery;
  readonly inbox: Inbox;
  /** A peer's complete watermarks arrived (own-stream confirmation). */
  readonly heardFrom: (peer: PeerSync) => void;
  /** A peer asked for a stream after a seq (own-stream confirmation). */
  readonly backfillAsked?: (
    peer: PeerSync,
    stream: StreamKey,
    afterSeq: bigint | undefined,
  ) => void;
  /** Per-caller bounds on Backfills and watermark calls (default: protocol limits). */
  readonly admission?: Admission;
};

/** Builds the handlers; every call is tracked so Replica.idle() sees it. */
export function createSyncService(hooks: ServiceHooks): ServiceImpl<typeof SyncService> {
  const { ctx, recovery, inbox } = hooks;
  const admission =
    hooks.admission ??
    new Admission(ctx.ports.clock, ctx.bounds, (limit, peer) => limitReached(ctx, limit, { peer }));
  // Peers of this replica are bounded each on their own; other callers
  // also share one pool (service/admission.ts).
  const admit = (deviceId: Uint8Array) => {
    const caller = toHex(deviceId);
    admission.watermarkCall(caller, hooks.peer(caller) !== undefined);
  };
  const reconcileSet = (stream: StreamKey): ReconcileSet =>
    reconcileSetOf(ctx.store.reconcileItems(stream));
  // Who is calling, before anything else of the request is read (§15).
  const authorize = (call: HandlerContext, deviceId: Uint8Array): string =>
    authorizeCall(ctx, call, deviceId, (hex) => hooks.peer(hex) !== undefined);
  // Own-stream confirmation believes only callers the transport vouched for.
  const vouched = ctx.callers === "authenticated";
  // No nowMs: a pushed change too far ahead is judged per stream by the
  // store (ACK_STATUS_DROPPED, the stream held), never the whole request.
  const reqCtx = (): RequestContext => ({ libraryId: ctx.libraryIdBytes });
  const guard = <T>(what: string, fn: () => T): Promise<T> =>
    ctx.work.run(async () => {
      if (ctx.closed) throw new ConnectError("replica closed", Code.Unavailable);
      try {
        return fn();
      } catch (err) {
        throw toConnectError(ctx, what, err);
      }
    });

  return {
    hello(req, call) {
      return guard("hello", () => {
        authorize(call, req.deviceId);
        valid(validateHelloRequest(req, reqCtx()));
        hooks.peer(toHex(req.deviceId))?.noteInboundContact();
        return create(HelloResponseSchema, {
          libraryId: ctx.libraryIdBytes,
          deviceId: ctx.deviceIdBytes,
          protocolVersion: Math.min(req.protocolVersion, PROTOCOL_VERSION),
          capabilities: CAPABILITIES,
          deviceName: ctx.deviceName,
        });
      });
    },

    exchangeWatermarks(req, call) {
      return guard("exchange", () => {
        authorize(call, req.deviceId);
        admit(req.deviceId);
        valid(validateExchangeWatermarksRequest(req, reqCtx()));
        const watermarks = watermarksFor(ctx, toHex(req.deviceId));
        // Both sides send theirs in one round trip: the caller's watermarks
        // let us pull what *we* lack from it, without a second exchange.
        const peer = hooks.peer(toHex(req.deviceId));
        if (peer !== undefined) {
          peer.recordWatermarks(req.watermarks, true);
          inbox.dropPastOriginHead(peer);
          if (peer.usable) recovery.evaluate(peer, "peer-exchange");
          if (vouched) hooks.heardFrom(peer);
        }
        return create(ExchangeWatermarksResponseSchema, {
          deviceId: ctx.deviceIdBytes,
          watermarks,
        });
      });
    },

    async *backfill(req, call) {
      const admitted = await guard("backfill", () => {
        authorize(call, req.deviceId);
        valid(validateBackfillRequest(req, reqCtx()));
        const caller = toHex(req.deviceId);
        return admission.backfill(caller, hooks.peer(caller) !== undefined);
      });
      const release = ctx.work.hold();
      try {
        const maxChanges = Math.min(
          req.maxChangesPerPage || DEFAULT_CHANGES_PER_PAGE,
          MAX_CHANGES_PER_PAGE,
        );
        const maxBytes = Math.min(req.maxPageBytes || DEFAULT_PAGE_BYTES, MAX_PAGE_BYTES);
        const peer = toHex(req.deviceId);
        const streams = req.streams
          .map((s) => ({ stream: streamKeyFromId(s.stream), afterSeq: s.afterSeq }))
          .sort((a, b) => compareStreams(a.stream, b.stream));
        const asker = hooks.peer(peer);
        if (asker !== undefined)
          for (const s of streams) hooks.backfillAsked?.(asker, s.stream, s.afterSeq);
        for (const { stream, afterSeq } of streams) {
          const key = streamKeyString(stream);
          let after = afterSeq;
          // Each page advances `after`; the bound stops a store that would not.
          for (let pages = 0; pages < 1_000_000; pages++) {
            if (ctx.closed) throw new ConnectError("replica closed", Code.Unavailable);
            let page: BackfillResponse;
            try {
              // Only the request's after_seq is judged against the horizon.
              page = ctx.store.changesAfter(stream, after, { maxChanges, maxBytes }, pages > 0);
              if (page.changes.length > 0) page.originKey = originKeyOf(ctx, stream);
            } catch (err) {
              throw toConnectError(ctx, "backfill", err);
            }
            ctx.metrics.inc(
              "tidemark_records_out_total",
              { peer, stream: key },
              page.changes.length,
            );
            ctx.metrics.inc(
              "tidemark_bytes_out_total",
              { peer },
              toBinary(BackfillResponseSchema, page).length,
            );
            const last = page.changes[page.changes.length - 1];
            const next = last?.seq ?? page.completeThrough;
            const done =
              page.streamDone ||
              page.status !== PageStatus.OK ||
              next === undefined ||
              next === after;
            yield done && !page.streamDone ? { ...page, streamDone: true } : page;
            if (done) break;
            after = next;
          }
        }
      } finally {
        release();
        admitted();
      }
    },

    pushChanges(req, call) {
      return guard("push", () => {
        authorize(call, req.deviceId);
        valid(validatePushChangesRequest(req, reqCtx()));
        // Only the origin pushes, and this device is the origin of its own
        // streams: a push of them, under any device id, is never one of ours.
        if (toHex(req.deviceId) === ctx.deviceId) {
          throw new ProtocolError(
            ErrorReason.NOT_ORIGIN,
            "nobody else pushes this device's streams",
            {
              field: "device_id",
            },
          );
        }
        const acks = inbox.receive(hooks.peer(toHex(req.deviceId)), req.batches);
        return create(PushChangesResponseSchema, { acks });
      });
    },

    reconcile(req, call) {
      return guard("reconcile", () => {
        authorize(call, req.deviceId);
        valid(validateReconcileRequest(req, reqCtx()));
        const stream = streamKeyFromId(req.stream);
        const cursor = ctx.store.streamState(stream)?.cursor;
        // Not held: no ranges (never "all settled"), no cursor (RC-3).
        const ranges =
          req.ranges.length === 0 || cursor === undefined
            ? []
            : new ReconcileResponder(reconcileSet(stream)).reconcile(req.ranges);
        // Each distinct wanted id is answered once, repeats included (RC-2).
        const wanted = distinctIds(req.wantIds);
        const changes =
          wanted.length === 0 || cursor === undefined ? [] : ctx.store.changesByIds(stream, wanted);
        const held = new Set(changes.map((c) => toHex(c.rowId)));
        const missingIds = wanted.filter((id) => !held.has(toHex(id)));
        const res = create(ReconcileResponseSchema, {
          ranges,
          changes,
          missingIds,
          cursor,
          ...(changes.length > 0 ? { originKey: originKeyOf(ctx, stream) } : {}),
        });
        ctx.metrics.inc(
          "tidemark_bytes_out_total",
          { peer: toHex(req.deviceId) },
          toBinary(ReconcileResponseSchema, res).length,
        );
        return res;
      });
    },

    notifyDataAvailable(req, call) {
      return guard("notify", () => {
        authorize(call, req.deviceId);
        admit(req.deviceId);
        valid(validateNotifyDataAvailableRequest(req, reqCtx()));
        const peer = hooks.peer(toHex(req.deviceId));
        if (peer !== undefined) {
          peer.recordWatermarks(req.watermarks, false);
          ctx.log(
            "info",
            {
              event: "data-available",
              peer: peer.peer,
              state: peer.state,
              streams: req.watermarks.length,
            },
            "peer announced data",
          );
          if (peer.usable) recovery.evaluate(peer, "data-available");
        }
        return create(NotifyDataAvailableResponseSchema, {});
      });
    },
  };
}

/** `ids` without repeats, first occurrence order. */
function distinctIds(ids: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = toHex(id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The stream origin's key, carried with its changes (PROTOCOL.md §16 SG-3); empty if unknown. */
function originKeyOf(ctx: SyncContext, stream: StreamKey): Uint8Array {
  return ctx.store.originKey(stream.origin) ?? new Uint8Array(0);
}

function valid<T>(result: ValidationResult<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

/** Maps what a handler threw to a ConnectError with a reason detail. */
function toConnectError(ctx: SyncContext, what: string, err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isProtocolError(err)) return err.toConnectError();
  ctx.log(
    "warn",
    { event: "handler-error", what, error: errorText(err) },
    `${what} handler failed`,
  );
  if (isEngineError(err)) return engineErrorToConnect(err);
  return ProtocolError.from(err, Code.Internal).toConnectError();
}
