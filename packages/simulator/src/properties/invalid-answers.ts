// invalid-hellos-counted and invalid-exchanges-counted: an operator
// alerting on a peer that answers malformed messages must see each one.
// Every Hello or ExchangeWatermarks answer delivered to a device that the
// protocol's own validator refuses (in the receiver's library, for this
// protocol version) must show in the receiver's
// tidemark_invalid_responses_total for that peer and rpc ("hello",
// "exchange"), per incarnation (a restart starts its counters afresh). A
// lower bound: an answer delivered after its call gave up is not read.
// Only these two are judged here: other answers need their request's
// context (answers.ts).
import {
  type ExchangeWatermarksResponse,
  type HelloResponse,
  validateExchangeWatermarksResponse,
  validateHelloResponse,
} from "@tidemark/protocol";
import type { Delivered } from "../network/network.js";
import type { SimNode } from "../node.js";
import { addTo, firstShortfall, type Tally, tallyKey } from "./counted.js";
import type { PropertyFailure } from "./property.js";

/** Answers a replica refused, by peer, rpc and reason (the engine's metric). */
export const INVALID_RESPONSES = "tidemark_invalid_responses_total";

type Judged = {
  /** The metric's rpc label for this answer. */
  readonly rpc: string;
  readonly property: string;
  readonly valid: (message: unknown, library: Uint8Array) => boolean;
};

/** The answers whose validity needs no request: by RPC name on the wire. */
const JUDGED: Readonly<Record<string, Judged>> = {
  Hello: {
    rpc: "hello",
    property: "invalid-hellos-counted",
    valid: (m, libraryId) => validateHelloResponse(m as HelloResponse, { libraryId }).ok,
  },
  ExchangeWatermarks: {
    rpc: "exchange",
    property: "invalid-exchanges-counted",
    valid: (m) => validateExchangeWatermarksResponse(m as ExchangeWatermarksResponse).ok,
  },
};

export class InvalidAnswerTracker {
  /** Invalid answers delivered, by RPC name, then receiver incarnation and sender. */
  private readonly invalid = new Map<string, Tally>();

  /** `libraryOf(i)`: device i's library id (bytes); `generationOf(i)`: its incarnation. */
  constructor(
    private readonly libraryOf: (device: number) => Uint8Array,
    private readonly generationOf: (device: number) => number,
  ) {}

  /** Every message delivered. */
  delivered(m: Delivered): void {
    const judged = m.part === "res" ? JUDGED[m.rpc] : undefined;
    if (judged === undefined || judged.valid(m.message(), this.libraryOf(m.to))) return;
    const tally: Tally = this.invalid.get(m.rpc) ?? new Map();
    this.invalid.set(m.rpc, tally);
    addTo(tally, tallyKey(m.to, this.generationOf(m.to), m.from));
  }

  async check(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    for (const [rpc, tally] of this.invalid) {
      const judged = JUDGED[rpc] as Judged;
      for (const n of nodes) {
        const label = (l: Readonly<Record<string, string>>) => l.rpc === judged.rpc;
        const short = await firstShortfall(n, tally, INVALID_RESPONSES, label);
        if (short === undefined) continue;
        return {
          property: judged.property,
          devices: [n.index, short.peer],
          detail: `d${n.index} received ${short.want} ${rpc} answers from d${short.peer} that the protocol's validator refuses, but its ${INVALID_RESPONSES}{rpc="${judged.rpc}"} for that peer says ${short.seen}`,
        };
      }
    }
    return undefined;
  }
}
