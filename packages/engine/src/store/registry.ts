// The resource registry (DESIGN §2): every synced resource declared once.
// Schema DDL, apply, serve, counts and FK order are all derived from it;
// body columns are derived from the proto message's own fields, so a new
// proto field becomes a column without a hand-written mapping.
import type { DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import {
  type Change,
  CollectionItemSchema,
  CollectionSchema,
  DeviceSchema,
  EntrySchema,
  LocationSchema,
  Resource,
  TagAssignmentSchema,
  TagSchema,
  VolumeSchema,
} from "@tidemark/protocol";

/** The oneof case of Change.body carrying a resource's record. */
export type BodyCase = Exclude<NonNullable<Change["body"]["case"]>, "tombstone">;

/** How one proto field is stored: its SQL affinity and JS representation. */
export type ColumnKind = "text" | "blob" | "int" | "bigint" | "bool";

export type Column = {
  /** SQL column name: the proto field name (snake_case). */
  readonly name: string;
  /** The field's property name on the generated message. */
  readonly localName: string;
  readonly kind: ColumnKind;
  /** Explicit presence (`optional`): absent is stored as NULL. */
  readonly optional: boolean;
};

/**
 * A reference from a body field to another resource's row id.
 * Hard: same origin, device-owned; a SQLite foreign key, and apply holds
 * the child in the dependency buffer until the parent lands.
 * Soft: may cross origins; no SQLite FK, resolved when read (DESIGN §3).
 */
export type Ref = { readonly field: string; readonly parent: Resource; readonly hard: boolean };

export type ResourceDef = {
  readonly resource: Resource;
  readonly name: string;
  /** Table of the visible rows. Shared resources also have `${table}_change`. */
  readonly table: string;
  readonly ownership: "device" | "shared";
  readonly bodyCase: BodyCase;
  readonly schema: DescMessage;
  readonly refs: readonly Ref[];
  /** Tree resources keep a closure table over this self-reference. */
  readonly tree?: { readonly parentField: string; readonly closureTable: string };
  readonly columns: readonly Column[];
  /** Where the stream's entries live: the table itself, or the per-origin change table. */
  readonly entriesTable: string;
};

type Decl = Omit<ResourceDef, "columns" | "entriesTable">;

const DECLS: readonly Decl[] = [
  {
    resource: Resource.DEVICE,
    name: "device",
    table: "device",
    ownership: "device",
    bodyCase: "device",
    schema: DeviceSchema,
    refs: [],
  },
  {
    resource: Resource.VOLUME,
    name: "volume",
    table: "volume",
    ownership: "device",
    bodyCase: "volume",
    schema: VolumeSchema,
    refs: [],
  },
  {
    resource: Resource.LOCATION,
    name: "location",
    table: "location",
    ownership: "device",
    bodyCase: "location",
    schema: LocationSchema,
    refs: [{ field: "volume_id", parent: Resource.VOLUME, hard: true }],
  },
  {
    resource: Resource.ENTRY,
    name: "entry",
    table: "entry",
    ownership: "device",
    bodyCase: "entry",
    schema: EntrySchema,
    refs: [
      { field: "location_id", parent: Resource.LOCATION, hard: true },
      { field: "parent_id", parent: Resource.ENTRY, hard: true },
    ],
    tree: { parentField: "parent_id", closureTable: "entry_closure" },
  },
  {
    resource: Resource.TAG,
    name: "tag",
    table: "tag",
    ownership: "shared",
    bodyCase: "tag",
    schema: TagSchema,
    refs: [],
  },
  {
    resource: Resource.COLLECTION,
    name: "collection",
    table: "collection",
    ownership: "shared",
    bodyCase: "collection",
    schema: CollectionSchema,
    refs: [],
  },
  {
    resource: Resource.TAG_ASSIGNMENT,
    name: "tag_assignment",
    table: "tag_assignment",
    ownership: "shared",
    bodyCase: "tagAssignment",
    schema: TagAssignmentSchema,
    refs: [
      { field: "tag_id", parent: Resource.TAG, hard: false },
      { field: "entry_id", parent: Resource.ENTRY, hard: false },
    ],
  },
  {
    resource: Resource.COLLECTION_ITEM,
    name: "collection_item",
    table: "collection_item",
    ownership: "shared",
    bodyCase: "collectionItem",
    schema: CollectionItemSchema,
    refs: [
      { field: "collection_id", parent: Resource.COLLECTION, hard: false },
      { field: "entry_id", parent: Resource.ENTRY, hard: false },
    ],
  },
];

// Names the store itself uses on every synced table.
const RESERVED = new Set(["id", "origin", "seq", "deleted", "hlc"]);

function columnKind(field: DescMessage["fields"][number], where: string): ColumnKind {
  if (field.fieldKind === "enum") return "int";
  if (field.fieldKind !== "scalar")
    throw new Error(`${where}: only scalar and enum fields are supported`);
  switch (field.scalar) {
    case ScalarType.STRING:
      return "text";
    case ScalarType.BYTES:
      return "blob";
    case ScalarType.BOOL:
      return "bool";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return "bigint";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      throw new Error(`${where}: floating point fields are not supported`);
    default:
      return "int";
  }
}

function derive(decl: Decl): ResourceDef {
  const columns = decl.schema.fields.map((f): Column => {
    const where = `${decl.name}.${f.name}`;
    if (RESERVED.has(f.name)) throw new Error(`${where}: field name is reserved by the store`);
    // presence 1 = EXPLICIT (proto3 `optional`).
    return {
      name: f.name,
      localName: f.localName,
      kind: columnKind(f, where),
      optional: f.presence === 1,
    };
  });
  for (const ref of decl.refs) {
    const col = columns.find((c) => c.name === ref.field);
    if (col?.kind !== "blob")
      throw new Error(`${decl.name}.${ref.field}: a ref must be a bytes field`);
  }
  const entriesTable = decl.ownership === "shared" ? `${decl.table}_change` : decl.table;
  return { ...decl, columns, entriesTable };
}

/** Every resource, in foreign-key order (ascending Resource number). */
export const RESOURCES: readonly ResourceDef[] = DECLS.map(derive).sort(
  (a, b) => a.resource - b.resource,
);

const BY_RESOURCE = new Map(RESOURCES.map((d) => [d.resource, d]));

/** The definition of a resource, or undefined for UNSPECIFIED/unknown numbers. */
export function resourceDef(resource: Resource): ResourceDef | undefined {
  return BY_RESOURCE.get(resource);
}

/**
 * Resources a resource's rows hard-reference, directly or through them
 * (entry -> location -> volume), excluding itself, ascending: the
 * same-origin streams that must be applied first.
 */
export function hardParentResources(resource: Resource): Resource[] {
  const out = new Set<Resource>();
  const visit = (r: Resource) => {
    for (const ref of resourceDef(r)?.refs ?? []) {
      if (!ref.hard || ref.parent === resource || out.has(ref.parent)) continue;
      out.add(ref.parent);
      visit(ref.parent);
    }
  };
  visit(resource);
  return [...out].sort((a, b) => a - b);
}
