// dropped-acks-said: a realtime batch a replica acks DROPPED is lost to
// its pusher (it is never sent again; a pull must bring it), so the
// replica says why where an operator looks: before the ack, a warn or
// error record naming the batch's stream (a bound reached, a clock held,
// a rejected batch). A silent DROPPED leaves a stream behind unexplained.
import { AckStatus, type PushChangesResponse } from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";
import { wireStreamKey } from "./short-key.js";

type Dropped = { readonly device: number; readonly stream: string; readonly at: number };

export class DroppedAcks {
  private readonly dropped: Dropped[] = [];

  /** Notes every DROPPED ack of a PushChanges answer as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "PushChanges" || m.part !== "res" || this.dropped.length >= 10_000) return;
    const res = m.message() as Partial<PushChangesResponse> | undefined;
    for (const a of res?.acks ?? []) {
      if (a.status !== AckStatus.DROPPED || a.stream === undefined) continue;
      const stream = wireStreamKey(a.stream);
      this.dropped.push({ device: m.from, stream, at: now });
    }
  }

  /** `said`: when each device first said a warn or error record naming a stream (`${device}|${stream}`). */
  check(said: ReadonlyMap<string, number>): PropertyFailure | undefined {
    for (const d of this.dropped) {
      const first = said.get(`${d.device}|${d.stream}`);
      if (first !== undefined && first <= d.at) continue;
      return {
        property: "dropped-acks-said",
        detail: `d${d.device} acked a realtime batch of ${d.stream} DROPPED at ${Math.round(d.at)} ms without a warn or error record naming that stream before it`,
      };
    }
    return undefined;
  }
}
