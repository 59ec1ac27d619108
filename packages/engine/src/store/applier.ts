// Applies one change of one stream: version compare, fingerprint and
// count bookkeeping, row write, tree-link check, dependency buffering.
// Shared by commit() (own origin) and apply() (any origin); the caller
// owns the transaction and the stream state copy.
import type { Change } from "@tidemark/protocol";
import { Resource } from "@tidemark/protocol";
import type { Database } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import { addInto, itemHash, subInto } from "../fingerprint/index.js";
import { hlcReceive } from "../hlc/index.js";
import { TreeLinks } from "./tree.js";

/** A tree row's local integer key (`lid`, never synced); 0 for other resources. */
type Lid = number;

import type { DependencyBuffer, Held } from "./dep-buffer.js";
import { compareIds, ID_BYTES, idFromHex, idToHex } from "./ids.js";
import { RESOURCES, type ResourceDef } from "./registry.js";
import type { EntryRaw } from "./resource-table.js";
import { ResourceTable } from "./resource-table.js";
import { bodyToColumns } from "./row-codec.js";
import { rawToChange } from "./serve.js";
import type { StreamKey } from "./store-api.js";
import type { StreamRow } from "./stream-state.js";

/** Per-transaction context: clock reading, local HLC, FK resolution cache. */
export type TxContext = {
  readonly nowMs: number;
  readonly maxOffsetMs: number;
  /**
   * A commit of this device's own writes: a row it holds lands within the
   * same commit or refuses it, so the buffer's bounds (meant for peers) don't apply.
   */
  readonly local: boolean;
  hlc: bigint;
  hlcDirty: boolean;
  /**
   * Per resource: hex ids known to exist (same origin: a transaction applies
   * one origin's changes, and releases only that origin's) in this batch,
   * with their local key (tree resources) or 0.
   */
  readonly known: Map<Resource, Map<string, Lid>>;
  /** The mutable state of any stream in this transaction (a held change's, when it is dropped). */
  readonly stream: (key: StreamKey, origin: Uint8Array) => StreamRow;
};

type DeviceRaw = [Uint8Array, bigint, bigint, Uint8Array | null, bigint | null];

/** Longest parent chain walked when looking for a cycle (as the closure's own bound). */
const MAX_PARENT_WALK = 100_000;
type SharedRaw = [bigint, bigint];

/** The signature column of a change: NULL when it carries none. */
function sigOf(change: Change): Uint8Array | null {
  return change.signature.length === 0 ? null : change.signature;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && compareIds(a, b) === 0;
}

/**
 * A pulled change above the cursor replacing the stream's version at or
 * below it: the replica no longer holds the row as of its cursor, so it
 * may not promise the cursor to a caller after a lower seq (PROTOCOL.md
 * BF-18). The highest such seq is kept until the pull finishes.
 */
function notePullReplaced(st: StreamRow, curSeq: bigint | undefined, seq: bigint): void {
  const cursor = st.cursor;
  if (curSeq === undefined || cursor === undefined || curSeq > cursor || seq <= cursor) return;
  if (st.pullReplaced === undefined || st.pullReplaced < curSeq) st.pullReplaced = curSeq;
}

export class Applier {
  readonly tables = new Map<Resource, ResourceTable>();
  private readonly trees = new Map<Resource, TreeLinks>();
  private readonly queue: Held[] = [];
  private queueHead = 0;
  /** Per resource: body column index of each hard ref, and of the tree parent. */
  private readonly layout = new Map<Resource, { hard: [number, Resource][]; treeIdx: number }>();
  /** Signs an own change (the store's signer); unset: own changes stay unsigned. */
  signOwn: ((resource: Resource, change: Change) => Uint8Array) | undefined;

  constructor(
    db: Database,
    readonly buffer: DependencyBuffer,
  ) {
    for (const def of RESOURCES) {
      this.tables.set(def.resource, new ResourceTable(db, def));
      if (def.tree) this.trees.set(def.resource, new TreeLinks(db, { ...def, tree: def.tree }));
      const col = (name: string) => def.columns.findIndex((c) => c.name === name);
      // The tree parent first: a change missing it waits keyed by it, so a
      // new row is awaited by every held change naming it as tree parent,
      // and the cycle walk (checkParents) runs whenever a cycle is possible.
      const tree = def.tree?.parentField;
      this.layout.set(def.resource, {
        hard: def.refs
          .filter((r) => r.hard)
          .sort((a, b) => Number(b.field === tree) - Number(a.field === tree))
          .map((r): [number, Resource] => [col(r.field), r.parent]),
        treeIdx: def.tree ? col(def.tree.parentField) : -1,
      });
    }
  }

