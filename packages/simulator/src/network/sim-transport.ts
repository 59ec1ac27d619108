// A Connect Transport over the simulated network: the engine gets a real
// `Client<typeof SyncService>` (createClient), every request and response
// is encoded with toBinary/fromBinary (so bytes are counted and nothing is
// shared by reference), and delivery goes through the event queue. Lost
// calls surface as ConnectError after a virtual deadline, as they would
// over HTTP/2.
import {
  create,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createClient,
  createContextValues,
  type HandlerContext,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import type { SyncClient } from "@tidemark/engine";
import { authenticatedDevice, SyncService } from "@tidemark/protocol";
import { deviceIdOf } from "../ids.js";
import type { Scheduler } from "../scheduler.js";
import { AsyncChannel } from "./async-channel.js";
import type { Network } from "./network.js";

type HeaderInit = ConstructorParameters<typeof Headers>[0];
/** Simulated servers are never aborted: their "process" runs each request to the end. */
const NEVER_ABORTED = new AbortController().signal;

type AnyHandler = (req: unknown, ctx: HandlerContext) => unknown;

/** What the transport needs to know about a device (its current incarnation). */
export interface Endpoint {
  readonly alive: boolean;
  /** Bumped on every crash/restart; messages to an older incarnation are lost. */
  readonly generation: number;
  readonly service: object | undefined;
}

export type Endpoints = (index: number) => Endpoint;

export type TransportOptions = {
  /** Deadline for calls the engine makes without timeoutMs. */
  readonly defaultTimeoutMs: number;
  /** Sees every unary request handed to a server (for the re-apply property). */
  readonly onServed?: (to: number, method: string, request: Uint8Array) => void;
  /** Sees every request as it is sent, encoded (call records in tests). */
  readonly onSend?: (from: number, to: number, method: string, request: Uint8Array) => void;
};

/**
 * A client from `from` to `to`. Calls made by an incarnation that has since
 * crashed never settle: a dead process runs no more code.
 */
export function simClient(
  sched: Scheduler,
  net: Network,
  endpoints: Endpoints,
  from: number,
  to: number,
  opts: TransportOptions,
): SyncClient {
  return createClient(SyncService, simTransport(sched, net, endpoints, from, to, opts));
}

function simTransport(
  sched: Scheduler,
  net: Network,
  endpoints: Endpoints,
  from: number,
  to: number,
  opts: TransportOptions,
): Transport {
  const callerGen = () => endpoints(from).generation;
  // What mutual TLS would hand the server: the caller's device id, derived
  // from its key. Set by the transport, never by the calling code.
  const caller = Uint8Array.from(Buffer.from(deviceIdOf(from), "hex"));

  function handlerFor(method: { localName: string }, serverGen: number): AnyHandler | undefined {
    const ep = endpoints(to);
    if (!ep.alive || ep.generation !== serverGen || ep.service === undefined) return undefined;
    const h = (ep.service as Record<string, unknown>)[method.localName];
    return typeof h === "function" ? (h.bind(ep.service) as AnyHandler) : undefined;
  }

  function ctxFor(
    method: DescMethodUnary | DescMethodStreaming,
    deadlineAt: number,
    header: HeaderInit | undefined,
  ): HandlerContext {
    // Built by hand, not with createHandlerContext: that arms a wall-clock
    // setTimeout for timeoutMs and allocates abort controllers and headers
    // per call (most of the transport's cost). Headers are made on first use;
    // the remaining time is virtual; simulated servers are never aborted.
    let requestHeader: Headers | undefined;
    let responseHeader: Headers | undefined;
    let responseTrailer: Headers | undefined;
    // The client's own context values never reach the server.
    let contextValues: ContextValues | undefined;
    return {
      method,
      service: SyncService,
      signal: NEVER_ABORTED,
      timeoutMs: () => Math.max(0, deadlineAt - sched.now),
      requestMethod: "POST",
      protocolName: "sim",
      url: `sim://d${to}/${SyncService.typeName}/${method.name}`,
      get requestHeader() {
        requestHeader ??= new Headers(header);
        return requestHeader;
      },
      get responseHeader() {
        responseHeader ??= new Headers();
        return responseHeader;
      },
      get responseTrailer() {
        responseTrailer ??= new Headers();
        return responseTrailer;
      },
      get values() {
        contextValues ??= createContextValues().set(authenticatedDevice, caller);
        return contextValues;
      },
    };
  }

  /** Arms the deadline and abort; returns a disarm function. */
  function guard(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    fail: (err: ConnectError) => void,
  ): () => void {
    const ev = sched.after(timeoutMs, () =>
      fail(new ConnectError(`deadline of ${timeoutMs} ms exceeded`, Code.DeadlineExceeded)),
    );
    // As connect-node does: the abort reason becomes a Canceled ConnectError.
    const onAbort = () => fail(ConnectError.from(signal?.reason ?? "call aborted", Code.Canceled));
    if (signal?.aborted) sched.after(0, onAbort);
    else signal?.addEventListener("abort", onAbort, { once: true });
    return () => {
      sched.cancel(ev);
      signal?.removeEventListener("abort", onAbort);
    };
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: MessageInitShape<I>,
      _contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const gen = callerGen();
      const call = net.nextCallId();
      const deadline = timeoutMs ?? opts.defaultTimeoutMs;
      const sentAt = sched.now;
      const reqBytes = toBinary(method.input, create(method.input, input));
      const serverGen = endpoints(to).generation;
      return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled || callerGen() !== gen) return;
          settled = true;
          disarm();
          fn();
        };
        const disarm = guard(deadline, signal, (err) =>
          settle(() => {
            net.abandon(call);
            reject(err);
          }),
        );
        const label = { rpc: method.name, call };
        opts.onSend?.(from, to, method.localName, reqBytes);
        if (net.refuses(from, to)) {
          sched.after(0, () => settle(() => reject(refused(to))));
          return;
        }
        net.send(
          from,
          to,
          reqBytes.length,
          { ...label, part: "req" },
          () => handlerFor(method, serverGen) !== undefined,
          () => {
            const handler = handlerFor(method, serverGen);
            if (handler === undefined) return;
            opts.onServed?.(to, method.localName, reqBytes);
            const req = fromBinary(method.input, reqBytes);
            const ctx = ctxFor(method, sentAt + deadline, header);
            const replyWanted = () => endpoints(from).alive && callerGen() === gen;
            Promise.resolve()
              .then(() => handler(req, ctx))
              .then(
                (out) => {
                  if (handlerFor(method, serverGen) === undefined) return; // server crashed meanwhile
                  const resBytes = toBinary(
                    method.output,
                    create(method.output, out as MessageInitShape<O>),
                  );
                  net.send(
                    to,
                    from,
                    resBytes.length,
                    { ...label, part: "res" },
                    replyWanted,
                    () =>
                      settle(() =>
                        resolve({
                          stream: false,
                          service: SyncService,
                          method,
                          header: new Headers(),
                          trailer: new Headers(),
                          message: fromBinary(method.output, resBytes) as MessageShape<O>,
                        }),
                      ),
                    undefined,
                    () => fromBinary(method.output, resBytes),
                  );
                },
                (thrown: unknown) => {
                  if (handlerFor(method, serverGen) === undefined) return;
                  const err = wireError(thrown);
                  net.send(
                    to,
                    from,
                    errorBytes(err),
                    { ...label, part: "err" },
                    replyWanted,
                    () => settle(() => reject(wireError(err))),
                    undefined,
                    () => err,
                  );
                },
              );
          },
          undefined,
          () => fromBinary(method.input, reqBytes),
        );
      });
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      _contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const gen = callerGen();
      const call = net.nextCallId();
      const deadline = timeoutMs ?? opts.defaultTimeoutMs;
      const sentAt = sched.now;
      const serverGen = endpoints(to).generation;
      const channel = new AsyncChannel<MessageShape<O>>();
      const label = { rpc: method.name, call };
      // A caller that gave up (deadline, abort, break) takes nothing more:
      // the server stops sending instead of filling the link with dead bytes (S2).
      const replyWanted = () => endpoints(from).alive && callerGen() === gen && !channel.finished;
      let disarm = () => {};
      const fail = (err: ConnectError) => {
        if (callerGen() !== gen) return;
        disarm();
        channel.fail(err);
      };
      disarm = guard(deadline, signal, (err) => {
        if (!channel.finished) net.abandon(call);
        fail(err);
      });
      channel.onReturn = () => disarm();

      const start = async () => {
        let first: MessageInitShape<I> | undefined;
        for await (const m of input) {
          first = m;
          break;
        }
        if (first === undefined) return;
        const reqBytes = toBinary(method.input, create(method.input, first));
        opts.onSend?.(from, to, method.localName, reqBytes);
        if (net.refuses(from, to)) {
          sched.after(0, () => fail(refused(to)));
          return;
        }
        net.send(
          from,
          to,
          reqBytes.length,
          { ...label, part: "req" },
          () => handlerFor(method, serverGen) !== undefined,
          () => {
            const handler = handlerFor(method, serverGen);
            if (handler === undefined) return;
            const req = fromBinary(method.input, reqBytes);
            const ctx = ctxFor(method, sentAt + deadline, header);
            void serve(handler(req, ctx) as AsyncIterable<MessageInitShape<O>>);
          },
          undefined,
          () => fromBinary(method.input, reqBytes),
        );
      };

      // Server side: one page per step, paced by the link's bandwidth, so a
      // crash mid-backfill really leaves the rest of the stream unsent.
      const order = { lastArrival: 0 };
      // A lost frame breaks the HTTP/2 stream: the client sees Unavailable,
      // but only after the frames sent before it (S1: one stream is FIFO, so
      // the reset never overtakes pages already on the wire).
      const reset = () =>
        sched.at(
          Math.max(sched.now + net.link(to, from).profile.latencyMs, order.lastArrival + 0.001),
          () => fail(new ConnectError("stream reset by network", Code.Unavailable)),
        );
      const serve = async (pages: AsyncIterable<MessageInitShape<O>>) => {
        const it = pages[Symbol.asyncIterator]();
        try {
          for (;;) {
            if (handlerFor(method, serverGen) === undefined || !replyWanted()) {
              await it.return?.();
              return;
            }
            const step = await it.next();
            if (handlerFor(method, serverGen) === undefined) return;
            if (step.done) {
              const sent = net.send(
                to,
                from,
                8,
                { ...label, part: "end" },
                replyWanted,
                () => {
                  if (callerGen() !== gen) return;
                  disarm();
                  channel.end();
                },
                order,
              );
              if (!sent) reset();
              return;
            }
            const bytes = toBinary(method.output, create(method.output, step.value));
            const sent = net.send(
              to,
              from,
              bytes.length,
              { ...label, part: "page" },
              replyWanted,
              () => {
                if (callerGen() === gen)
                  channel.push(fromBinary(method.output, bytes) as MessageShape<O>);
              },
              order,
              () => fromBinary(method.output, bytes),
            );
            if (!sent) {
              await it.return?.();
              reset();
              return;
            }
            const free = net.link(to, from).freeAt(sched.now);
            if (free > sched.now) await new Promise<void>((r) => sched.at(free, r));
          }
        } catch (thrown) {
          if (handlerFor(method, serverGen) === undefined) return;
          const err = wireError(thrown);
          const sent = net.send(
            to,
            from,
            errorBytes(err),
            { ...label, part: "err" },
            replyWanted,
            () => fail(wireError(err)),
            order,
            () => err,
          );
          if (!sent) reset();
        }
      };

      void start();
      return Promise.resolve({
        stream: true,
        service: SyncService,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message: channel,
      });
    },
  };
}

/** A connection the network refuses at once (a host that answers with a reset). */
function refused(to: number): ConnectError {
  return new ConnectError(`d${to} refused the connection`, Code.Unavailable);
}

/** A fresh ConnectError as the peer would decode it (no shared object). */
function wireError(thrown: unknown): ConnectError {
  const ce = ConnectError.from(thrown);
  const out = new ConnectError(ce.rawMessage, ce.code, ce.metadata);
  out.details = ce.details;
  return out;
}

function errorBytes(err: ConnectError): number {
  return 16 + err.rawMessage.length + 32 * err.details.length;
}
