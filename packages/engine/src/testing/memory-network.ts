// An in-memory network of replicas: each device's SyncService handlers are
// reached through a Connect-shaped client with no sockets. Every message is
// encoded and decoded (as on the wire) and goes through a fault policy —
// delay (hence reorder), drop, duplicate, link down — driven by a seeded
// PRNG and the injected (virtual) timers. Used by the engine's tests and
// reusable by the simulator.
import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  toBinary,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { SyncService } from "@tidemark/protocol";
import type { SyncClient, Timers, Transport } from "../ports.js";
import type { SeededRandom } from "./prng.js";

export type MessageInfo = {
  readonly from: string;
  readonly to: string;
  /** Method local name, e.g. "pushChanges". */
  readonly method: string;
  readonly kind: "request" | "response";
  /** 0 for unary; the page index for server-streamed responses. */
  readonly index: number;
  readonly message: unknown;
  readonly bytes: number;
};

/** What happens to one message. A dropped message never arrives (callers time out). */
export type Verdict = {
  readonly drop?: boolean;
  readonly delayMs?: number;
  readonly duplicate?: boolean;
};
export type Policy = (m: MessageInfo) => Verdict | undefined;

export type FaultConfig = {
  minDelayMs: number;
  maxDelayMs: number;
  dropRate: number;
  duplicateRate: number;
  /** Methods the drop/duplicate rates apply to (all when undefined). */
  faultyMethods: readonly string[] | undefined;
};

export type CallRecord = {
  readonly from: string;
  readonly to: string;
  readonly method: string;
  readonly request: unknown;
};

type SignalLike = {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", fn: () => void): void;
  removeEventListener(type: "abort", fn: () => void): void;
};

type AnyImpl = (req: unknown, ctx: HandlerContext) => unknown;

export class MemoryNetwork {
  readonly faults: FaultConfig;
  /** Optional override, consulted before the random faults. */
  policy: Policy | undefined;
  /** Every call's decoded request, in send order (set recordCalls false to skip). */
  readonly calls: CallRecord[] = [];
  recordCalls = true;
  private readonly services = new Map<string, ServiceImpl<typeof SyncService>>();
  private readonly down = new Set<string>();
  private inFlightCount = 0;
  private bytesTotal = 0;

  constructor(
    private readonly timers: Timers,
    private readonly random: SeededRandom,
    faults: Partial<FaultConfig> = {},
  ) {
    this.faults = {
      minDelayMs: 1,
      maxDelayMs: 5,
      dropRate: 0,
      duplicateRate: 0,
      faultyMethods: undefined,
      ...faults,
    };
  }

  /** Messages and calls not yet settled. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  get bytes(): number {
    return this.bytesTotal;
  }

  /** Puts a device online with its handlers. */
  register(device: string, service: ServiceImpl<typeof SyncService>): void {
    this.services.set(device, service);
  }

  /** Takes a device offline: calls to it fail with Unavailable. */
  unregister(device: string): void {
    this.services.delete(device);
  }

  /** Brings the link between a and b down or up (both directions). */
  setLink(a: string, b: string, up: boolean): void {
    if (up) {
      this.down.delete(linkKey(a, b));
      this.down.delete(linkKey(b, a));
    } else {
      this.down.add(linkKey(a, b));
      this.down.add(linkKey(b, a));
    }
  }

  isUp(from: string, to: string): boolean {
    return !this.down.has(linkKey(from, to)) && this.services.has(to);
  }

  /** The Transport a device uses to reach the others. */
  transport(from: string): Transport {
    return { client: (to: string) => this.client(from, to) };
  }

  /** Calls recorded for `method` (decoded requests). */
  requests<T = unknown>(method: string, filter?: (r: CallRecord) => boolean): T[] {
    return this.calls
      .filter((c) => c.method === method && (filter?.(c) ?? true))
      .map((c) => c.request as T);
  }

  client(from: string, to: string): SyncClient {
    const client: Record<string, unknown> = {};
    for (const method of SyncService.methods) {
      client[method.localName] =
        method.methodKind === "server_streaming"
          ? (req: unknown, opts?: { signal?: unknown }) =>
              this.serverStream(from, to, method, req, opts?.signal)
          : (req: unknown, opts?: { signal?: unknown }) =>
              this.unary(from, to, method, req, opts?.signal);
    }
    return client as unknown as SyncClient;
  }

  private verdict(info: MessageInfo): Verdict {
    const custom = this.policy?.(info);
    if (custom !== undefined) return custom;
    const f = this.faults;
    const faulty = f.faultyMethods === undefined || f.faultyMethods.includes(info.method);
    return {
      delayMs: this.random.int(f.minDelayMs, f.maxDelayMs),
      drop: faulty && this.random.chance(f.dropRate),
      duplicate: faulty && info.kind === "request" && this.random.chance(f.duplicateRate),
    };
  }

