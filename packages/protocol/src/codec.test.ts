import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChangeSchema, Resource, StreamIdSchema } from "./index.js";

describe("generated code", () => {
  it("round-trips a tombstone change through binary", () => {
    const change = create(ChangeSchema, {
      rowId: new Uint8Array(16).fill(7),
      seq: 42n,
      body: { case: "tombstone", value: {} },
    });
    const back = fromBinary(ChangeSchema, toBinary(ChangeSchema, change));
    expect(back.seq).toBe(42n);
    expect(back.body.case).toBe("tombstone");
    expect(back.hlc).toBeUndefined();
  });

  it("keeps the resource enum in foreign-key order", () => {
    const s = create(StreamIdSchema, { resource: Resource.ENTRY });
    expect(s.resource).toBeGreaterThan(Resource.LOCATION);
  });
});
