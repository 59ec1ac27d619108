// exchange-failures-counted: an operator alerting on failed watermark
// exchanges must see every one. Each ExchangeWatermarks call a device made
// to a peer that never got its answer (an error, a lost request or answer,
// a timeout) must show in the device's tidemark_exchange_failures_total for
// that peer, per incarnation (a restart starts its counters afresh). A
// lower bound only: a Hello or an answer the caller rejects fails an
// exchange too, with no unanswered call on the wire.
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import { addTo, firstShortfall, type Tally, tallyKey } from "./counted.js";
import type { PropertyFailure } from "./property.js";

const METRIC = "tidemark_exchange_failures_total";

type Call = {
  readonly from: number;
  readonly to: number;
  readonly gen: number;
  readonly t: number;
};

export class ExchangeFailureTracker {
  /** ExchangeWatermarks calls not answered yet, by call id. */
  private readonly unanswered = new Map<number, Call>();

  constructor(private readonly generationOf: (device: number) => number) {}

  /** Every message sent (the network tap). */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req" || m.rpc !== "ExchangeWatermarks") return;
    this.unanswered.set(m.call, { from: m.from, to: m.to, gen: this.generationOf(m.from), t: now });
  }

  /** Every message delivered: an answer that reached the caller settles its call. */
  delivered(m: Delivered): void {
    if (m.part === "res") this.unanswered.delete(m.call);
  }

  /**
   * `a` and `b` were unpaired: calls between them still in flight fail
   * unseen (a removed pairing's late answers are dropped, PeerSync.retire).
   */
  unpaired(a: number, b: number): void {
    for (const [id, c] of this.unanswered)
      if ((c.from === a && c.to === b) || (c.from === b && c.to === a)) this.unanswered.delete(id);
  }

  /** Judges calls started by `until` (later ones may still be waiting for their answer). */
  async check(nodes: readonly SimNode[], until: number): Promise<PropertyFailure | undefined> {
    const failed: Tally = new Map();
    for (const c of this.unanswered.values())
      if (c.t <= until) addTo(failed, tallyKey(c.from, c.gen, c.to));
    for (const n of nodes) {
      const short = await firstShortfall(n, failed, METRIC);
      if (short === undefined) continue;
      return {
        property: "exchange-failures-counted",
        devices: [n.index, short.peer],
        detail: `d${n.index} made ${short.want} ExchangeWatermarks calls to d${short.peer} that got no answer, but its ${METRIC} for that peer says ${short.seen}`,
      };
    }
    return undefined;
  }
}
