// reconcile-not-repeated (a cost property, judged on the wire): a Reconcile
// question (its ranges) that a peer answered is not asked of that peer
// again while neither side's stream changed. The responder keeps no state
// (PROTOCOL §7), so the same question against the same two states gets the
// same answer: a repair that failed part-way resumes where it stopped, and
// one that finished is not run again at every exchange (a peer's refuted
// claim costs one full resync, not one per exchange, §4).
//
// Not judged, as the reference engine keeps its progress per stream and in
// memory: a question asked again after the requester restarted, after it
// reconciled the stream with another peer in between, or whose answer came
// so late (half the call timeout) that the requester may have given up.
// An answer the requester must refuse (invalid-reconciles.ts) answers
// nothing: asking a lying peer again after backoff is a retry. Nor is a
// question to a peer whose answers never settle anything judged (the lie
// endless-reconcile): its answer sends the requester back to the same
// question, round after round, until the round bound ends the attempt.
import { createHash } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { streamKeyString } from "@tidemark/engine";
import {
  type ReconcileRequest,
  ReconcileRequestSchema,
  type ReconcileResponse,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import { refusedReconcileAnswer } from "./invalid-reconciles.js";
import type { PropertyFailure } from "./property.js";
import { shortKey, wireStreamKey } from "./short-key.js";

type Ask = {
  readonly from: number;
  readonly to: number;
  readonly stream: string;
  /** A digest of the question's ranges. */
  readonly question: string;
  readonly request: ReconcileRequest;
  readonly at: number;
  /** Both sides' states of the stream when it was asked (read after the instant). */
  states?: string;
  answered: boolean;
};

/** The answered questions of one requester's stream, all asked of one peer. */
type Answered = { readonly peer: number; readonly states: Map<string, string> };

export class RepeatTracker {
  private readonly calls = new Map<number, Ask>();
  private fresh: Ask[] = [];
  private waiting: Ask[] = [];
  /** "a stream" -> questions a had answered about it, by the peer it last asked. */
  private readonly answered = new Map<string, Answered>();
  private readonly repeats: string[] = [];

  /** `endless(i)`: device i answers Reconcile rounds so that they never end. */
  constructor(
    private readonly callTimeoutMs: number,
    private readonly endless: (device: number) => boolean = () => false,
  ) {}

  /** A message sent: Reconcile requests carrying ranges. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "req" || this.endless(m.to)) return;
    const req = m.message() as ReconcileRequest;
    if (req.stream === undefined || req.ranges.length === 0) return;
    const bytes = toBinary(
      ReconcileRequestSchema,
      create(ReconcileRequestSchema, { ranges: req.ranges }),
    );
    const ask: Ask = {
      from: m.from,
      to: m.to,
      stream: wireStreamKey(req.stream),
      question: createHash("sha256").update(bytes).digest("hex"),
      request: req,
      at: now,
      answered: false,
    };
    this.calls.set(m.call, ask);
    this.fresh.push(ask);
  }

  /** A message delivered: a Reconcile answer in time for its caller. */
  delivered(m: Delivered, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "res") return;
    const ask = this.calls.get(m.call);
    this.calls.delete(m.call);
    if (ask === undefined || now - ask.at >= this.callTimeoutMs / 2) return;
    if (refusedReconcileAnswer(ask.request, m.message() as ReconcileResponse) !== undefined) return;
    ask.answered = true;
    this.waiting.push(ask);
  }

  /** After an instant: reads the states of new questions, judges them, files answers. */
  async settle(nodes: readonly SimNode[]): Promise<void> {
    if (this.fresh.length === 0 && this.waiting.length === 0) return;
    const fresh = this.fresh;
    this.fresh = [];
    for (const ask of fresh) {
      ask.states = await statesOf(nodes, ask);
      this.judge(ask);
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const ask of waiting) this.file(ask);
  }

  private judge(ask: Ask): void {
    const key = `${ask.from} ${ask.stream}`;
    const seen = this.answered.get(key);
    if (seen === undefined || seen.peer !== ask.to) {
      this.answered.set(key, { peer: ask.to, states: new Map() });
      return;
    }
    const before = seen.states.get(ask.question);
    if (before === undefined || before !== ask.states) return;
    this.repeats.push(
      `d${ask.from} asked d${ask.to} again about ${shortKey(ask.stream)} at ${Math.round(ask.at)} ms (${ask.states})`,
    );
  }

  private file(ask: Ask): void {
    if (ask.states === undefined) {
      this.waiting.push(ask);
      return;
    }
    const seen = this.answered.get(`${ask.from} ${ask.stream}`);
    if (seen?.peer === ask.to) seen.states.set(ask.question, ask.states);
  }

  check(): PropertyFailure | undefined {
    if (this.repeats.length === 0) return undefined;
    return {
      property: "reconcile-not-repeated",
      detail: `${this.repeats.length} Reconcile question(s) asked again of a peer that had answered them, neither side's stream having changed (resume a failed run, never rerun a finished one): ${this.repeats.slice(0, 4).join("; ")}${this.repeats.length > 4 ? "; …" : ""}`,
    };
  }
}

/** The requester's incarnation and both sides' cursor and fingerprint of the stream. */
export async function statesOf(
  nodes: readonly SimNode[],
  ask: Pick<Ask, "from" | "to" | "stream">,
): Promise<string> {
  const side = async (i: number) => {
    const n = nodes[i];
    const replica = n?.alive ? n.replica : undefined;
    if (replica === undefined) return "down";
    const w = (await replica.probe.watermarks()).find(
      (x) => streamKeyString(x.stream) === ask.stream,
    );
    return w === undefined ? "none" : `${w.cursor ?? "none"}:${w.fingerprint.slice(0, 8)}`;
  };
  return `d${ask.from}#${nodes[ask.from]?.generation} ${await side(ask.from)}, d${ask.to} ${await side(ask.to)}`;
}
