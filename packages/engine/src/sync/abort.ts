// Deadline-bounded calls driven by the injected Timers (never the global timer functions),
// so timeouts run in virtual time under the simulator.
import type { CallOptions } from "@connectrpc/connect";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Timers } from "../ports.js";

type AbortControllerLike = {
  readonly signal: { readonly aborted: boolean };
  abort(reason?: unknown): void;
};

// AbortController is a JS global on every host we run on (Node 20,
// browsers); the engine compiles without DOM or Node types, so reach it
// through globalThis with a minimal shape.
const AbortControllerCtor = (
  globalThis as unknown as { AbortController: new () => AbortControllerLike }
).AbortController;

/** A cancellable deadline: `signal` aborts when `arm`'s timer fires or on `abort`. */
export class Deadline {
  private readonly controller = new AbortControllerCtor();
  private timer: { readonly id: number } | undefined;
  /** True once the timer fired (a timeout, not an abort by the caller). */
  expired = false;

  constructor(
    private readonly timers: Timers,
    private readonly what: string,
  ) {}

  get signal(): NonNullable<CallOptions["signal"]> {
    return this.controller.signal as unknown as NonNullable<CallOptions["signal"]>;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** (Re)starts the timer; on expiry the call aborts with an Unavailable error. */
  arm(ms: number): void {
    this.disarm();
    this.timer = this.timers.set(ms, () => {
      this.timer = undefined;
      this.expired = true;
      this.controller.abort(
        new EngineError(EngineErrorCode.Unavailable, `${this.what} timed out after ${ms} ms`, {
          timeoutMs: ms,
        }),
      );
    });
  }

  disarm(): void {
    if (this.timer !== undefined) this.timers.cancel(this.timer);
    this.timer = undefined;
  }

  abort(reason: unknown): void {
    this.disarm();
    this.controller.abort(reason);
  }
}
