// Protocol Changes <-> plain RowVersions, by reflection over the record
// messages (so a new proto field needs no code here), and the canonical
// text of a row that properties compare. Adapters use these to speak the
// probe's plain types.
import { create, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { idFromHex, idToHex } from "@tidemark/engine";
import {
  BODY_CASE,
  type Change,
  ChangeSchema,
  type Resource,
  TombstoneSchema,
} from "@tidemark/protocol";
import type { Fields, IdHex, RowVersion, WriteOp } from "./types.js";

/** The record message carried by each resource's changes. */
const BODY_SCHEMA = new Map<Resource, DescMessage>();
for (const [resource, bodyCase] of Object.entries(BODY_CASE)) {
  const f = ChangeSchema.fields.find((x) => x.localName === bodyCase);
  if (f?.fieldKind === "message") BODY_SCHEMA.set(Number(resource) as Resource, f.message);
}

function schemaOf(resource: Resource): DescMessage {
  const s = BODY_SCHEMA.get(resource);
  if (s === undefined) throw new RangeError(`unknown resource ${resource}`);
  return s;
}

const INT64 = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);

function toText(v: unknown): string {
  if (v instanceof Uint8Array) return idToHex(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return String(v);
}

function fromText(f: DescField, s: string): unknown {
  if (f.fieldKind === "enum") return Number(s);
  if (f.fieldKind !== "scalar") throw new TypeError(`field ${f.name}: only scalars and enums`);
  if (f.scalar === ScalarType.BYTES) return hexBytes(s);
  if (f.scalar === ScalarType.STRING) return s;
  if (f.scalar === ScalarType.BOOL) return s === "true";
  if (INT64.has(f.scalar)) return BigInt(s);
  return Number(s);
}

/** Any even-length hex string as bytes (ids are 16 bytes; other blobs may differ). */
function hexBytes(s: string): Uint8Array {
  if (s.length === 32) return idFromHex(s);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A record message's fields as canonical strings (unset optional fields absent). */
export function fieldsOf(resource: Resource, body: object): Fields {
  const out: Record<string, string> = {};
  const rec = body as Record<string, unknown>;
  for (const f of schemaOf(resource).fields) {
    const v = rec[f.localName];
    if (v === undefined) continue;
    out[f.localName] = toText(v);
  }
  return out;
}

/** The Change body of a write (a tombstone when deleted). */
export function bodyOf(resource: Resource, w: Pick<WriteOp, "deleted" | "fields">): Change["body"] {
  if (w.deleted === true) return { case: "tombstone", value: create(TombstoneSchema) };
  const schema = schemaOf(resource);
  const init: Record<string, unknown> = {};
  const fields = w.fields ?? {};
  for (const f of schema.fields) {
    const s = fields[f.localName];
    if (s !== undefined) init[f.localName] = fromText(f, s);
  }
  return {
    case: BODY_CASE[resource as keyof typeof BODY_CASE],
    value: create(schema, init),
  } as Change["body"];
}

/** A protocol Change as a RowVersion written by `origin`. */
export function rowVersionOf(resource: Resource, origin: IdHex, c: Change): RowVersion {
  const deleted = c.body.case === "tombstone";
  return {
    resource,
    id: idToHex(c.rowId),
    origin,
    seq: c.seq,
    hlc: c.hlc,
    deleted,
    fields: deleted || c.body.value === undefined ? {} : fieldsOf(resource, c.body.value),
  };
}

/** The protocol Change of a RowVersion (seq, hlc and body). */
export function changeOf(row: RowVersion): Change {
  return create(ChangeSchema, {
    rowId: idFromHex(row.id),
    seq: row.seq,
    ...(row.hlc === undefined ? {} : { hlc: row.hlc }),
    body: bodyOf(row.resource, row),
  });
}

/** One line per row version: equal lines mean equal versions (id, writer, seq, hlc, body). */
export function canonicalRow(r: RowVersion): string {
  const body = Object.keys(r.fields)
    .sort()
    .map((k) => `${k}=${r.fields[k]}`)
    .join(" ");
  return `${r.resource} ${r.id} o=${r.origin} s=${r.seq} h=${r.hlc ?? "-"}${r.deleted ? " deleted" : ""} ${body}`;
}