  table(resource: Resource): ResourceTable {
    const t = this.tables.get(resource);
    if (!t) throw new EngineError(EngineErrorCode.Invalid, "unknown resource", { resource });
    return t;
  }

  /**
   * Applies `change` to stream `st` if it is newer than what the stream
   * holds for that row. Returns false for a duplicate or older version.
   * Throws EngineError (the caller rolls the transaction back).
   */
  applyChange(
    st: StreamRow,
    def: ResourceDef,
    change: Change,
    ctx: TxContext,
    local = false,
  ): boolean {
    const rowId = change.rowId;
    if (rowId.length !== ID_BYTES) {
      throw new EngineError(EngineErrorCode.Invalid, "row_id must be 16 bytes", {
        seq: change.seq,
      });
    }
    if (change.seq < 1n) throw new EngineError(EngineErrorCode.Invalid, "seq must be >= 1", {});
    const bodyCase = change.body.case;
    if (bodyCase !== def.bodyCase && bodyCase !== "tombstone") {
      throw new EngineError(
        bodyCase === undefined ? EngineErrorCode.Invalid : EngineErrorCode.BodyMismatch,
        "change body does not match the stream's resource",
        { resource: def.name, body: bodyCase ?? "none" },
      );
    }
    if (def.resource === Resource.DEVICE && !sameBytes(rowId, st.origin)) {
      throw new EngineError(EngineErrorCode.NotOrigin, "a device row's id must be its origin", {});
    }
    const live = bodyCase !== "tombstone";
    const rowHex = idToHex(rowId);
    const table = this.table(def.resource);
    const held = this.buffer.get(st.keyString, rowHex);
    let curSeq: bigint | undefined;
    let curLive = false;
    let deviceRow: DeviceRaw | undefined;
    if (def.ownership === "device") {
      deviceRow = table.getEntry.get(rowId) as DeviceRaw | undefined;
      if (deviceRow) {
        // Signed or not, a change of a row another device owns is forged
        // (a tombstone or update of it, PROTOCOL.md §16 SG-5).
        if (!sameBytes(deviceRow[0], st.origin)) {
          throw new EngineError(EngineErrorCode.ForgedOrigin, "row belongs to another origin", {
            row: rowHex,
            stream: st.keyString,
            owner: idToHex(deviceRow[0]),
          });
        }
        curSeq = deviceRow[1];
        curLive = deviceRow[2] === 0n;
      }
    } else {
      if (change.hlc === undefined || change.hlc === 0n) {
        throw new EngineError(EngineErrorCode.Invalid, "shared change without an HLC", {
          missing: true,
          field: "hlc",
          row: rowHex,
        });
      }
      // Receive rule for remote writes; a local write's HLC came from our own tick.
      if (!local) {
        ctx.hlc = hlcReceive(ctx.hlc, change.hlc, ctx.nowMs, ctx.maxOffsetMs);
        ctx.hlcDirty = true;
      }
      const r = table.getEntry.get(st.origin, rowId) as SharedRaw | undefined;
      if (r) {
        curSeq = r[0];
        curLive = r[1] === 0n;
      }
    }
    if (held) {
      curSeq = held.change.seq;
      curLive = true;
    }
    if (curSeq !== undefined && curSeq >= change.seq) return false;
    if (!local) notePullReplaced(st, curSeq, change.seq);

    // The stream's entry for this row moves from (rowId, curSeq) to (rowId, seq).
    if (curLive) {
      subInto(st.fingerprint, itemHash(rowId, curSeq as bigint));
      st.liveCount--;
    }
    if (live) {
      addInto(st.fingerprint, itemHash(rowId, change.seq));
      st.liveCount++;
    }
    if (held) this.buffer.drop(held);

    if (def.ownership === "shared") this.writeShared(table, st, change, live);
    else this.writeDevice(table, st.origin, st.keyString, change, rowHex, deviceRow, ctx);
    this.drain(ctx);
    return true;
  }

