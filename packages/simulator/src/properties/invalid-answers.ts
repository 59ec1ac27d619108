// invalid-hellos-counted: an operator alerting on a peer that answers
// malformed messages must see each one. Every Hello answer delivered to a
// device that the protocol's own validator refuses (in the receiver's
// library, for this protocol version) must show in the receiver's
// tidemark_invalid_responses_total for that peer and rpc "hello", per
// incarnation (a restart starts its counters afresh). A lower bound: an
// answer delivered after its call gave up is not read. Only Hello is
// judged here: other answers need their request's context (answers.ts).
import { type HelloResponse, validateHelloResponse } from "@tidemark/protocol";
import type { Delivered } from "../network/network.js";
import type { SimNode } from "../node.js";
import { addTo, firstShortfall, type Tally, tallyKey } from "./counted.js";
import type { PropertyFailure } from "./property.js";

/** Answers a replica refused, by peer, rpc and reason (the engine's metric). */
export const INVALID_RESPONSES = "tidemark_invalid_responses_total";

export class InvalidHelloTracker {
  /** Invalid Hello answers delivered, by receiver incarnation and sender. */
  private readonly invalid: Tally = new Map();

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
    addTo(this.invalid, tallyKey(m.to, this.generationOf(m.to), m.from));
  }

  async check(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    for (const n of nodes) {
      const short = await firstShortfall(
        n,
        this.invalid,
        INVALID_RESPONSES,
        (l) => l.rpc === "hello",
      );
      if (short === undefined) continue;
      return {
        property: "invalid-hellos-counted",
        devices: [n.index, short.peer],
        detail: `d${n.index} received ${short.want} Hello answers from d${short.peer} that the protocol's validator refuses, but its ${INVALID_RESPONSES}{rpc="hello"} for that peer says ${short.seen}`,
      };
    }
    return undefined;
  }
}
