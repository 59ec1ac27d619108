// exchange-failures-counted: an operator alerting on failed watermark
// exchanges must see every one. Each ExchangeWatermarks call a device made
// to a peer that never got its answer (an error, a lost request or answer,
// a timeout) must show in the device's tidemark_exchange_failures_total for
// that peer, per incarnation (a restart starts its counters afresh). A
// lower bound only: a Hello or an answer the caller rejects fails an
// exchange too, with no unanswered call on the wire.
import { deviceIdOf } from "../ids.js";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import { parseMetricKey } from "./peer-status.js";
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

  /** Judges calls started by `until` (later ones may still be waiting for their answer). */
  async check(nodes: readonly SimNode[], until: number): Promise<PropertyFailure | undefined> {
    const failed = new Map<string, number>();
    for (const c of this.unanswered.values()) {
      if (c.t > until) continue;
      const key = `${c.from}:${c.gen}>${c.to}`;
      failed.set(key, (failed.get(key) ?? 0) + 1);
    }
    for (const n of nodes) {
      const probe = n.replica?.probe;
      if (probe === undefined) continue;
      const counted = new Map<string, number>();
      for (const [key, value] of Object.entries(await probe.metrics())) {
        const s = parseMetricKey(key);
        const peer = s.labels.peer;
        if (s.name === METRIC && peer !== undefined)
          counted.set(peer, (counted.get(peer) ?? 0) + value);
      }
      for (const [key, calls] of failed) {
        const [from, rest] = key.split(":");
        const [gen, to] = (rest ?? "").split(">").map(Number);
        if (Number(from) !== n.index || gen !== n.generation) continue;
        const seen = counted.get(deviceIdOf(to ?? -1)) ?? 0;
        if (seen >= calls) continue;
        return {
          property: "exchange-failures-counted",
          devices: [n.index, to ?? -1],
          detail: `d${n.index} made ${calls} ExchangeWatermarks calls to d${to} that got no answer, but its ${METRIC} for that peer says ${seen}`,
        };
      }
    }
    return undefined;
  }
}