  /**
   * Full resync only: removes a device-owned row (or its held version) the
   * responder no longer has, with its fingerprint and count terms, writing
   * no change and no seq. Refuses a row of another
   * origin or above `horizon` (its delete would still be served). Returns
   * "referenced" (nothing changed) while a hard child still points at it.
   */
  forgetRow(
    st: StreamRow,
    def: ResourceDef,
    rowId: Uint8Array,
    horizon: bigint,
    ctx: TxContext,
  ): "forgotten" | "referenced" | "absent" {
    const table = this.table(def.resource);
    if (def.ownership === "shared") return this.forgetShared(st, table, rowId, horizon, ctx);
    const rowHex = idToHex(rowId);
    const row = table.getEntry.get(rowId) as DeviceRaw | undefined;
    const held = this.buffer.get(st.keyString, rowHex);
    const seq = held?.change.seq ?? row?.[1];
    if (seq === undefined) return "absent";
    if (row !== undefined && !sameBytes(row[0], st.origin)) {
      throw new EngineError(EngineErrorCode.NotOrigin, "row belongs to another origin", {
        row: rowHex,
        stream: st.keyString,
      });
    }
    if (seq > horizon) {
      throw new EngineError(
        EngineErrorCode.BelowHorizon,
        "a row above the responder's tombstone horizon cannot be forgotten",
        { row: rowHex, stream: st.keyString, seq, horizon },
      );
    }
    if (row !== undefined && table.forget.run(rowId, st.origin).changes === 0) return "referenced";
    // Held (waiting for a parent) counts as live; otherwise the row's state.
    if (held !== undefined || row?.[2] === 0n) {
      subInto(st.fingerprint, itemHash(rowId, seq));
      st.liveCount--;
    }
    if (held !== undefined) this.buffer.drop(held);
    ctx.known.get(def.resource)?.delete(rowHex);
    return "forgotten";
  }

  /**
   * Full resync of a shared stream: drops this origin's entry for a row
   * (its delete was pruned). If that entry showed, the row shows deleted.
   */
  private forgetShared(
    st: StreamRow,
    table: ResourceTable,
    rowId: Uint8Array,
    horizon: bigint,
    ctx: TxContext,
  ): "forgotten" | "absent" {
    const entry = table.getEntry.get(st.origin, rowId) as [bigint, bigint] | undefined;
    if (entry === undefined) return "absent";
    const [seq, deleted] = entry;
    const rowHex = idToHex(rowId);
    if (seq > horizon) {
      throw new EngineError(
        EngineErrorCode.BelowHorizon,
        "a row above the responder's tombstone horizon cannot be forgotten",
        { row: rowHex, stream: st.keyString, seq, horizon },
      );
    }
    table.forget.run(rowId, st.origin);
    if (deleted === 0n) {
      subInto(st.fingerprint, itemHash(rowId, seq));
      st.liveCount--;
    }
    // The forgotten version showed, so it beat every other origin's version;
    // its origin deleted the row after it (the pruned tombstone), which beats
    // them too: the row stays deleted, never falls back to an older version.
    const vis = table.getVisible?.get(rowId) as [Uint8Array, bigint] | undefined;
    if (vis !== undefined && sameBytes(vis[0], st.origin))
      table.upsertVisibleTombstone?.run(rowId, st.origin, seq, vis[1]);
    ctx.known.get(table.def.resource)?.delete(rowHex);
    return "forgotten";
  }

  private writeShared(table: ResourceTable, st: StreamRow, change: Change, live: boolean): void {
    const { rowId, seq } = change;
    const hlc = change.hlc as bigint;
    const cols = live
      ? bodyToColumns(table.def, change.body.value as unknown as Record<string, unknown>)
      : [];
    const sig = sigOf(change);
    if (live) table.upsertLive.run(rowId, st.origin, seq, hlc, sig, ...cols);
    else table.upsertTombstone.run(rowId, st.origin, seq, hlc, sig);
    // Last writer wins over all origins by (hlc, origin). A tie within one
    // origin is its own write moved to a later seq (an origin rewind, §3.7):
    // the later seq, which supersedes this stream's entry, shows everywhere.
    const vis = table.getVisible?.get(rowId) as [Uint8Array, bigint] | undefined;
    if (vis && (hlc < vis[1] || (hlc === vis[1] && compareIds(st.origin, vis[0]) < 0))) return;
    if (live) table.upsertVisibleLive?.run(rowId, st.origin, seq, hlc, ...cols);
    else table.upsertVisibleTombstone?.run(rowId, st.origin, seq, hlc);
  }

