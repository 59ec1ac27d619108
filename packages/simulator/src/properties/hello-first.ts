// hello-first (on the wire, PROTOCOL §2.2 HE-1: a peer SHOULD call Hello
// before anything else on a new connection, and MUST NOT assume anything
// about the responder before it succeeds): in each incarnation of a
// device, its first request to each peer is a Hello. An exchange sent
// without one runs on an empty capability list (no coded symbols, §14)
// and, at a responder that requires Hello, is refused (UNKNOWN_PEER) for
// ever. Not judged: a device lying at the time and the harness's own
// questions (`SimWorld.asHarness`).
import type { TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

export class HelloFirst {
  /** `${from}>${to}` -> the sender's incarnation whose first request to that peer was seen. */
  private readonly seen = new Map<string, number>();
  private broken: string | undefined;

  constructor(
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
  ) {}

  observe(m: TapInfo): void {
    if (m.part !== "req") return;
    const key = `${m.from}>${m.to}`;
    const gen = this.generation(m.from);
    if (this.seen.get(key) === gen) return;
    // An unjudged first request still opens the incarnation's connection.
    this.seen.set(key, gen);
    if (m.rpc !== "Hello" && !this.unjudged(m.from) && this.broken === undefined)
      this.broken = `d${m.from}'s first request to d${m.to} in its incarnation ${gen} was ${m.rpc}, not a Hello`;
  }

  check(): PropertyFailure | undefined {
    return this.broken === undefined ? undefined : { property: "hello-first", detail: this.broken };
  }
}
