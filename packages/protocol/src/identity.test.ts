import { describe, expect, test } from "vitest";
import {
  deviceIdFromPublicKey,
  deviceIdFromSpki,
  deviceIdShortForm,
  ed25519Spki,
  parseDeviceIdShortForm,
} from "./identity.js";

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

  test("short-form-vector-and-round-trip", () => {
    const id = deviceIdFromPublicKey(publicKey);
    expect(deviceIdShortForm(id)).toBe("A3R73D6-2FG5WBJ-K2ZKV66-MHW3BIT");
    expect(deviceIdShortForm(new Uint8Array(16))).toBe("AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA");
    expect(deviceIdShortForm(new Uint8Array(16).fill(0xff))).toBe(
      "7777777-777777N-7777777-777774Q",
    );
    expect(hex(parseDeviceIdShortForm("a3r73d6 2fg5wbj k2zkv66 mhw3bit") ?? new Uint8Array())).toBe(
      hex(id),
    );
  });

  test("short-form-typos-are-caught-by-the-check-digits", () => {
    const good = deviceIdShortForm(deviceIdFromPublicKey(publicKey)).replaceAll("-", "");
    for (let i = 0; i < good.length; i++) {
      const swapped = good.slice(0, i) + (good[i] === "A" ? "B" : "A") + good.slice(i + 1);
      expect(parseDeviceIdShortForm(swapped)).toBeUndefined();
    }
    expect(parseDeviceIdShortForm("A3R73D6-2FG5WBJ")).toBeUndefined();
  });
});
