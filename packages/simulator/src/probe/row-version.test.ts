// Row versions are exact: ids and bodies survive the trip through the
// probe's plain types, and HLCs are compared as bigints (S4: they used to
// be read as doubles, so two HLCs above 2^53 could compare equal).
import { create } from "@bufbuild/protobuf";
import { ChangeSchema, EntryKind, EntrySchema, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { canonicalRow, changeOf, rowVersionOf } from "./row-version.js";
import type { RowVersion } from "./types.js";

const id = (n: number) => new Uint8Array(16).fill(n);

describe("row versions", () => {
  test("hlc-read-as-bigint (S4): HLCs that differ above 2^53 give different canonical rows", () => {
    const base: RowVersion = {
      resource: Resource.TAG,
      id: "01".repeat(16),
      origin: "aa".repeat(16),
      seq: 1n,
      hlc: (1n << 60n) + 1n,
      deleted: false,
      fields: { name: "t", color: "red" },
    };
    const later = { ...base, hlc: (1n << 60n) + 2n };
    expect(Number(base.hlc)).toBe(Number(later.hlc)); // a double cannot tell them apart
    expect(canonicalRow(base)).not.toBe(canonicalRow(later));
  });

  test("a change survives Change -> RowVersion -> Change unchanged", () => {
    const c = create(ChangeSchema, {
      rowId: id(1),
      seq: 42n,
      body: {
        case: "entry",
        value: create(EntrySchema, {
          locationId: id(2),
          parentId: id(3),
          name: "a file",
          kind: EntryKind.FILE,
          size: 9_007_199_254_740_993n,
          modifiedAtMs: 1_700_000_000_000n,
        }),
      },
    });
    const row = rowVersionOf(Resource.ENTRY, "aa".repeat(16), c);
    expect(row.fields).toMatchObject({
      parentId: "03".repeat(16),
      size: "9007199254740993",
      kind: "1",
    });
    expect(changeOf(row)).toEqual(c);
  });
});
