import { createPublicKey, verify } from "node:crypto";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import {
  ChangeSchema,
  changeSigningBytes,
  ed25519Spki,
  Resource,
  StreamIdSchema,
} from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import type { Json } from "./placeholders.js";
import { SignDirectiveError, signPushRequest } from "./sign-request.js";
import { newDeviceKey } from "./signing.js";

const library = new Uint8Array(16).fill(7);
const me = newDeviceKey();
const me2 = newDeviceKey();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const keys = new Map([
  [b64(me.id), me.signer],
  [b64(me2.id), me2.signer],
]);
const stream = { origin: b64(me.id), resource: "RESOURCE_TAG" };
const change = (extra: { [k: string]: Json } = {}, name = "t") => ({
  rowId: b64(new Uint8Array(16).fill(1)),
  seq: "1",
  hlc: "65537",
  tag: { name, color: "#fff" },
  ...extra,
});
type Batch = { changes: { [k: string]: Json }[]; originKey?: string };
const signOne = (c: Json, batch: { [k: string]: Json } = {}): Batch =>
  (
    signPushRequest({ batches: [{ stream, changes: [c], ...batch }] }, library, keys) as {
      batches: Batch[];
    }
  ).batches[0] as Batch;

/** Does the sent change verify under `pub` as a change of @me's tag stream? */
function verifies(sent: { [k: string]: Json }, pub: Uint8Array): boolean {
  const c = fromJson(ChangeSchema, sent as JsonValue);
  const s = fromJson(StreamIdSchema, stream);
  const key = createPublicKey({ key: Buffer.from(ed25519Spki(pub)), format: "der", type: "spki" });
  const bytes = changeSigningBytes(library, s.origin, Resource.TAG, c);
  return verify(null, bytes, key, c.signature);
}

describe("signing a case's pushed changes", () => {
  it("signs every change as its origin and sends the origin's key", () => {
    const b = signOne(change());
    expect(b.originKey).toBe(b64(me.signer.publicKey));
    expect(verifies(b.changes[0] ?? {}, me.signer.publicKey)).toBe(true);
  });

  it("leaves a change unsigned, or signs it with another device's key, when told", () => {
    expect(signOne(change({ $sign: "none" })).changes[0]?.signature).toBeUndefined();
    const other = signOne(change({ $sign: b64(me2.id) })).changes[0] ?? {};
    expect(verifies(other, me2.signer.publicKey)).toBe(true);
    expect(verifies(other, me.signer.publicKey)).toBe(false);
  });

  it("signs other fields than it sends ($signedAs) and flips a signature bit ($flip)", () => {
    const altered = signOne(change({ $signedAs: { tag: { name: "s", color: "#fff" } } }, "x"));
    expect(verifies(altered.changes[0] ?? {}, me.signer.publicKey)).toBe(false);
    expect(altered.changes[0]?.tag).toEqual({ name: "x", color: "#fff" });
    const flipped = signOne(change({ $flip: "signature" }));
    expect(verifies(flipped.changes[0] ?? {}, me.signer.publicKey)).toBe(false);
  });

  it("sends no key, another device's key, or given bytes as origin_key", () => {
    expect(signOne(change(), { $originKey: "none" }).originKey).toBeUndefined();
    expect(signOne(change(), { $originKey: b64(me2.id) }).originKey).toBe(
      b64(me2.signer.publicKey),
    );
    expect(signOne(change(), { $originKey: "AAAA" }).originKey).toBe("AAAA");
  });

  it("strips every directive and refuses an unknown one", () => {
    const b = signOne(change({ $sign: "none", $flip: "signature" }));
    expect(Object.keys(b.changes[0] ?? {}).filter((k) => k.startsWith("$"))).toEqual([]);
    expect(() => signOne(change({ $sign: "nobody" }))).toThrow(SignDirectiveError);
    expect(() => signOne(change({ $flip: "body" }))).toThrow(SignDirectiveError);
  });
});
