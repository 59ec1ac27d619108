// honest-requests: every request an honest replica sends passes the
// protocol's own request validator, with the receiver's context (its
// library), judged on the wire. A receiver refuses a malformed request
// whole and the caller logs it and carries on (a refused notice, a
// refused exchange is retried at the next period), so a replica sending
// bad requests may still converge: only a check of the requests
// themselves sees it.
// - Hello (§2.2): library, device id, protocol version, bounded strings.
// - ExchangeWatermarks (§4): a well-formed watermark list, no stream twice.
// - Backfill (§5): streams once each, after_seq absent or >= 1, page
//   limits within the protocol's bounds.
// - PushChanges (§8): the pusher is the origin of every batch, batches
//   consecutive and non-empty, every change valid, within the push limits.
// - Reconcile (§7): one stream, well-formed ranges, bounded want_ids.
// - NotifyDataAvailable (§9): every listed watermark names the stream's
//   new cursor (NT-3). An own stream held unconfirmed has none (OR-1) and
//   must be left out: the reference peer once listed it and every receiver
//   refused the whole notice (found in e2e logs; `announce-while-held`).
// A request is judged in its sender's library: a device of another library
// paired in by mistake sends honest requests the receiver refuses (§15 AU-7).
// The HLC's max offset is not judged here (the receiver's clock, not the
// request, decides it; clock faults skew it on purpose). Not judged: a
// device lying at the time (faults/liar.ts) and requests a fault wrote
// (a forger's pushes, faults/forger.ts).

import { idToHex } from "@tidemark/engine";
import {
  type PushChangesRequest,
  type RequestContext,
  validateRequestOf,
} from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

export class RequestTracker {
  /** Rows a forger pushes, by `${from}>${to}:${rowId}`: their pushes are the fault's. */
  private readonly forged = new Set<string>();
  private readonly broken: string[] = [];
  /** Requests judged, by method (the README's figures; tests see coverage). */
  readonly judged = new Map<string, number>();

  /**
   * `libraryOf(i)`: device i's library (its requests are judged in it).
   * `lying(i)`: device i is a liar now (its messages are not judged).
   */
  constructor(
    private readonly libraryOf: (device: number) => Uint8Array,
    private readonly lying: (device: number) => boolean,
  ) {}

  /** A forger's push of `rowId` from `from` to `to` is the fault's, not the engine's. */
  forgedPush(from: number, to: number, rowId: string): void {
    this.forged.add(`${from}>${to}:${rowId}`);
  }

  /** The network tap: every message as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req" || this.lying(m.from)) return;
    const message = m.message();
    if (m.rpc === "PushChanges" && this.isForged(m, message as PushChangesRequest)) return;
    // The protocol's one map from a request's type to its validator.
    const ctx: RequestContext = { libraryId: this.libraryOf(m.from) };
    const valid = validateRequestOf(message, ctx);
    if (valid === undefined) return;
    this.judged.set(m.rpc, (this.judged.get(m.rpc) ?? 0) + 1);
    if (!valid.ok)
      this.broken.push(
        `${m.rpc} request d${m.from} to d${m.to} at ${Math.round(now)} ms: ${valid.error.message}`,
      );
  }

  private isForged(m: TapInfo, req: PushChangesRequest): boolean {
    if (this.forged.size === 0) return false;
    return req.batches.some((b) =>
      b.changes.some((c) => this.forged.has(`${m.from}>${m.to}:${idToHex(c.rowId)}`)),
    );
  }

  /** Every request judged broken so far, oldest first (a run kept going past its failure). */
  get brokenRequests(): readonly string[] {
    return this.broken;
  }

  /** The first broken rule seen (the run stops at a safety failure). */
  take(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: "honest-requests",
      detail: `${this.broken.length} request(s) broke the protocol's rules: ${first}`,
    };
  }
}
