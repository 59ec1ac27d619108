// The identity pool: ids derive from the keys (TI-2) and the certificates
// carry them, a seed reproduces a pool, and no identity is handed out
// twice, across pool objects too (used.txt), with the way out when dry.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceIdFromSpki } from "@tidemark/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { addIdentities, IdentityError, IdentityPool } from "./identities.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "tidemark-identities-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SEED = new Uint8Array(32).fill(7);

describe("identity pool", () => {
  it("each certificate proves the id listed for it, and its key signs as that device", async () => {
    const dir = tmp();
    const ids = await addIdentities(dir, 2);
    const pool = new IdentityPool(dir);
    for (const hex of ids) {
      const who = await pool.take();
      expect(who.hex).toBe(hex);
      const cert = new X509Certificate(who.certPem);
      const spki = cert.publicKey.export({ type: "spki", format: "der" });
      expect(Buffer.from(deviceIdFromSpki(new Uint8Array(spki))).toString("hex")).toBe(hex);
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(who.signer.sign(new Uint8Array(1))).toHaveLength(64);
    }
  }, 30_000);

  it("the same seed gives the same ids; added identities continue the numbering", async () => {
    const [a, b] = [tmp(), tmp()];
    const first = await addIdentities(a, 2, SEED);
    const more = await addIdentities(a, 1, SEED);
    const once = await addIdentities(b, 3, SEED);
    expect([...first, ...more]).toEqual(once);
    expect(new Set(once).size).toBe(3);
    expect(readFileSync(join(a, "device-ids.txt"), "utf8")).toContain(more[0]);
  }, 30_000);

  it("never hands out an identity twice, across runs, and says how to get more when dry", async () => {
    const dir = tmp();
    await addIdentities(dir, 2);
    const run1 = new IdentityPool(dir);
    const x = await run1.take();
    const run2 = new IdentityPool(dir);
    expect(run2.remaining).toBe(1);
    const y = await run2.take();
    expect(y.hex).not.toBe(x.hex);
    await expect(new IdentityPool(dir).take()).rejects.toThrow(
      /every identity was used .* identities --dir .* --count N/,
    );
    expect(() => new IdentityPool(tmp())).toThrow(IdentityError);
  }, 30_000);
});
