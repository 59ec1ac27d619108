// exchanges-serial (on the wire): a device runs one ExchangeWatermarks with
// a peer at a time. A trigger that comes while one is in flight (a notice,
// a reconnect, a timer) is folded into the next; two at once ask the same
// question twice and race their decisions. A call counts as in flight from
// its request until its answer reaches the caller, or half the call
// timeout (the caller may have given up by then: its deadline is armed
// before the Hello that may precede it). Not judged: a device lying at the
// time and the harness's own questions; a reconnect ends every call.
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

const RPC = "ExchangeWatermarks";

type Open = { readonly gen: number; readonly call: number; readonly at: number };

export class ExchangesSerial {
  /** `${from}>${to}` -> the exchange the caller has in flight, if any. */
  private readonly open = new Map<string, Open>();
  private broken: PropertyFailure | undefined;

  constructor(
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
    private readonly timeoutMs: number,
  ) {}

  observe(m: TapInfo, now: number): void {
    if (m.part !== "req" || m.rpc !== RPC) return;
    const key = `${m.from}>${m.to}`;
    const gen = this.generation(m.from);
    const prev = this.open.get(key);
    const live = prev !== undefined && prev.gen === gen && now - prev.at < this.timeoutMs / 2;
    if (live && this.broken === undefined && !this.unjudged(m.from))
      this.broken = {
        property: "exchanges-serial",
        detail: `d${m.from} sent d${m.to} an ${RPC} at ${now} ms while its call of ${prev.at} ms was still unanswered`,
      };
    this.open.set(key, { gen, call: m.call, at: now });
  }

  /** An answer reached the caller: its call is over. */
  delivered(m: Delivered): void {
    if (m.rpc !== RPC || m.part === "req") return;
    const key = `${m.to}>${m.from}`;
    if (this.open.get(key)?.call === m.call) this.open.delete(key);
  }

  /** The host reported `a` connected to `b`: calls in flight are over. */
  reconnected(a: number, b: number): void {
    this.open.delete(`${a}>${b}`);
  }

  check(): PropertyFailure | undefined {
    return this.broken;
  }
}
