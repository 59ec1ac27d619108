// {"$signedHead": lib} accepts a watermark whose head its stream's origin
// signed at most at its cursor, and names what is wrong otherwise.
import { create, toJson } from "@bufbuild/protobuf";
import { Resource, StreamIdSchema, StreamWatermarkSchema } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { match } from "./match.js";
import { headStatement, newDeviceKey } from "./signing.js";

const library = new Uint8Array(16).fill(9);
const lib = Buffer.from(library).toString("base64");
const origin = newDeviceKey();
const stream = create(StreamIdSchema, { origin: origin.id, resource: Resource.TAG });
const key = origin.signer.publicKey;

function watermark(cursor: bigint, head?: ReturnType<typeof headStatement>) {
  const w = create(StreamWatermarkSchema, { stream, cursor, ...(head ? { head } : {}) });
  return toJson(StreamWatermarkSchema, w) as Record<string, unknown>;
}

describe("$signedHead", () => {
  it("accepts a head its origin signed at the cursor", () => {
    const w = watermark(3n, headStatement(origin.signer, key, library, stream, 3n));
    expect(match({ $signedHead: lib }, w)).toEqual([]);
  });

  it("refuses a missing head, one above the cursor, one signed by another key", () => {
    expect(match({ $signedHead: lib }, watermark(3n))).toHaveLength(1);
    const above = watermark(3n, headStatement(origin.signer, key, library, stream, 4n));
    expect(match({ $signedHead: lib }, above)[0]?.expected).toMatch(/at most the cursor 3/);
    const forged = headStatement(newDeviceKey().signer, key, library, stream, 3n);
    expect(match({ $signedHead: lib }, watermark(3n, forged))[0]?.actual).toBe("bad-signature");
    const otherLib = Buffer.from(new Uint8Array(16).fill(8)).toString("base64");
    const good = watermark(3n, headStatement(origin.signer, key, library, stream, 3n));
    expect(match({ $signedHead: otherLib }, good)[0]?.actual).toBe("bad-signature");
  });
});
