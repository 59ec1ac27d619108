import { describe, expect, it } from "vitest";
import { tagAssignmentIdOf, tagIdOf } from "./shared-ids.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

describe("derived ids (PROTOCOL.md §3.2)", () => {
  it("a tag id and an assignment id match the vectors the document gives", () => {
    const tag = tagIdOf(bytes("000102030405060708090a0b0c0d0e0f"), "holiday");
    expect(hex(tag)).toBe("9bf53636737c754499dc0eb9a6140eff");
    expect(hex(tagAssignmentIdOf(tag, new Uint8Array(16).fill(0x11)))).toBe(
      "7b72bb73ad4f89e78ee251370dd4e041",
    );
  });

  it("length prefixes keep split names apart", () => {
    const lib = new Uint8Array(16);
    expect(hex(tagIdOf(lib, "ab"))).not.toBe(hex(tagIdOf(lib, "a")));
  });
});
