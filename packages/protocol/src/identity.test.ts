import { describe, expect, test } from "vitest";
import { deviceIdFromPublicKey, deviceIdFromSpki, ed25519Spki } from "./identity.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("device identity", () => {
  // RFC 8032 §7.1 test 1 public key: the vector PROTOCOL.md quotes.
  const publicKey = Buffer.from(
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "hex",
  );

  test("spki-of-raw-key-is-the-rfc8410-der", () => {
    expect(hex(ed25519Spki(publicKey))).toBe(
      `302a300506032b6570032100${publicKey.toString("hex")}`,
    );
  });

  test("device-id-is-first-16-bytes-of-sha256-of-spki", () => {
    const id = deviceIdFromPublicKey(publicKey);
    expect(hex(id)).toBe("06e3fd8fda29bb60ab59557de61edb0a");
    expect(hex(id)).toBe(hex(deviceIdFromSpki(ed25519Spki(publicKey))));
  });

  test("a-key-of-the-wrong-length-is-refused", () => {
    expect(() => ed25519Spki(new Uint8Array(31))).toThrow(RangeError);
  });
});
