// The dependency buffer: changes whose same-origin parent row has not
// landed yet (a compacted page can deliver a child before its re-written
// parent; a realtime entry batch can beat its location's batch). Keyed by
// the missing parent, released when that parent is written — event-driven,
// each held change is touched twice (hold, release), never retried in a loop.
// Durable (dep_buffer table) so a crash mid-pull loses nothing; the
// in-memory index is rebuilt from the table on open and after a rollback.
// Bounded in rows and encoded bytes, per origin and over all (issue 14):
// one origin cannot fill it for the others; a change past a bound is
// refused (BufferFull) and its whole apply rolls back.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  MAX_DEPENDENCY_BYTES,
  MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  MAX_DEPENDENCY_ROWS,
  MAX_DEPENDENCY_ROWS_PER_ORIGIN,
} from "@tidemark/protocol";
import type { Database, Statement } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import { idToHex, streamKeyString } from "./ids.js";

export type Held = {
  readonly streamKey: string;
  readonly origin: Uint8Array;
  readonly resource: number;
  readonly rowHex: string;
  readonly parentHex: string;
  readonly change: Change;
  /** Encoded size of `change`; set by the buffer. */
  bytes?: number;
};

export const DEFAULT_DEPENDENCY_BUFFER_MAX = MAX_DEPENDENCY_ROWS;

/** The buffer's bounds (PROTOCOL.md §11). */
export type DependencyLimits = {
  readonly rows: number;
  readonly rowsPerOrigin: number;
  readonly bytesPerOrigin: number;
  readonly bytes: number;
};

export const DEFAULT_DEPENDENCY_LIMITS: DependencyLimits = {
  rows: MAX_DEPENDENCY_ROWS,
  rowsPerOrigin: MAX_DEPENDENCY_ROWS_PER_ORIGIN,
  bytesPerOrigin: MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  bytes: MAX_DEPENDENCY_BYTES,
};

/** What the buffer holds, for metrics and bounds checks. */
export type DependencyStats = {
  readonly rows: number;
  readonly bytes: number;
  /** The most rows and bytes any one origin holds. */
  readonly maxOriginRows: number;
  readonly maxOriginBytes: number;
};

type Usage = { rows: number; bytes: number };

export class DependencyBuffer {
  private readonly byEntry = new Map<string, Held>();
  /** Per stream key: its held changes by row hex (serving reads a stream's held set). */
  private readonly byStream = new Map<string, Map<string, Held>>();
  private readonly byParent = new Map<string, Set<string>>();
  private readonly byOrigin = new Map<string, Usage>();
  private totalBytes = 0;
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly selectAll: Statement;

  constructor(
    db: Database,
    private readonly limits: DependencyLimits,
  ) {
    this.insert = db.prepare(
      "INSERT OR REPLACE INTO dep_buffer (origin, resource, row_id, seq, parent, change) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.remove = db.prepare(
      "DELETE FROM dep_buffer WHERE origin = ? AND resource = ? AND row_id = ?",
    );
    this.selectAll = db
      .prepare("SELECT origin, resource, parent, change FROM dep_buffer")
      .raw(true);
    this.reload();
  }

  get size(): number {
    return this.byEntry.size;
  }

  /** Rows and bytes held, and the most any one origin holds. */
  stats(): DependencyStats {
    let maxOriginRows = 0;
    let maxOriginBytes = 0;
    for (const u of this.byOrigin.values()) {
      maxOriginRows = Math.max(maxOriginRows, u.rows);
      maxOriginBytes = Math.max(maxOriginBytes, u.bytes);
    }
    return { rows: this.byEntry.size, bytes: this.totalBytes, maxOriginRows, maxOriginBytes };
  }

  reload(): void {
    this.byEntry.clear();
    this.byParent.clear();
    this.byStream.clear();
    this.byOrigin.clear();
    this.totalBytes = 0;
    for (const r of this.selectAll.all() as [Uint8Array, number, Uint8Array, Uint8Array][]) {
      const origin = new Uint8Array(r[0]);
      const change = fromBinary(ChangeSchema, new Uint8Array(r[3]));
      this.index({
        bytes: r[3].length,
        streamKey: streamKeyString({ origin: idToHex(origin), resource: r[1] }),
        origin,
        resource: r[1],
        rowHex: idToHex(change.rowId),
        parentHex: idToHex(r[2]),
        change,
      });
    }
  }

  /** The held version of a row of a stream, if any. */
  get(streamKey: string, rowHex: string): Held | undefined {
    if (this.byEntry.size === 0) return undefined;
    return this.byEntry.get(`${streamKey}|${rowHex}`);
  }

