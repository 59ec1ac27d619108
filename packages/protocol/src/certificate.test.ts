import { createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, expect, test } from "vitest";
import { CERT_NAME, referenceFields, selfSignedCertificate } from "./certificate.js";
import { deviceIdFromSpki } from "./identity.js";

describe("device certificate", () => {
  test("carries the device's ed25519 key, so it proves the device id", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const cert = new X509Certificate(await selfSignedCertificate(privateKey));
    const spki = (key: typeof privateKey) => key.export({ type: "spki", format: "der" });
    expect(cert.publicKey.asymmetricKeyType).toBe("ed25519");
    expect(deviceIdFromSpki(spki(cert.publicKey))).toEqual(
      deviceIdFromSpki(spki(createPublicKey(privateKey))),
    );
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  test("the reference fields: CN=tidemark, a SAN of the same name, valid for 100 years", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const now = new Date("2026-01-01T00:00:00Z");
    const cert = new X509Certificate(await selfSignedCertificate(privateKey, referenceFields(now)));
    expect(cert.subject).toBe(`CN=${CERT_NAME}`);
    expect(cert.subjectAltName).toBe(`DNS:${CERT_NAME}`);
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2126);
  });

  test("a bare certificate has no extensions and the dates it was given", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = await selfSignedCertificate(privateKey, {
      name: "CN=other",
      notBefore: new Date("2000-01-01T00:00:00Z"),
      notAfter: new Date("2000-01-02T00:00:00Z"),
      bare: true,
    });
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe("CN=other");
    expect(cert.subjectAltName).toBeUndefined();
    expect(new Date(cert.validTo).toISOString()).toBe("2000-01-02T00:00:00.000Z");
  });
});