  private writeDevice(
    table: ResourceTable,
    origin: Uint8Array,
    streamKey: string,
    change: Change,
    rowHex: string,
    existing: DeviceRaw | undefined,
    ctx: TxContext,
  ): void {
    const def = table.def;
    const { rowId, seq } = change;
    const layout = this.layout.get(def.resource) as { hard: [number, Resource][]; treeIdx: number };
    if (change.body.case === "tombstone") {
      const r = table.upsertTombstone.run(rowId, origin, seq, sigOf(change));
      const lid = Number(existing ? (existing[4] ?? 0) : r.lastInsertRowid);
      // A tombstone row satisfies the foreign key too: children held for it
      // land now, exactly as if the tombstone had arrived before them.
      this.landed(def.resource, rowHex, lid, origin, ctx);
      return;
    }
    const body = change.body.value as unknown as Record<string, unknown>;
    const cols = bodyToColumns(def, body);
    this.checkParents(def, streamKey, rowHex, cols, existing !== undefined);
    // Hard parents must exist first; otherwise hold the change, keyed by
    // the first missing parent (it is re-checked on release).
    for (const [idx, parentResource] of layout.hard) {
      const parent = cols[idx] as Uint8Array | null;
      if (parent === null) continue;
      const parentHex = idToHex(parent);
      const parentLid = this.parentLid(parentResource, parent, parentHex, origin, streamKey, ctx);
      if (parentLid === undefined) {
        this.buffer.hold(
          {
            streamKey,
            origin,
            resource: def.resource,
            rowHex,
            parentHex,
            change,
          },
          parent,
          !ctx.local,
        );
        return;
      }
    }
    // A row that existed (live or deleted) may already have children: moved
    // or revived under one of them, it would become its own ancestor. A new
    // row has no children yet (those waiting for it are released after).
    const tree = this.trees.get(def.resource);
    const newParent = (cols[layout.treeIdx] as Uint8Array | null | undefined) ?? null;
    if (tree && existing && newParent !== null) {
      if (existing[2] !== 0n || !sameBytes(existing[3], newParent)) {
        tree.assertNotUnder(rowId, newParent);
      }
    }
    const r = table.upsertLive.run(rowId, origin, seq, sigOf(change), ...cols);
    const lid = Number(existing ? (existing[4] ?? 0) : r.lastInsertRowid);
    this.landed(def.resource, rowHex, lid, origin, ctx);
  }

  /**
   * Refuses, before anything is held or written, a change whose hard
   * references are not ids, name the row itself, or close a cycle of
   * parent links (through rows written or held): such a change could only
   * wait in the buffer forever, or fail the apply of the parent it waits
   * for. Walks only when a cycle is possible: the row exists or a held
   * change waits for it (a new row has no descendants).
   */
  private checkParents(
    def: ResourceDef,
    streamKey: string,
    rowHex: string,
    cols: readonly unknown[],
    exists: boolean,
  ): void {
    const layout = this.layout.get(def.resource) as { hard: [number, Resource][]; treeIdx: number };
    for (const [idx] of layout.hard) {
      const parent = cols[idx] as Uint8Array | null;
      if (parent === null) continue;
      const field = def.columns[idx]?.name ?? "reference";
      if (parent.length !== ID_BYTES) {
        throw new EngineError(
          EngineErrorCode.Invalid,
          `${def.name}: a reference must be 16 bytes`,
          {
            field,
          },
        );
      }
      if (idToHex(parent) === rowHex) {
        throw new EngineError(EngineErrorCode.Invalid, "a row cannot be its own parent", {
          row: rowHex,
          field,
        });
      }
    }
    const tree = layout.treeIdx < 0 ? null : (cols[layout.treeIdx] as Uint8Array | null);
    if (tree === null || this.buffer.size === 0) return;
    if (!exists && !this.buffer.awaited(rowHex)) return;
    if (this.reaches(def, streamKey, idToHex(tree), rowHex)) {
      throw new EngineError(EngineErrorCode.Invalid, "parent links form a cycle", {
        row: rowHex,
        field: def.tree?.parentField,
        stream: streamKey,
      });
    }
  }

  /** True when the parent chain from `fromHex` (held versions first) reaches `targetHex`. */
  private reaches(
    def: ResourceDef,
    streamKey: string,
    fromHex: string,
    targetHex: string,
  ): boolean {
    const table = this.table(def.resource);
    const treeIdx = (this.layout.get(def.resource) as { treeIdx: number }).treeIdx;
    const seen = new Set<string>();
    for (let cur: string | null = fromHex; cur !== null; ) {
      if (cur === targetHex) return true;
      if (seen.has(cur) || seen.size > MAX_PARENT_WALK) return seen.size > MAX_PARENT_WALK;
      seen.add(cur);
      const held = this.buffer.get(streamKey, cur);
      let next: Uint8Array | null;
      if (held !== undefined && held.change.body.case === def.bodyCase) {
        const body = held.change.body.value as unknown as Record<string, unknown>;
        next = bodyToColumns(def, body)[treeIdx] as Uint8Array | null;
      } else {
        const row = table.getEntry.get(idFromHex(cur)) as DeviceRaw | undefined;
        next = row?.[3] ?? null;
      }
      cur = next === null ? null : idToHex(next);
    }
    return false;
  }

