// retry-on-contact: a device backing off from a peer (its status shows the
// peer in `backoff`, connected or not: a Hello says the peer is up whatever
// the host last said) that hears a Hello from that peer (it restarted,
// or its link came back) retries it at once — an
// ExchangeWatermarks to it (or the Hello it starts with) within
// CONTACT_MS — rather than waiting out a
// backoff of up to a minute. Convergence hides a late retry: the peer's
// own exchange and the periodic one repair the data anyway; only the
// caller's status stays `backoff` meanwhile. Not judged within ER-3's
// refusal floor (REFUSED_RETRY_MAX_MIN_MS after the peer's last error
// answer: a refused call is not repeated early), nor for a device lying or
// written through by the harness, nor across a restart of either.
import { REFUSED_RETRY_MAX_MIN_MS } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PeerView } from "../probe/types.js";
import type { PropertyFailure } from "./property.js";

const NAME = "retry-on-contact";
/** A retry's first request: its exchange, or the Hello the exchange starts with. */
const RETRY: ReadonlySet<string> = new Set(["ExchangeWatermarks", "Hello"]);
/** Virtual ms from the peer's Hello to the retry (the reference sends it in that instant). */
const CONTACT_MS = 250;

/** A Hello from `peer` reached `device` while it was backing off from it. */
type Contact = { readonly at: number; readonly gen: number };

export class RetryOnContact {
  private readonly broken: string[] = [];
  /** `${device}>${peer}` -> the contact not yet answered by a retry. */
  private readonly waiting = new Map<string, Contact>();
  /** `${device}>${peer}` -> when the peer's last error answer reached the device. */
  private readonly lastError = new Map<string, number>();
  /** Contacts judged (tests see coverage). */
  judged = 0;

  /**
   * `peersOf(i)`: device i's peers as its status says now (undefined when
   * it cannot say at once); `idOf(i)`: its device id.
   */
  constructor(
    private readonly peersOf: (device: number) => readonly PeerView[] | undefined,
    private readonly idOf: (device: number) => string,
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
  ) {}

  /** Every message as it is sent: a retry ends the wait (judged if late). */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req" || !RETRY.has(m.rpc)) return;
    const key = `${m.from}>${m.to}`;
    const c = this.waiting.get(key);
    if (c === undefined) return;
    this.waiting.delete(key);
    if (this.generation(m.from) === c.gen && now - c.at > CONTACT_MS) this.late(key, c);
  }

  private late(key: string, c: Contact): void {
    if (this.broken.length < 8)
      this.broken.push(
        `d${key.replace(">", " heard a Hello from d")} at ${Math.round(c.at)} ms while backing off from it, and sent it no exchange nor Hello for ${CONTACT_MS} ms`,
      );
  }

  /** Every message delivered: a peer's Hello, or an error answer from it. */
  delivered(m: Delivered, now: number): void {
    if (m.part === "err") this.lastError.set(`${m.to}>${m.from}`, now);
    if (m.part !== "req" || m.rpc !== "Hello") return;
    const [device, peer] = [m.to, m.from];
    const key = `${device}>${peer}`;
    if (this.unjudged(device) || this.waiting.has(key)) return;
    const refused = this.lastError.get(key);
    if (refused !== undefined && now - refused < REFUSED_RETRY_MAX_MIN_MS) return;
    const view = this.peersOf(device)?.find((p) => p.peer === this.idOf(peer));
    if (view?.state !== "backoff") return;
    this.judged++;
    this.waiting.set(key, { at: now, gen: this.generation(device) });
  }

  /** Judges every contact whose time is up by `now`. */
  check(now: number): PropertyFailure | undefined {
    for (const [key, c] of this.waiting) {
      const [device] = key.split(">").map(Number) as [number, number];
      if (this.generation(device) !== c.gen) this.waiting.delete(key);
      else if (now - c.at > CONTACT_MS) this.late(key, c);
    }
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return { property: NAME, detail: first };
  }
}