  /** Waits out a message's delay in virtual time; a drop waits until abort. */
  private deliver(v: Verdict, signal: SignalLike | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = () => {
        if (handle !== undefined) this.timers.cancel(handle);
        reject(abortError(signal));
      };
      signal?.addEventListener("abort", onAbort);
      const handle = v.drop
        ? undefined
        : this.timers.set(v.delayMs ?? 0, () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          });
    });
  }

  private encode(desc: DescMessage, msg: unknown): Uint8Array {
    const bytes = toBinary(desc, create(desc, msg as never));
    this.bytesTotal += bytes.length;
    return bytes;
  }

  private handler(to: string, method: DescMethod): AnyImpl {
    const service = this.services.get(to);
    const impl = service?.[method.localName as keyof typeof service] as AnyImpl | undefined;
    if (impl === undefined)
      throw new ConnectError(`device ${to.slice(0, 8)} unreachable`, Code.Unavailable);
    return impl.bind(service);
  }

  private context(method: DescMethod, signal: SignalLike | undefined): HandlerContext {
    return createHandlerContext({
      service: SyncService,
      method,
      protocolName: "memory",
      requestMethod: "POST",
      url: `memory://${method.parent.typeName}/${method.name}`,
      ...(signal === undefined ? {} : { requestSignal: signal as never }),
    });
  }

  private checkLink(from: string, to: string): void {
    if (!this.isUp(from, to))
      throw new ConnectError(
        `link ${from.slice(0, 8)} -> ${to.slice(0, 8)} is down`,
        Code.Unavailable,
      );
  }

  /** Encodes and records a call's request and decides its fate (both call kinds). */
  private request(
    from: string,
    to: string,
    method: DescMethod,
    req: unknown,
  ): { readonly reqBytes: Uint8Array; readonly v: Verdict } {
    this.checkLink(from, to);
    const reqBytes = this.encode(method.input, req);
    const decoded = fromBinary(method.input, reqBytes);
    if (this.recordCalls) this.calls.push({ from, to, method: method.localName, request: decoded });
    const v = this.verdict({
      from,
      to,
      method: method.localName,
      kind: "request",
      index: 0,
      message: decoded,
      bytes: reqBytes.length,
    });
    return { reqBytes, v };
  }

  private async unary(
    from: string,
    to: string,
    method: DescMethod,
    req: unknown,
    sig: unknown,
  ): Promise<unknown> {
    const signal = sig as SignalLike | undefined;
    this.inFlightCount++;
    try {
      const { reqBytes, v } = this.request(from, to, method, req);
      if (v.duplicate) this.duplicate(from, to, method, reqBytes);
      await this.deliver(v, signal);
      this.checkLink(from, to);
      const res = await this.invoke(to, method, fromBinary(method.input, reqBytes), signal);
      const resBytes = this.encode(method.output, res);
      const back = fromBinary(method.output, resBytes);
      const rv = this.verdict({
        from: to,
        to: from,
        method: method.localName,
        kind: "response",
        index: 0,
        message: back,
        bytes: resBytes.length,
      });
      await this.deliver(rv, signal);
      this.checkLink(from, to);
      return back;
    } finally {
      this.inFlightCount--;
    }
  }

  private async invoke(
    to: string,
    method: DescMethod,
    req: unknown,
    signal: SignalLike | undefined,
  ): Promise<unknown> {
    try {
      return await this.handler(to, method)(req, this.context(method, signal));
    } catch (err) {
      throw ConnectError.from(err);
    }
  }

  /** A duplicated request reaches the server a second time, a bit later; its answer is lost. */
  private duplicate(from: string, to: string, method: DescMethod, reqBytes: Uint8Array): void {
    this.inFlightCount++;
    const delay = this.random.int(this.faults.minDelayMs, this.faults.maxDelayMs * 2);
    this.timers.set(delay, () => {
      const done = () => {
        this.inFlightCount--;
      };
      if (!this.isUp(from, to) || method.methodKind !== "unary") {
        done();
        return;
      }
      this.invoke(to, method, fromBinary(method.input, reqBytes), undefined).then(done, done);
    });
  }

  private async *serverStream(
    from: string,
    to: string,
    method: DescMethod,
    req: unknown,
    sig: unknown,
  ): AsyncGenerator<unknown> {
    const signal = sig as SignalLike | undefined;
    this.inFlightCount++;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      const { reqBytes, v } = this.request(from, to, method, req);
      await this.deliver(v, signal);
      this.checkLink(from, to);
      const source = this.handler(to, method)(
        fromBinary(method.input, reqBytes),
        this.context(method, signal),
      ) as AsyncIterable<unknown>;
      iterator = source[Symbol.asyncIterator]();
      for (let index = 0; ; index++) {
        let step: IteratorResult<unknown>;
        try {
          step = await iterator.next();
        } catch (err) {
          throw ConnectError.from(err);
        }
        if (step.done) break;
        const bytes = this.encode(method.output, step.value);
        const back = fromBinary(method.output, bytes);
        await this.deliver(
          this.verdict({
            from: to,
            to: from,
            method: method.localName,
            kind: "response",
            index,
            message: back,
            bytes: bytes.length,
          }),
          signal,
        );
        this.checkLink(from, to);
        yield back;
      }
    } finally {
      this.inFlightCount--;
      await iterator?.return?.();
    }
  }
}

function linkKey(from: string, to: string): string {
  return `${from}>${to}`;
}

function abortError(signal: SignalLike | undefined): unknown {
  const reason = signal?.reason;
  return reason instanceof Error ? reason : new ConnectError("call aborted", Code.Canceled);
}