  /**
   * A row now exists in its table: remember it and release its waiters.
   * A waiter of another origin is malformed (a hard reference never
   * crosses origins, RF-6): dropped, never stored or served.
   */
  private landed(
    resource: Resource,
    rowHex: string,
    lid: Lid,
    origin: Uint8Array,
    ctx: TxContext,
  ): void {
    this.knownSet(resource, ctx).set(rowHex, lid);
    if (!this.buffer.awaited(rowHex)) return;
    for (const h of this.buffer.release(rowHex)) {
      if (sameBytes(h.origin, origin)) this.queue.push(h);
      else this.dropHeld(h, ctx);
    }
  }

  /** Its stream's entry for the row falls back to the version the table holds, if any. */
  private dropHeld(h: Held, ctx: TxContext): void {
    const st = ctx.stream({ origin: idToHex(h.origin), resource: h.resource }, h.origin);
    const { rowId, seq } = h.change;
    subInto(st.fingerprint, itemHash(rowId, seq));
    st.liveCount--;
    const row = this.table(h.resource).getEntry.get(rowId) as DeviceRaw | undefined;
    if (row !== undefined && sameBytes(row[0], h.origin) && row[2] === 0n) {
      addInto(st.fingerprint, itemHash(rowId, row[1]));
      st.liveCount++;
    }
  }

  // FK resolution per batch: each distinct parent is looked up at most
  // once per transaction; rows written in the batch are known without SQL.
  // Returns the parent's local key (0 for non-tree parents), or undefined
  // when the parent row does not exist yet.
  private parentLid(
    resource: Resource,
    parent: Uint8Array,
    parentHex: string,
    origin: Uint8Array,
    streamKey: string,
    ctx: TxContext,
  ): Lid | undefined {
    const known = this.knownSet(resource, ctx);
    const hit = known.get(parentHex);
    if (hit !== undefined) return hit;
    const r = this.table(resource).getOrigin?.get(parent) as
      | [Uint8Array, bigint | null]
      | undefined;
    if (!r) return undefined;
    if (!sameBytes(r[0], origin)) {
      throw new EngineError(EngineErrorCode.Invalid, "a hard reference crosses origins", {
        parent: parentHex,
        stream: streamKey,
      });
    }
    const lid = Number(r[1] ?? 0);
    known.set(parentHex, lid);
    return lid;
  }

  private knownSet(resource: Resource, ctx: TxContext): Map<string, Lid> {
    let s = ctx.known.get(resource);
    if (!s) {
      s = new Map();
      ctx.known.set(resource, s);
    }
    return s;
  }

  // Released changes are written in a loop, not by recursion: a long chain
  // of parents delivered in reverse would otherwise overflow the stack.
  private drain(ctx: TxContext): void {
    while (this.queueHead < this.queue.length) {
      const h = this.queue[this.queueHead++] as Held;
      const table = this.table(h.resource);
      const existing = table.getEntry.get(h.change.rowId) as DeviceRaw | undefined;
      this.writeDevice(table, h.origin, h.streamKey, h.change, h.rowHex, existing, ctx);
    }
    this.reset();
  }

  /** Re-signs an own entry whose seq changed (own-seqs.ts): the old signature named the old seq. */
  resign(table: ResourceTable, origin: Uint8Array, id: Uint8Array): void {
    if (this.signOwn === undefined) return;
    const r = table.byId.get(origin, id) as EntryRaw | undefined;
    if (r === undefined) return;
    table.setSig.run(this.signOwn(table.def.resource, rawToChange(table, r)), origin, id);
  }

  /** Signs every own entry stored without a signature (before schema 7: the migration note of PROTOCOL.md §16). */
  signUnsigned(origin: Uint8Array): number {
    let n = 0;
    for (const table of this.tables.values()) {
      for (const [id] of table.unsigned.all(origin) as [Uint8Array][]) {
        this.resign(table, origin, id);
        n++;
      }
    }
    return n;
  }

  /** Forgets queued releases (after a drain or a rollback). */
  reset(): void {
    this.queue.length = 0;
    this.queueHead = 0;
  }

  /** After a rollback: forget queued releases. */
  rollback(): void {
    this.reset();
  }
}
