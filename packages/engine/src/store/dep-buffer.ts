// The dependency buffer: changes whose same-origin parent row has not
// landed yet (a compacted page can deliver a child before its re-written
// parent; a realtime entry batch can beat its location's batch). Keyed by
// the missing parent, released when that parent is written — event-driven,
// each held change is touched twice (hold, release), never retried in a loop.
// Durable (dep_buffer table) so a crash mid-pull loses nothing; the
// in-memory index is rebuilt from the table on open and after a rollback.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Change, ChangeSchema } from "@tidemark/protocol";
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
};

export const DEFAULT_DEPENDENCY_BUFFER_MAX = 100_000;

export class DependencyBuffer {
  private readonly byEntry = new Map<string, Held>();
  /** Per stream key: its held changes by row hex (serving reads a stream's held set). */
  private readonly byStream = new Map<string, Map<string, Held>>();
  private readonly byParent = new Map<string, Set<string>>();
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly selectAll: Statement;

  constructor(
    db: Database,
    private readonly max: number,
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

  reload(): void {
    this.byEntry.clear();
    this.byParent.clear();
    this.byStream.clear();
    for (const r of this.selectAll.all() as [Uint8Array, number, Uint8Array, Uint8Array][]) {
      const origin = new Uint8Array(r[0]);
      const change = fromBinary(ChangeSchema, new Uint8Array(r[3]));
      this.index({
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

  /** Holds a change until `parent` lands. Replaces an older held version. */
  hold(h: Held, parent: Uint8Array): void {
    const key = `${h.streamKey}|${h.rowHex}`;
    const old = this.byEntry.get(key);
    if (old) this.unindex(key, old);
    else if (this.byEntry.size >= this.max) {
      throw new EngineError(EngineErrorCode.BufferFull, "dependency buffer is full", {
        max: this.max,
        stream: h.streamKey,
        missingParent: h.parentHex,
      });
    }
    this.insert.run(
      h.origin,
      h.resource,
      h.change.rowId,
      h.change.seq,
      parent,
      toBinary(ChangeSchema, h.change),
    );
    this.index(h);
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

  /** Every held change of one stream (for serving and reconciliation). */
  ofStream(streamKey: string): Held[] {
    const m = this.byStream.get(streamKey);
    return m ? [...m.values()] : [];
  }

  private index(h: Held): void {
    const key = `${h.streamKey}|${h.rowHex}`;
    this.byEntry.set(key, h);
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
    this.byEntry.delete(key);
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
}
