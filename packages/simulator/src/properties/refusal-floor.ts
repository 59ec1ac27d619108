// refused-not-repeated-early (PROTOCOL §10 ER-3, on the wire): a request a
// peer refused for what it is (`invalid_argument`, `permission_denied`,
// `failed_precondition`) is not sent to that peer again unchanged before
// ER-3's floor: the n-th consecutive unchanged repeat waits at least
// refusedRetryFloorMs(n) (500 ms doubling, 30 s at most) after the refusal
// it follows. The count restarts once the caller asks that peer for other
// data (another Backfill, a Reconcile); an exchange, a Hello or a notice
// does not restart it. "Unchanged" is byte for byte (a new after_seq or a
// shrunk page budget is another request). Not judged: a refusal
// UNKNOWN_PEER (a Hello changes what follows it, ER-5), a caller lying or
// written through by the harness, and across a restart of the caller.
import { toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import {
  ErrorReason,
  ProtocolError,
  REFUSAL_CODES,
  refusedRetryFloorMs,
  SyncService,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

const NAME = "refused-not-repeated-early";
/** Requests for other data: one of these, changed, restarts the count. */
const OTHER_DATA: ReadonlySet<string> = new Set(["Backfill", "Reconcile"]);

type Sent = { readonly request: TapInfo; readonly gen: number };
type Refused = {
  readonly rpc: string;
  readonly bytes: Uint8Array;
  readonly gen: number;
  readonly at: number;
  readonly n: number;
};

/** A request's bytes as it went out; undefined for an RPC SyncService does not have. */
function requestBytes(m: TapInfo): Uint8Array | undefined {
  const method = SyncService.methods.find((x) => x.name === m.rpc);
  if (method === undefined) return undefined;
  return toBinary(method.input, m.message() as Parameters<typeof toBinary>[1]);
}

/** Whether `m` is, byte for byte, the request `r` refused. */
function repeats(r: Refused, m: TapInfo): boolean {
  const bytes = r.rpc === m.rpc ? requestBytes(m) : undefined;
  return bytes !== undefined && Buffer.from(bytes).equals(r.bytes);
}

export class RefusalFloor {
  private readonly broken: string[] = [];
  /** `${caller}>${callee}#${call}` -> the request sent. */
  private readonly sent = new Map<string, Sent>();
  /** `${caller}>${callee}` -> the last refused request and how many repeats of it were refused. */
  private readonly refused = new Map<string, Refused>();
  /** Repeats judged (tests see coverage). */
  judged = 0;

  constructor(
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
  ) {}

  /** Every message as it is sent: a request repeating a refused one is judged. */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    const gen = this.generation(m.from);
    // Kept, not encoded: only a request answered with a refusal is ever compared.
    this.sent.set(`${m.from}>${m.to}#${m.call}`, { request: m, gen });
    const pair = `${m.from}>${m.to}`;
    const r = this.refused.get(pair);
    if (r === undefined || r.gen !== gen || this.unjudged(m.from)) return;
    if (!repeats(r, m)) {
      if (OTHER_DATA.has(m.rpc)) this.refused.delete(pair);
      return;
    }
    this.judged++;
    const floor = refusedRetryFloorMs(r.n);
    if (now - r.at >= floor || this.broken.length >= 8) return;
    this.broken.push(
      `d${m.from} sent d${m.to} a ${m.rpc} it refused again ${Math.round(now - r.at)} ms after the refusal: unchanged repeat ${r.n} waits at least ${floor} ms (ER-3)`,
    );
  }

  /** Every message delivered: a refusal answer to a request of ours. */
  delivered(m: Delivered, now: number): void {
    if (m.part === "req" || m.part === "page") return;
    const call = `${m.to}>${m.from}#${m.call}`;
    const s = this.sent.get(call);
    this.sent.delete(call);
    const err = m.part === "err" ? m.message() : undefined;
    if (s === undefined || !(err instanceof ConnectError) || !REFUSAL_CODES.has(err.code)) return;
    if (ProtocolError.fromConnectError(err).reason === ErrorReason.UNKNOWN_PEER) return;
    const bytes = requestBytes(s.request);
    if (bytes === undefined) return;
    const pair = `${m.to}>${m.from}`;
    const prev = this.refused.get(pair);
    const again = prev !== undefined && prev.gen === s.gen && repeats(prev, s.request);
    this.refused.set(pair, { rpc: m.rpc, bytes, gen: s.gen, at: now, n: again ? prev.n + 1 : 1 });
  }

  /**
   * When the last floor a refusal set ends (virtual ms; 0 with none): a
   * caller backs off from a refusing peer that long, so the world rests
   * after it before its peers are judged at rest.
   */
  floorsEnd(): number {
    let end = 0;
    for (const r of this.refused.values()) end = Math.max(end, r.at + refusedRetryFloorMs(r.n));
    return end;
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    return first === undefined ? undefined : { property: NAME, detail: first };
  }
}
