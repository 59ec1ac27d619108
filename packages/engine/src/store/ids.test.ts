import { Resource } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { EngineErrorCode } from "../errors.js";
import {
  compareIds,
  idFromHex,
  idToHex,
  newRowId,
  streamKeyOf,
  streamKeyString,
  toStreamId,
} from "./ids.js";

describe("ids", () => {
  it("newRowId is a UUIDv7 whose first 48 bits are the time", () => {
    const id = newRowId(0x0123_4567_89ab, () => 0.999);
    expect(idToHex(id).slice(0, 12)).toBe("0123456789ab");
    expect((id[6] as number) >> 4).toBe(7);
    expect((id[8] as number) >> 6).toBe(0b10);
    expect(
      compareIds(
        newRowId(1000, () => 0.5),
        newRowId(1001, () => 0),
      ),
    ).toBeLessThan(0);
  });

  it("hex round-trips and rejects malformed ids", () => {
    const id = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    expect(idFromHex(idToHex(id))).toEqual(id);
    expect(idToHex(id)).toBe("00112233445566778899aabbccddeeff");
    expect(() => idFromHex("xyz")).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
  });

  it("stream keys convert to and from wire StreamIds", () => {
    const key = { origin: "ab".repeat(16), resource: Resource.ENTRY };
    expect(streamKeyOf(toStreamId(key))).toEqual(key);
    expect(streamKeyString(key)).toBe(`${"ab".repeat(16)}/${Resource.ENTRY}`);
  });
});
