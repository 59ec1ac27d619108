// invalid-reconciles-counted: an operator alerting on a peer whose
// Reconcile answers break the exchange must see each one. Every answer to
// a round (a request with ranges) delivered to a device that an honest
// initiator must refuse (PROTOCOL.md §7) must show in the receiver's
// tidemark_invalid_responses_total for that peer and rpc "reconcile", per
// incarnation. Refused here, from the request and answer alone:
// - what the protocol's validator refuses;
// - an answer to a symbols_request that is neither nothing nor one
//   symbols range ending the id space, starting at the index asked;
// - coded symbols (or a symbols_request) answering range rounds;
// - a "needed id" the request never listed.
// A lower bound: an answer without a cursor (the peer does not hold the
// stream, RC-4) ends the run unread, and one delivered after its call gave
// up is not read.
import { idToHex } from "@tidemark/engine";
import {
  ID_BYTES,
  type ReconcileRequest,
  type ReconcileResponse,
  validateReconcileResponse,
} from "@tidemark/protocol";
import type { Delivered } from "../network/network.js";
import type { SimNode } from "../node.js";
import { addTo, firstShortfall, type Tally, tallyKey } from "./counted.js";
import { INVALID_RESPONSES as METRIC } from "./invalid-answers.js";
import type { PropertyFailure } from "./property.js";

/** The ids packed in an item list's field, as hex. */
function* idsOf(packed: Uint8Array): Generator<string> {
  for (let off = 0; off < packed.length; off += ID_BYTES)
    yield idToHex(packed.subarray(off, off + ID_BYTES));
}

/** Why an honest initiator must refuse `res` as the answer to `req`, if it must. */
export function refusedReconcileAnswer(
  req: ReconcileRequest,
  res: ReconcileResponse,
): string | undefined {
  if (req.ranges.length === 0 || res.cursor === undefined) return undefined;
  const valid = validateReconcileResponse(res, { request: req });
  if (!valid.ok) return valid.error.message;
  const asked = req.ranges[0]?.payload;
  if (req.ranges.length === 1 && asked?.case === "symbolsRequest") {
    if (res.ranges.length === 0) return undefined;
    const only = res.ranges[0];
    if (res.ranges.length !== 1 || only?.upperBound.length !== 0 || only.payload.case !== "symbols")
      return "a symbols_request answered by other than one symbols range";
    if (only.payload.value.start !== asked.value.start)
      return `coded symbols from ${only.payload.value.start}, asked from ${asked.value.start}`;
    return undefined;
  }
  const listed = new Set<string>();
  for (const r of req.ranges)
    if (r.payload.case === "items") for (const id of idsOf(r.payload.value.ids)) listed.add(id);
  for (const r of res.ranges) {
    const p = r.payload;
    if (p.case === "symbols" || p.case === "symbolsRequest")
      return "coded symbols answering range rounds";
    if (p.case !== "items") continue;
    for (const id of idsOf(p.value.neededIds))
      if (!listed.has(id)) return "a needed id the request never listed";
  }
  return undefined;
}

export class InvalidReconcileTracker {
  /** Requests of round calls in flight, by `${caller}:${call}`. */
  private readonly asked = new Map<string, ReconcileRequest>();
  /** Refusable answers delivered, by receiver incarnation and sender. */
  private readonly invalid: Tally = new Map();

  /** `generationOf(i)`: device i's incarnation. */
  constructor(private readonly generationOf: (device: number) => number) {}

  /** Every message delivered. */
  delivered(m: Delivered): void {
    if (m.rpc !== "Reconcile") return;
    if (m.part === "req") {
      const req = m.message() as ReconcileRequest;
      if (req.ranges.length > 0) this.asked.set(`${m.from}:${m.call}`, req);
      return;
    }
    if (m.part !== "res") return;
    const req = this.asked.get(`${m.to}:${m.call}`);
    // A duplicate of an answer is read once.
    this.asked.delete(`${m.to}:${m.call}`);
    if (req === undefined) return;
    if (refusedReconcileAnswer(req, m.message() as ReconcileResponse) === undefined) return;
    addTo(this.invalid, tallyKey(m.to, this.generationOf(m.to), m.from));
  }

  async check(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    for (const n of nodes) {
      const short = await firstShortfall(n, this.invalid, METRIC, (l) => l.rpc === "reconcile");
      if (short === undefined) continue;
      return {
        property: "invalid-reconciles-counted",
        devices: [n.index, short.peer],
        detail: `d${n.index} received ${short.want} Reconcile answers from d${short.peer} that an honest initiator must refuse, but its ${METRIC}{rpc="reconcile"} for that peer says ${short.seen}`,
      };
    }
    return undefined;
  }

  /** Refusable answers delivered so far, over all devices (for tests). */
  get total(): number {
    let sum = 0;
    for (const v of this.invalid.values()) sum += v;
    return sum;
  }
}