  /** True when some held change waits for this row. */
  awaited(rowHex: string): boolean {
    return this.byParent.size !== 0 && this.byParent.has(rowHex);
  }

  /**
   * Holds a change until `parent` lands. A row is held once: the applier
   * drops its older held version before it holds a newer one. Throws
   * BufferFull (details.limit names the bound) when holding it would pass
   * a bound (unless `bounded` is false); nothing is changed then.
   */
  hold(h: Held, parent: Uint8Array, bounded = true): void {
    const bytes = toBinary(ChangeSchema, h.change);
    if (bounded) this.checkRoom(h, bytes.length);
    this.insert.run(h.origin, h.resource, h.change.rowId, h.change.seq, parent, bytes);
    this.index({ ...h, bytes: bytes.length });
  }

  private checkRoom(h: Held, bytes: number): void {
    const mine = this.byOrigin.get(originOf(h.streamKey)) ?? { rows: 0, bytes: 0 };
    const { limits } = this;
    const over: [string, number, number][] = [
      ["dependency-rows", this.byEntry.size + 1, limits.rows],
      ["dependency-rows-per-origin", mine.rows + 1, limits.rowsPerOrigin],
      ["dependency-bytes-per-origin", mine.bytes + bytes, limits.bytesPerOrigin],
      ["dependency-bytes", this.totalBytes + bytes, limits.bytes],
    ];
    for (const [limit, value, max] of over) {
      if (value <= max) continue;
      throw new EngineError(
        EngineErrorCode.BufferFull,
        `dependency buffer: ${limit} bound reached`,
        {
          limit,
          max,
          stream: h.streamKey,
          missingParent: h.parentHex,
        },
      );
    }
  }

  /** Drops a held change (superseded by a newer version). */
  drop(h: Held): void {
    this.unindex(`${h.streamKey}|${h.rowHex}`, h);
    this.remove.run(h.origin, h.resource, h.change.rowId);
  }

  /** Removes and returns every change waiting for `parentHex`. */
  release(parentHex: string): Held[] {
    const keys = this.byParent.get(parentHex);
    if (!keys) return [];
    const out: Held[] = [];
    for (const key of [...keys]) {
      const h = this.byEntry.get(key);
      if (h) {
        this.drop(h);
        out.push(h);
      }
    }
    return out;
  }

  /** Distinct rows (hex) that held changes of one stream wait for, at most `max`. */
  awaitedBy(streamKey: string, max: number): string[] {
    const out = new Set<string>();
    for (const h of this.byStream.get(streamKey)?.values() ?? []) {
      if (out.size >= max) break;
      out.add(h.parentHex);
    }
    return [...out];
  }

  /** Every held change of one stream (for serving and reconciliation). */
  ofStream(streamKey: string): Held[] {
    const m = this.byStream.get(streamKey);
    return m ? [...m.values()] : [];
  }

  private index(h: Held): void {
    const key = `${h.streamKey}|${h.rowHex}`;
    this.byEntry.set(key, h);
    this.use(h, 1);
    let rows = this.byStream.get(h.streamKey);
    if (!rows) {
      rows = new Map();
      this.byStream.set(h.streamKey, rows);
    }
    rows.set(h.rowHex, h);
    let set = this.byParent.get(h.parentHex);
    if (!set) {
      set = new Set();
      this.byParent.set(h.parentHex, set);
    }
    set.add(key);
  }

  private unindex(key: string, h: Held): void {
    if (this.byEntry.delete(key)) this.use(h, -1);
    const rows = this.byStream.get(h.streamKey);
    if (rows) {
      rows.delete(h.rowHex);
      if (rows.size === 0) this.byStream.delete(h.streamKey);
    }
    const set = this.byParent.get(h.parentHex);
    if (set) {
      set.delete(key);
      if (set.size === 0) this.byParent.delete(h.parentHex);
    }
  }

  private use(h: Held, sign: 1 | -1): void {
    const origin = originOf(h.streamKey);
    const u = this.byOrigin.get(origin) ?? { rows: 0, bytes: 0 };
    u.rows += sign;
    u.bytes += sign * (h.bytes ?? 0);
    this.totalBytes += sign * (h.bytes ?? 0);
    if (u.rows <= 0) this.byOrigin.delete(origin);
    else this.byOrigin.set(origin, u);
  }
}

/** The origin part of a stream key ("origin/resource"). */
function originOf(streamKey: string): string {
  return streamKey.slice(0, streamKey.indexOf("/"));
}
