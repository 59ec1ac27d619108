// The run's trace: one canonical JSON line per observable event, hashed as
// it is written (sha-256), optionally kept for --trace and --html. Wall-clock
// figures (events/s) never enter the trace, so the hash is a pure function
// of seed + scenario + code.
import { createHash, type Hash } from "node:crypto";

export type TraceValue = string | number | boolean | null;

/** One trace record: virtual time `t` (ms), kind `k`, flat fields. */
export type TraceRecord = {
  readonly t: number;
  readonly k: string;
  readonly [field: string]: TraceValue;
};

export class Trace {
  private readonly hash: Hash = createHash("sha256");
  private readonly kept: string[] | undefined;
  private readonly keptRecords: TraceRecord[] | undefined;
  private finalHash: string | undefined;
  count = 0;

  constructor(opts: { keepLines?: boolean; keepRecords?: boolean } = {}) {
    this.kept = opts.keepLines ? [] : undefined;
    this.keptRecords = opts.keepRecords ? [] : undefined;
  }

  /** Appends a record. Field order is the caller's literal order, so keep it fixed. */
  emit(record: TraceRecord): void {
    if (this.finalHash !== undefined) throw new Error("trace already finished");
    const line = JSON.stringify(record);
    this.hash.update(line);
    this.hash.update("\n");
    this.count++;
    this.kept?.push(line);
    this.keptRecords?.push(record);
  }

  /** True once finish() ran: the run is over and nothing more is traced. */
  get finished(): boolean {
    return this.finalHash !== undefined;
  }

  /** Ends the trace and returns its sha-256 (hex). Idempotent. */
  finish(): string {
    if (this.finalHash === undefined) this.finalHash = this.hash.digest("hex");
    return this.finalHash;
  }

  /** JSONL text (only when created with keepLines). */
  lines(): readonly string[] {
    return this.kept ?? [];
  }

  records(): readonly TraceRecord[] {
    return this.keptRecords ?? [];
  }
}

/** Rounds virtual ms to microseconds so traces stay short and stable. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
