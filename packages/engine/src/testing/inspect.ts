// Reads of one replica's database for a test harness's probe (DESIGN §9):
// the visible rows, each stream's entries (held changes included), the
// dependency buffer's size and a from-scratch check of the closure table.
// Everything comes back as protocol Changes, so a harness never needs our
// schema; statements are prepared once per database.
import { fromBinary } from "@bufbuild/protobuf";
import { type Change, ChangeSchema, type Resource } from "@tidemark/protocol";
import type { Database, Statement } from "better-sqlite3";
import { idFromHex, idToHex } from "../store/ids.js";
import { RESOURCES, type ResourceDef, resourceDef } from "../store/registry.js";
import { toChange } from "../store/row-codec.js";
import type { IdHex, StreamKey } from "../store/store-api.js";
import { checkTree, type TreeReport } from "./tree-check.js";

/** One entry of a stream without its body. */
export type EntryItem = {
  readonly id: IdHex;
  readonly seq: bigint;
  readonly hlc: bigint | undefined;
  readonly deleted: boolean;
};

/** Changes held for a missing parent: in all, and the most one origin holds. */
export type HeldUsage = {
  readonly rows: number;
  readonly bytes: number;
  readonly maxOriginRows: number;
  readonly maxOriginBytes: number;
};

/** A visible row: the version a user sees, and the origin that wrote it. */
export type VisibleChange = { readonly origin: IdHex; readonly change: Change };

type Raw = unknown[];

function defOf(resource: Resource): ResourceDef {
  const def = resourceDef(resource);
  if (def === undefined) throw new RangeError(`unknown resource ${resource}`);
  return def;
}

function columnList(def: ResourceDef): string {
  return def.columns.map((c) => `, ${c.name}`).join("");
}

export class DbInspector {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql).raw(true).safeIntegers(true);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Live visible rows of one resource (or of every resource), ascending by id. */
  visibleRows(resource?: Resource): VisibleChange[] {
    const out: VisibleChange[] = [];
    for (const def of resource === undefined ? RESOURCES : [defOf(resource)]) {
      const hlc = def.ownership === "shared" ? "hlc" : "NULL";
      const sql = `SELECT id, seq, ${hlc}, deleted, origin${columnList(def)} FROM ${def.table} WHERE deleted = 0 ORDER BY id`;
      for (const r of this.stmt(sql).all() as Raw[]) {
        const [id, seq, h, , origin] = r as [Uint8Array, bigint, bigint | null, bigint, Uint8Array];
        const change = toChange(def, id, seq, h ?? undefined, false, r, 5);
        out.push({ origin: idToHex(origin), change });
      }
    }
    return out;
  }

  /**
   * The stream's entries: the origin's latest version of each row held here,
   * tombstones included, with changes held in the dependency buffer in place
   * of older table versions (they count as held). Ascending by id.
   */
  streamEntries(stream: StreamKey): Change[] {
    const def = defOf(stream.resource);
    const origin = idFromHex(stream.origin);
    const hlc = def.ownership === "shared" ? "hlc" : "NULL";
    const sql = `SELECT id, seq, ${hlc}, deleted${columnList(def)} FROM ${def.entriesTable} WHERE origin = ?`;
    const byId = new Map<string, Change>();
    for (const r of this.stmt(sql).all(origin) as Raw[]) {
      const [id, seq, h, deleted] = r as [Uint8Array, bigint, bigint | null, bigint];
      byId.set(idToHex(id), toChange(def, id, seq, h ?? undefined, deleted !== 0n, r, 4));
    }
    const held = this.stmt("SELECT change FROM dep_buffer WHERE origin = ? AND resource = ?");
    for (const [bytes] of held.all(origin, stream.resource) as [Uint8Array][]) {
      const c = fromBinary(ChangeSchema, new Uint8Array(bytes));
      const key = idToHex(c.rowId);
      const prev = byId.get(key);
      if (prev === undefined || prev.seq < c.seq) byId.set(key, c);
    }
    return [...byId.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, c]) => c);
  }

  /**
   * Like streamEntries, without the bodies: (id, seq, hlc, deleted) of each
   * entry, ascending by id — all a cursor check needs, at a fraction of the
   * cost (no message per row).
   */
  streamItems(stream: StreamKey): EntryItem[] {
    const def = defOf(stream.resource);
    const origin = idFromHex(stream.origin);
    const hlc = def.ownership === "shared" ? "hlc" : "NULL";
    const sql = `SELECT id, seq, ${hlc}, deleted FROM ${def.entriesTable} WHERE origin = ?`;
    const byId = new Map<string, EntryItem>();
    for (const [id, seq, h, deleted] of this.stmt(sql).all(origin) as [
      Uint8Array,
      bigint,
      bigint | null,
      bigint,
    ][]) {
      const hex = idToHex(id);
      byId.set(hex, { id: hex, seq, hlc: h ?? undefined, deleted: deleted !== 0n });
    }
    const held = this.stmt(
      "SELECT row_id, seq, change FROM dep_buffer WHERE origin = ? AND resource = ?",
    );
    for (const [id, seq, bytes] of held.all(origin, stream.resource) as [
      Uint8Array,
      bigint,
      Uint8Array,
    ][]) {
      const hex = idToHex(id);
      const prev = byId.get(hex);
      if (prev !== undefined && prev.seq >= seq) continue;
      const c = fromBinary(ChangeSchema, new Uint8Array(bytes));
      byId.set(hex, { id: hex, seq, hlc: c.hlc, deleted: c.body.case === "tombstone" });
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Rows SQLite has written on this connection so far (total_changes()):
   * a deterministic measure of storage work, closure rows included.
   */
  rowsWritten(): number {
    const [n] = this.stmt("SELECT total_changes()").get() as [bigint];
    return Number(n);
  }

  /**
   * Differs whenever the database changed since the last call, whichever
   * connection wrote: total_changes() counts only this connection's writes
   * (a probe on a 2nd, read-only connection would never see it move), and
   * PRAGMA data_version only other connections' commits.
   */
  writeStamp(): string {
    const [own] = this.stmt("SELECT total_changes()").get() as [bigint];
    const [others] = this.stmt("PRAGMA data_version").get() as [bigint];
    return `${own}:${others}`;
  }

  /** Changes waiting in the dependency buffer for a parent row. */
  heldChanges(): number {
    const [n] = this.stmt("SELECT count(*) FROM dep_buffer").get() as [bigint];
    return Number(n);
  }

  /**
   * What the dependency buffer holds, read from its table: rows and encoded
   * bytes over all origins, and the most any one origin holds (the four
   * quantities the buffer's bounds limit, PROTOCOL.md §11).
   */
  heldUsage(): HeldUsage {
    const per = this.stmt(
      "SELECT count(*), coalesce(sum(length(change)), 0) FROM dep_buffer GROUP BY origin",
    ).all() as [bigint, bigint][];
    let rows = 0;
    let bytes = 0;
    let maxOriginRows = 0;
    let maxOriginBytes = 0;
    for (const [r, b] of per) {
      rows += Number(r);
      bytes += Number(b);
      maxOriginRows = Math.max(maxOriginRows, Number(r));
      maxOriginBytes = Math.max(maxOriginBytes, Number(b));
    }
    return { rows, bytes, maxOriginRows, maxOriginBytes };
  }

  /** The closure table checked against the parent links, from scratch. */
  treeCheck(): TreeReport {
    return checkTree(this.db);
  }
}
