// Recomputes the "Change signatures" test vector of docs/PROTOCOL.md §16.
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { ChangeSchema, Resource } from "./gen/tidemark/sync/v1/records_pb.js";
import { deviceIdFromPublicKey, ed25519Spki } from "./identity.js";
import { canonicalUnsignedChange, changeSigningBytes, headSigningBytes } from "./signature.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const privateKey = createPrivateKey({
  key: Buffer.from(`302e020100300506032b657004220420${SEED}`, "hex"),
  format: "der",
  type: "pkcs8",
});
const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
const library = Buffer.from("00112233445566778899aabbccddeeff", "hex");
const vectorChange = () =>
  create(ChangeSchema, {
    rowId: Buffer.from("018c2f5e0a0070008000000000000001", "hex"),
    seq: 1n,
    hlc: (1_700_000_000_000n << 16n) | 1n,
    body: { case: "tag", value: { name: "holiday", color: "#ff8800" } },
  });

/** The hex blocks of the fenced block after `marker` in PROTOCOL.md §16. */
function documented(): { signed: string; signature: string } {
  const doc = readFileSync(join(import.meta.dirname, "../../../docs/PROTOCOL.md"), "utf8");
  const block = doc.slice(doc.indexOf("signed bytes (115):"));
  const body = block.slice(0, block.indexOf("```"));
  const [signed, signature] = body.split("signature:") as [string, string];
  const strip = (s: string) => s.replace(/signed bytes \(115\):/, "").replace(/[^0-9a-f]/g, "");
  return { signed: strip(signed), signature: strip(signature) };
}

describe("change signatures (PROTOCOL.md §16)", () => {
  test("the RFC 8032 test 1 key derives the documented device id", () => {
    expect(hex(publicKey)).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(hex(deviceIdFromPublicKey(publicKey))).toBe("06e3fd8fda29bb60ab59557de61edb0a");
  });

  test("signed bytes and signature of the vector match the document", () => {
    const origin = deviceIdFromPublicKey(publicKey);
    const bytes = changeSigningBytes(library, origin, Resource.TAG, vectorChange());
    const doc = documented();
    expect(bytes.length).toBe(115);
    expect(hex(bytes)).toBe(doc.signed);
    expect(hex(sign(null, bytes, privateKey))).toBe(doc.signature);
  });

  test("the signature and unknown fields are not part of the signed bytes", () => {
    const plain = canonicalUnsignedChange(vectorChange());
    const signed = vectorChange();
    signed.signature = new Uint8Array(64).fill(9);
    signed.$unknown = [{ no: 99, wireType: 0, data: Uint8Array.of(1) }];
    expect(hex(canonicalUnsignedChange(signed))).toBe(hex(plain));
  });

  test("any other stream, library, seq or body changes the signed bytes", () => {
    const origin = deviceIdFromPublicKey(publicKey);
    const base = hex(changeSigningBytes(library, origin, Resource.TAG, vectorChange()));
    const other = new Uint8Array(16).fill(1);
    const altered = vectorChange();
    altered.seq = 2n;
    const renamed = vectorChange();
    if (renamed.body.case === "tag") renamed.body.value.name = "holidaY";
    for (const bytes of [
      changeSigningBytes(other, origin, Resource.TAG, vectorChange()),
      changeSigningBytes(library, other, Resource.TAG, vectorChange()),
      changeSigningBytes(library, origin, Resource.COLLECTION, vectorChange()),
      changeSigningBytes(library, origin, Resource.TAG, altered),
      changeSigningBytes(library, origin, Resource.TAG, renamed),
    ]) {
      expect(hex(bytes)).not.toBe(base);
    }
    const key = createPublicKey({
      key: Buffer.from(ed25519Spki(publicKey)),
      format: "der",
      type: "spki",
    });
    const sig = sign(
      null,
      changeSigningBytes(library, origin, Resource.TAG, vectorChange()),
      privateKey,
    );
    expect(verify(null, changeSigningBytes(library, origin, Resource.TAG, altered), key, sig)).toBe(
      false,
    );
  });
});

describe("stream head statements (PROTOCOL.md §16 SG-9)", () => {
  test("signed bytes and signature of the head vector match the document", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/PROTOCOL.md"), "utf8");
    const block = doc.slice(doc.indexOf("head signed bytes (68):"));
    const body = block.slice(0, block.indexOf("```"));
    const [signed, signature] = body.split("signature:") as [string, string];
    const strip = (s: string) =>
      s.replace(/head signed bytes \(68\):/, "").replace(/[^0-9a-f]/g, "");
    const origin = deviceIdFromPublicKey(publicKey);
    const bytes = headSigningBytes(library, origin, Resource.TAG, 42n);
    expect(bytes.length).toBe(68);
    expect(hex(bytes)).toBe(strip(signed));
    expect(hex(sign(null, bytes, privateKey))).toBe(strip(signature));
  });

  test("a head never signs the bytes of a change, nor seq 0", () => {
    const origin = deviceIdFromPublicKey(publicKey);
    const head = headSigningBytes(library, origin, Resource.TAG, 1n);
    const change = changeSigningBytes(library, origin, Resource.TAG, vectorChange());
    expect(hex(head.subarray(0, 23))).not.toBe(hex(change.subarray(0, 23)));
    expect(() => headSigningBytes(library, origin, Resource.TAG, 0n)).toThrow(RangeError);
  });
});
