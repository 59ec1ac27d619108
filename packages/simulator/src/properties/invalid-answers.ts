// invalid-hellos-counted: an operator alerting on a peer that answers
// malformed messages must see each one. Every Hello answer delivered to a
// device that the protocol's own validator refuses (in the receiver's
// library, for this protocol version) must show in the receiver's
// tidemark_invalid_responses_total for that peer and rpc "hello", per
// incarnation (a restart starts its counters afresh). A lower bound: an
// answer delivered after its call gave up is not read. Only Hello is
// judged here: other answers need their request's context (answers.ts).
import { type HelloResponse, validateHelloResponse } from "@tidemark/protocol";
import { deviceIdOf } from "../ids.js";
import type { Delivered } from "../network/network.js";
import type { SimNode } from "../node.js";
import { parseMetricKey } from "./peer-status.js";
import type { PropertyFailure } from "./property.js";

const METRIC = "tidemark_invalid_responses_total";

export class InvalidHelloTracker {
  /** Invalid Hello answers delivered, by `${to}:${generation}>${from}`. */
  private readonly invalid = new Map<string, number>();

  /** `libraryOf(i)`: device i's library id (bytes); `generationOf(i)`: its incarnation. */
  constructor(
    private readonly libraryOf: (device: number) => Uint8Array,
    private readonly generationOf: (device: number) => number,
  ) {}

  /** Every message delivered. */
  delivered(m: Delivered): void {
    if (m.part !== "res" || m.rpc !== "Hello") return;
    const res = m.message() as HelloResponse;
    const valid = validateHelloResponse(res, { libraryId: this.libraryOf(m.to) });
    if (valid.ok) return;
    const key = `${m.to}:${this.generationOf(m.to)}>${m.from}`;
    this.invalid.set(key, (this.invalid.get(key) ?? 0) + 1);
  }

  async check(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    for (const n of nodes) {
      const probe = n.replica?.probe;
      if (probe === undefined) continue;
      const counted = new Map<string, number>();
      for (const [key, value] of Object.entries(await probe.metrics())) {
        const s = parseMetricKey(key);
        const peer = s.labels.peer;
        if (s.name === METRIC && s.labels.rpc === "hello" && peer !== undefined)
          counted.set(peer, (counted.get(peer) ?? 0) + value);
      }
      for (const [key, answers] of this.invalid) {
        const [to, rest] = key.split(":");
        const [gen, from] = (rest ?? "").split(">").map(Number);
        if (Number(to) !== n.index || gen !== n.generation) continue;
        const seen = counted.get(deviceIdOf(from ?? -1)) ?? 0;
        if (seen >= answers) continue;
        return {
          property: "invalid-hellos-counted",
          devices: [n.index, from ?? -1],
          detail: `d${n.index} received ${answers} Hello answers from d${from} that the protocol's validator refuses, but its ${METRIC}{rpc="hello"} for that peer says ${seen}`,
        };
      }
    }
    return undefined;
  }
}
