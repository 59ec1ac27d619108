// A device's identity on disk: key 0600 in a 0700 data dir, the device id
// derived from the key, and a data dir that predates identities (or a key
// others can read) refused with the way out.

import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createDataDir, dataDirPaths } from "../config/data-dir.js";
import { deviceIdOfCertificate } from "./certificate.js";
import { createIdentity, loadIdentity } from "./device-identity.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fresh() {
  const root = mkdtempSync(join(tmpdir(), "tidemark-identity-"));
  dirs.push(root);
  const paths = dataDirPaths(join(root, "device"));
  createDataDir(paths);
  return paths;
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe("device identity", () => {
  test("key-is-0600-data-dir-0700-and-the-certificate-proves-the-device-id", async () => {
    const paths = fresh();
    const identity = await createIdentity(paths);
    expect(mode(paths.root)).toBe(0o700);
    expect(mode(paths.logDir)).toBe(0o700);
    expect(mode(paths.privateKey)).toBe(0o600);
    const cert = new X509Certificate(identity.certPem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(deviceIdOfCertificate(cert.raw)).toBe(identity.deviceId);
    expect(identity.shortForm).toMatch(/^[A-Z2-7]{7}(-[A-Z2-7]{7}){3}$/);
    expect((await loadIdentity(paths, identity.deviceId)).deviceId).toBe(identity.deviceId);
  });

  test("a-missing-certificate-is-remade-from-the-key", async () => {
    const paths = fresh();
    const identity = await createIdentity(paths);
    unlinkSync(paths.certificate);
    const again = await loadIdentity(paths, identity.deviceId);
    expect(deviceIdOfCertificate(new X509Certificate(again.certPem).raw)).toBe(identity.deviceId);
  });

  test("a-data-dir-without-a-key-is-refused-naming-the-fix", async () => {
    const paths = fresh();
    await expect(loadIdentity(paths, "0192f0c0000070008000000000000001")).rejects.toThrow(
      /has no device key/,
    );
    await expect(loadIdentity(paths, "0192f0c0000070008000000000000001")).rejects.toMatchObject({
      hint: expect.stringContaining("init --join"),
    });
  });

  test("a-device-id-not-derived-from-the-key-is-refused", async () => {
    const paths = fresh();
    await createIdentity(paths);
    await expect(loadIdentity(paths, "0192f0c0000070008000000000000001")).rejects.toThrow(
      /not derived from its key/,
    );
  });

  test.skipIf(process.platform === "win32")(
    "a-private-key-others-can-read-is-refused",
    async () => {
      const paths = fresh();
      const identity = await createIdentity(paths);
      chmodSync(paths.privateKey, 0o644);
      await expect(loadIdentity(paths, identity.deviceId)).rejects.toThrow(
        /can be read by other users/,
      );
      writeFileSync(paths.privateKey, "not a key", { mode: 0o600 });
      chmodSync(paths.privateKey, 0o600);
      await expect(loadIdentity(paths, identity.deviceId)).rejects.toThrow(
        /cannot read the device key/,
      );
    },
  );
});
