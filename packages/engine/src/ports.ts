// The engine's only contact with the world: its host hands it these ports.
// The node-peer app plugs in wall clock, real timers and Connect clients;
// the simulator plugs in virtual ones. Nothing in the engine reaches past
// them (no global clock, timers or randomness, no process or network imports).
import type { Client } from "@connectrpc/connect";
import type { SyncService } from "@tidemark/protocol";

/**
 * The host's two clocks. `now()` is the wall clock, for HLCs and for
 * showing times to people; it may jump back, freeze or run fast.
 * `monotonic()` measures durations (activity windows, deadlines, backoff,
 * recovery times): it never goes backwards and is unaffected by wall-clock
 * changes (performance.now / process.hrtime on Node).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as the host's clock says. May jump. */
  now(): number;
  /** Milliseconds since an arbitrary origin; never decreases. */
  monotonic(): number;
}

/** Opaque handle returned by {@link Timers.set}. */
export type TimerHandle = { readonly id: number };

/** One-shot timers; the simulator drives them in virtual time. */
export interface Timers {
  set(delayMs: number, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
}

/** Uniform randomness for jitter; seeded in the simulator. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

/** Log levels, pino's names. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Structured fields of one log event. `event` is a stable kebab-case name
 * (e.g. "peer-state"), the other fields are flat scalars so log analyzers
 * can keep them as typed columns.
 */
export type LogFields = {
  readonly event: string;
  readonly [field: string]: string | number | boolean | bigint | null | undefined;
};

/** pino-compatible: one JSON event per call, `msg` is the human sentence. */
export interface Logger {
  log(level: LogLevel, fields: LogFields, msg: string): void;
}

/** A Connect client for one peer, the SyncService shape. */
export type SyncClient = Client<typeof SyncService>;

/** How the engine reaches a peer. Errors surface as ConnectError. */
export interface Transport {
  client(peerDeviceId: string): SyncClient;
}

export interface Ports {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly transport: Transport;
}
