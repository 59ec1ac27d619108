// {"$signedHead": "@lib"} in an expected StreamWatermark or last Backfill
// page (protobuf JSON): the object carries a head statement of its stream
// (PROTOCOL.md §16 SG-9) whose origin_key derives the stream's origin,
// whose signature verifies over (library, origin, resource, seq), and
// whose seq is not above the object's cursor or complete_through.
import { create } from "@bufbuild/protobuf";
import { verifyStreamHead } from "@tidemark/engine";
import { ResourceSchema, StreamHeadSchema } from "@tidemark/protocol";
import type { Mismatch } from "./match.js";
import type { Json } from "./placeholders.js";

const bytes = (v: unknown) =>
  typeof v === "string" ? new Uint8Array(Buffer.from(v, "base64")) : new Uint8Array();
const uint = (v: unknown) => (/^\d+$/.test(String(v)) ? BigInt(String(v)) : undefined);

export function matchSignedHead(
  library: Json,
  obj: Record<string, unknown>,
  path: string,
): Mismatch[] {
  const miss = (expected: string, actual: unknown) => [
    { path: `${path}.head`, expected: `a head ${expected}`, actual },
  ];
  const head = obj.head as Record<string, unknown> | undefined;
  const stream = obj.stream as Record<string, unknown> | undefined;
  if (head === undefined || head === null) return miss("signed by the stream's origin", head);
  const seq = uint(head.seq);
  const top = uint(obj.cursor ?? obj.completeThrough);
  if (seq === undefined) return miss("with a seq", head.seq);
  if (top === undefined || seq > top)
    return miss(`at most the cursor ${String(top)} (a confirmed cursor)`, String(seq));
  const resource = ResourceSchema.values.find((v) => v.name === stream?.resource)?.number;
  if (resource === undefined) return miss("of a known resource", stream?.resource);
  const out = verifyStreamHead({
    libraryId: bytes(library),
    origin: bytes(stream?.origin),
    resource,
    head: create(StreamHeadSchema, {
      seq,
      signature: bytes(head.signature),
      originKey: bytes(head.originKey),
    }),
    carriedKey: bytes(obj.originKey),
    storedKey: undefined,
  });
  return "refused" in out ? miss("that verifies with its origin's key", out.refused) : [];
}
