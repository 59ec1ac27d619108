// hello-first and hello-once (on the wire, PROTOCOL §2.2 HE-1 and §10): a
// peer SHOULD call Hello before anything else on a new connection, and a
// responder that never answered UNKNOWN_PEER gets one Hello per
// connection, not one per call. hello-first: in each incarnation of a
// device, its first request to each peer is a Hello (an exchange without
// one runs on an empty capability list, and a responder that requires
// Hello refuses it for ever). hello-once: a device says Hello to a peer
// again, in one incarnation, only after something that may have ended the
// session — its last Hello got no answer, the peer answered a call with an
// error (UNKNOWN_PEER among them), the peer said Hello to it (a restart),
// or the host reported a (re)connect — nor while its last Hello to that
// peer is still in flight (unanswered, sent less than half the call timeout
// ago). hello-after-unknown-peer (§10 ER-5):
// once a peer answered UNKNOWN_PEER, the caller's next request to it is a
// Hello (a call sent before that answer arrived is not judged). Not
// judged: a device lying at the time, Hellos answered by one, and the
// harness's own questions (`SimWorld.asHarness`).
import { ConnectError } from "@connectrpc/connect";
import {
  ErrorReason,
  type HelloResponse,
  ProtocolError,
  validateHelloResponse,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

/** An error answer saying the responder holds no session for the caller (ER-5). */
export function refusedUnknownPeer(m: Delivered): boolean {
  const err = m.part === "err" ? m.message() : undefined;
  return (
    err instanceof ConnectError &&
    ProtocolError.fromConnectError(err).reason === ErrorReason.UNKNOWN_PEER
  );
}

/** One ordered pair's Hellos in the caller's current incarnation. */
type Pair = {
  readonly gen: number;
  /** The last Hello's call id; undefined before the first. */
  hello: number | undefined;
  /** When the last Hello was sent (virtual ms). */
  helloAt: number;
  /** The last Hello got its answer. */
  answered: boolean;
  /** The last Hello got no answer nor error yet. */
  open: boolean;
  /** Something since the last Hello may have ended the session. */
  excused: boolean;
  /** When the peer answered UNKNOWN_PEER, if it has since the last Hello was sent (ER-5). */
  owesHelloSince: number | undefined;
};

export class HelloFirst {
  /** `${from}>${to}` -> the pair's Hellos in the sender's latest incarnation. */
  private readonly pairs = new Map<string, Pair>();
  private broken: PropertyFailure | undefined;

  constructor(
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
    /** Device i's library id (bytes): an answer for another library ends the session. */
    private readonly libraryOf: (device: number) => Uint8Array,
    /** The callers' call timeout: an answer later than half of it may have come too late. */
    private readonly timeoutMs: number,
  ) {}

  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    if (m.rpc === "Hello") this.excuse(m.to, m.from);
    const gen = this.generation(m.from);
    const key = `${m.from}>${m.to}`;
    let pair = this.pairs.get(key);
    const first = pair?.gen !== gen;
    if (pair === undefined || first) {
      pair = {
        gen,
        hello: undefined,
        helloAt: 0,
        answered: false,
        open: false,
        excused: false,
        owesHelloSince: undefined,
      };
      this.pairs.set(key, pair);
    }
    // An unjudged request still opens the incarnation's connection.
    const judged = !this.unjudged(m.from) && this.broken === undefined;
    if (first && m.rpc !== "Hello" && judged)
      this.broken = {
        property: "hello-first",
        detail: `d${m.from}'s first request to d${m.to} in its incarnation ${gen} was ${m.rpc}, not a Hello`,
      };
    // A request sent in the instant the answer arrived may precede its handling.
    const owes = pair.owesHelloSince !== undefined && now > pair.owesHelloSince;
    if (m.rpc !== "Hello" && owes && judged)
      this.broken = {
        property: "hello-after-unknown-peer",
        detail: `d${m.from} sent d${m.to} a ${m.rpc} after d${m.to} answered UNKNOWN_PEER, with no Hello between (ER-5)`,
      };
    if (m.rpc !== "Hello") return;
    pair.owesHelloSince = undefined;
    if (pair.hello !== undefined && pair.answered && !pair.excused && judged)
      this.broken = {
        property: "hello-once",
        detail: `d${m.from} said Hello to d${m.to} again in its incarnation ${gen}, though its last Hello was answered and nothing since could have ended the session (no error answer, no Hello from d${m.to}, no reconnect)`,
      };
    const inFlight = pair.open && now - pair.helloAt < this.timeoutMs / 2;
    if (inFlight && !pair.excused && judged)
      this.broken = {
        property: "hello-once",
        detail: `d${m.from} said Hello to d${m.to} again in its incarnation ${gen} while its Hello of ${Math.round(pair.helloAt)} ms was unanswered, and nothing since could have ended the session`,
      };
    pair.hello = m.call;
    pair.helloAt = now;
    pair.answered = false;
    pair.open = true;
    pair.excused = false;
  }

  /** Every message delivered: a Hello's answer, or an error answer from the peer. */
  delivered(m: Delivered, now: number): void {
    const pair = this.pairs.get(`${m.to}>${m.from}`);
    if (pair === undefined) return;
    if (m.call === pair.hello && (m.part === "res" || m.part === "err")) pair.open = false;
    if (m.part === "err") {
      pair.excused = true;
      if (refusedUnknownPeer(m) && pair.owesHelloSince === undefined) pair.owesHelloSince = now;
    }
    if (m.part !== "res" || m.call !== pair.hello || this.unjudged(m.from)) return;
    const timely = now - pair.helloAt < this.timeoutMs / 2;
    const res = m.message() as HelloResponse;
    pair.answered = timely && validateHelloResponse(res, { libraryId: this.libraryOf(m.to) }).ok;
  }

  /** The host reported `a` connected to `b`: the next exchange says Hello again. */
  reconnected(a: number, b: number): void {
    this.excuse(a, b);
  }

  private excuse(a: number, b: number): void {
    const pair = this.pairs.get(`${a}>${b}`);
    if (pair !== undefined) pair.excused = true;
  }

  check(): PropertyFailure | undefined {
    return this.broken;
  }
}
