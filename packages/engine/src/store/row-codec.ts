// Change body <-> SQL column values, driven by the registry's columns.
// Reads use better-sqlite3's safeIntegers, so every INTEGER arrives as bigint.
import { create } from "@bufbuild/protobuf";
import { type Change, ChangeSchema, TombstoneSchema } from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { ResourceDef } from "./registry.js";

const I64_MAX = 0x7fff_ffff_ffff_ffffn;
type SqlValue = string | number | bigint | Uint8Array | null;

/** Column values of a live body, in `def.columns` order. Empty refs become NULL. */
export function bodyToColumns(def: ResourceDef, body: Record<string, unknown>): SqlValue[] {
  const out: SqlValue[] = new Array(def.columns.length);
  for (let i = 0; i < def.columns.length; i++) {
    const c = def.columns[i] as ResourceDef["columns"][number];
    const v = body[c.localName];
    if (v === undefined) {
      out[i] = null;
      continue;
    }
    switch (c.kind) {
      case "blob":
        out[i] = (v as Uint8Array).length === 0 && isRef(def, c.name) ? null : (v as Uint8Array);
        break;
      case "bool":
        out[i] = v ? 1 : 0;
        break;
      case "bigint": {
        const b = v as bigint;
        if (b > I64_MAX) {
          throw new EngineError(EngineErrorCode.Invalid, "64-bit value exceeds SQLite's range", {
            field: `${def.name}.${c.name}`,
          });
        }
        out[i] = b;
        break;
      }
      default:
        out[i] = v as string | number;
    }
  }
  return out;
}

function isRef(def: ResourceDef, name: string): boolean {
  for (const r of def.refs) if (r.field === name) return true;
  return false;
}

/** Builds the record message from raw column values starting at `offset`. */
export function columnsToBody(def: ResourceDef, raw: readonly unknown[], offset: number): unknown {
  const init: Record<string, unknown> = {};
  for (let i = 0; i < def.columns.length; i++) {
    const c = def.columns[i] as ResourceDef["columns"][number];
    const v = raw[offset + i];
    if (v === null || v === undefined) continue;
    switch (c.kind) {
      case "blob":
        init[c.localName] = new Uint8Array(v as Uint8Array);
        break;
      case "bool":
        init[c.localName] = v !== 0n;
        break;
      case "int":
        init[c.localName] = Number(v);
        break;
      default:
        init[c.localName] = v;
    }
  }
  return create(def.schema, init);
}

/** A Change for a stored entry; a deleted row becomes a tombstone. */
export function toChange(
  def: ResourceDef,
  id: Uint8Array,
  seq: bigint,
  hlc: bigint | undefined,
  deleted: boolean,
  raw: readonly unknown[],
  offset: number,
  signature?: Uint8Array | null,
): Change {
  const body = deleted
    ? { case: "tombstone" as const, value: create(TombstoneSchema) }
    : { case: def.bodyCase, value: columnsToBody(def, raw, offset) };
  const init: Record<string, unknown> = { rowId: new Uint8Array(id), seq, body };
  if (hlc !== undefined) init.hlc = hlc;
  if (signature !== undefined && signature !== null) init.signature = new Uint8Array(signature);
  return create(ChangeSchema, init as never);
}
