// The run's record: one JSON line per event (faults, process starts and
// kills, workload commits, every proxied call with its outcome), written
// as it happens so a crashed run still leaves its trace, and kept for the
// space-time diagram. `t` is ms since the run started (wall clock).
import { createWriteStream, type WriteStream } from "node:fs";
import type { TraceRecord, TraceValue } from "@tidemark/simulator";

export class Recorder {
  private readonly kept: TraceRecord[] = [];
  private readonly out: WriteStream | undefined;
  private readonly start = performance.now();

  constructor(file?: string) {
    this.out = file === undefined ? undefined : createWriteStream(file, { flags: "w" });
  }

  /** Ms since the run started, to 0.1 ms. */
  now(): number {
    return Math.round((performance.now() - this.start) * 10) / 10;
  }

  emit(k: string, fields: Readonly<Record<string, TraceValue>>, t = this.now()): void {
    const record: TraceRecord = { t, k, ...fields };
    this.kept.push(record);
    this.out?.write(`${JSON.stringify(record)}\n`);
  }

  records(): readonly TraceRecord[] {
    return this.kept;
  }

  count(kind: string, where: (r: TraceRecord) => boolean = () => true): number {
    return this.kept.filter((r) => r.k === kind && where(r)).length;
  }

  close(): Promise<void> {
    const out = this.out;
    if (out === undefined) return Promise.resolve();
    return new Promise((resolve) => out.end(resolve));
  }
}
