import { create } from "@bufbuild/protobuf";
import { Resource, tagAssignmentIdOf, tagIdOf } from "@tidemark/protocol";
import { WriteOpSchema } from "@tidemark/protocol/test-control";
import { describe, expect, it } from "vitest";
import { withDerivedIds } from "./derived-ids.js";

const library = new Uint8Array(16).fill(7);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("TestControl Commit: writes without an id", () => {
  it("a tag and an assignment get the ids the UI derives; a given id is kept", () => {
    const tag = create(WriteOpSchema, {
      resource: Resource.TAG,
      fields: { name: "holiday", color: "#fff" },
    });
    const entry = "11".repeat(16);
    const assign = create(WriteOpSchema, {
      resource: Resource.TAG_ASSIGNMENT,
      fields: { tagId: hex(tagIdOf(library, "holiday")), entryId: entry },
    });
    const given = create(WriteOpSchema, { ...tag, id: new Uint8Array(16).fill(9) });
    const [t, a, g] = withDerivedIds([tag, assign, given], library);
    expect(hex(t?.id ?? new Uint8Array())).toBe(hex(tagIdOf(library, "holiday")));
    expect(hex(a?.id ?? new Uint8Array())).toBe(
      hex(tagAssignmentIdOf(tagIdOf(library, "holiday"), Buffer.from(entry, "hex"))),
    );
    expect(g?.id).toEqual(new Uint8Array(16).fill(9));
  });

  it("any other resource without an id, or a tag without its name, is invalid_argument", () => {
    const volume = create(WriteOpSchema, { resource: Resource.VOLUME, fields: { name: "v" } });
    expect(() => withDerivedIds([volume], library)).toThrow(/only tags and tag assignments/);
    const nameless = create(WriteOpSchema, { resource: Resource.TAG, fields: { color: "#fff" } });
    expect(() => withDerivedIds([nameless], library)).toThrow(/needs the field "name"/);
  });
});
