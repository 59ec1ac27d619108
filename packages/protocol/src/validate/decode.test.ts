import { type DescMessage, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { isProtocolError } from "../errors.js";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { file_tidemark_sync_v1_sync, SyncService } from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_MESSAGE_BYTES } from "../limits.js";
import { MESSAGE_ARBITRARIES } from "../testing/index.js";
import { decodeRequest } from "./decode.js";

// Every request and response schema of the service: what a peer decodes
// from hostile bytes.
const SCHEMAS: DescMessage[] = SyncService.methods.flatMap((m) => [m.input, m.output]);

// Bytes that look like protobuf more often than uniform noise does: valid
// messages, truncated, with bytes flipped or spliced.
const arbMutated = (schema: DescMessage) => {
  const entry = MESSAGE_ARBITRARIES.get(schema.typeName);
  if (entry === undefined) throw new Error(`no arbitrary for ${schema.typeName}`);
  return fc
    .tuple(
      entry.arb.map((m) => toBinary(schema, m as never)),
      fc.nat(),
      fc.nat({ max: 255 }),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([bytes, at, flip, splice]) => {
      if (bytes.length === 0) return splice;
      const i = at % bytes.length;
      const out = Uint8Array.from(bytes);
      out[i] = (out[i] as number) ^ (flip | 1);
      return Uint8Array.from([...out.subarray(0, i + 1), ...splice, ...out.subarray(i + 1)]);
    });
};

describe("decodeRequest on hostile bytes", () => {
  it("covers every request and response of SyncService", () => {
    expect(file_tidemark_sync_v1_sync.services[0]?.methods.length).toBe(6);
    expect(new Set(SCHEMAS.map((s) => s.typeName)).size).toBe(12);
  });

  for (const schema of SCHEMAS) {
    test.prop([fc.oneof(fc.uint8Array({ maxLength: 256 }), arbMutated(schema))], { numRuns: 150 })(
      `${schema.name}: never throws, returns a message or a MALFORMED error`,
      (bytes) => {
        const r = decodeRequest(schema, bytes);
        if (r.ok) {
          expect(r.value.$typeName).toBe(schema.typeName);
        } else {
          expect(isProtocolError(r.error)).toBe(true);
          expect(r.error.reason).toBe(ErrorReason.MALFORMED);
          expect(r.error.code).toBe(Code.InvalidArgument);
        }
      },
    );
  }

  it("refuses bytes over MAX_MESSAGE_BYTES before decoding", () => {
    const r = decodeRequest(SCHEMAS[0] as DescMessage, new Uint8Array(MAX_MESSAGE_BYTES + 1));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.reason).toBe(ErrorReason.MESSAGE_TOO_LARGE);
      expect(r.error.code).toBe(Code.ResourceExhausted);
      expect(r.error.limit).toBe(BigInt(MAX_MESSAGE_BYTES));
      expect(r.error.actual).toBe(BigInt(MAX_MESSAGE_BYTES + 1));
    }
  });

  it("honours a smaller bound", () => {
    const r = decodeRequest(SCHEMAS[0] as DescMessage, new Uint8Array(10), { maxBytes: 4 });
    expect(r.ok ? "ok" : ErrorReason[r.error.reason]).toBe("MESSAGE_TOO_LARGE");
  });

  it("rejects a truncated length-delimited field and invalid UTF-8 in a string", () => {
    const truncated = Uint8Array.of(0x0a, 0x10, 1, 2, 3);
    expect(decodeRequest(SCHEMAS[0] as DescMessage, truncated).ok).toBe(false);
    // HelloRequest.device_name (field 5) = bytes 0xff 0xfe: not UTF-8.
    const badUtf8 = Uint8Array.of(0x2a, 0x02, 0xff, 0xfe);
    const r = decodeRequest(SCHEMAS[0] as DescMessage, badUtf8);
    expect(r.ok ? "ok" : ErrorReason[r.error.reason]).toBe("MALFORMED");
  });
});
