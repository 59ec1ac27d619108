// The devices the kit plays against a mutual-TLS target (PROTOCOL.md §17):
// each case needs devices of its own, and under mutual TLS a device's id is
// its certificate's key, so the runner holds a pool of identities (ed25519
// key + self-signed certificate) that the target's operator pairs before
// the run. A pool is a directory: NNNN-key.pem / NNNN-cert.pem (the format
// of node-peer's device-key.pem / device-cert.pem), device-ids.txt (one id
// a line, `tidemark peer add --ids-file` reads it) and used.txt, the ids
// runs have taken: a device a case played already has streams on the
// target, so no identity is used twice.
import { createHash, createPrivateKey, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ChangeSigner, ed25519SignerFromSeed } from "@tidemark/engine";
import { deviceIdFromPublicKey, ed25519PrivateKeyFromSeed } from "@tidemark/protocol";
import type { Case } from "./cases.js";
import { ed25519Certificate } from "./tls/certificate.js";

/** A device the kit plays: its key (the change signer too, TI-3) and certificate. */
export type CaseIdentity = {
  readonly id: Uint8Array;
  readonly hex: string;
  readonly signer: ChangeSigner;
  /** PKCS#8 PEM of the private key and PEM of the self-signed certificate. */
  readonly keyPem: string;
  readonly certPem: string;
};

export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

const IDS_FILE = "device-ids.txt";
const USED_FILE = "used.txt";
const SEED_LABEL = Buffer.from("tidemark-conformance/identity/v1\0");
const name = (i: number) => String(i).padStart(4, "0");

/** The identity whose ed25519 seed is `seed` (32 bytes). */
export async function identityFromSeed(seed: Uint8Array): Promise<CaseIdentity> {
  const key = ed25519PrivateKeyFromSeed(seed);
  const signer = ed25519SignerFromSeed(seed);
  const id = deviceIdFromPublicKey(signer.publicKey);
  return {
    id,
    hex: Buffer.from(id).toString("hex"),
    signer,
    keyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
    certPem: await ed25519Certificate(key),
  };
}

/** A fresh identity nobody paired (random seed). */
export function strangerIdentity(): Promise<CaseIdentity> {
  return identityFromSeed(new Uint8Array(randomBytes(32)));
}

/** Seed i of a pool made with --seed: reproducible ids for a fixed seed. */
function derivedSeed(seed: Uint8Array, i: number): Uint8Array {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(i);
  return new Uint8Array(createHash("sha256").update(SEED_LABEL).update(seed).update(n).digest());
}

const readLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.replace(/#.*/, "").trim())
        .filter((l) => l !== "")
    : [];

/**
 * Adds `count` identities to the pool in `dir` (created if missing) and
 * returns their ids (hex). With `seed` (32 bytes) identity i is derived
 * from it, so the same seed gives the same ids; else each is random.
 */
export async function addIdentities(
  dir: string,
  count: number,
  seed?: Uint8Array,
): Promise<string[]> {
  if (!Number.isInteger(count) || count <= 0 || count > 100_000)
    throw new IdentityError(`--count: 1..100000, got ${count}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const idsFile = join(dir, IDS_FILE);
  const first = readLines(idsFile).length;
  if (!existsSync(idsFile))
    writeFileSync(idsFile, "# tidemark-conformance case identities: pair each with the target\n");
  const out: string[] = [];
  for (let i = first; i < first + count; i++) {
    const who = await identityFromSeed(
      seed === undefined ? new Uint8Array(randomBytes(32)) : derivedSeed(seed, i),
    );
    writeFileSync(join(dir, `${name(i)}-key.pem`), who.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, `${name(i)}-cert.pem`), who.certPem);
    appendFileSync(idsFile, `${who.hex}\n`);
    out.push(who.hex);
  }
  return out;
}

/** Where cases take their devices from; `remaining`, when known, is checked before a run. */
export type IdentitySource = { take(): Promise<CaseIdentity>; readonly remaining?: number };

/** The pool in `dir`: `take()` hands out the next identity no run has used, and records it. */
export class IdentityPool implements IdentitySource {
  private readonly ids: string[];
  private readonly used: Set<string>;
  private next = 0;

  constructor(private readonly dir: string) {
    this.ids = readLines(join(dir, IDS_FILE));
    if (this.ids.length === 0)
      throw new IdentityError(
        `${dir}: no identities; make some with \`tidemark-conformance identities --dir ${dir}\``,
      );
    this.used = new Set(readLines(join(dir, USED_FILE)));
  }

  /** Identities not used by any run yet. */
  get remaining(): number {
    return this.ids.slice(this.next).filter((id) => !this.used.has(id)).length;
  }

  async take(): Promise<CaseIdentity> {
    while (this.next < this.ids.length && this.used.has(this.ids[this.next] as string)) this.next++;
    const i = this.next++;
    const hex = this.ids[i];
    if (hex === undefined)
      throw new IdentityError(
        `${this.dir}: every identity was used by an earlier run; add more with \`tidemark-conformance identities --dir ${this.dir} --count N\` and pair them with the target`,
      );
    const keyPem = readFileSync(join(this.dir, `${name(i)}-key.pem`), "utf8");
    const certPem = readFileSync(join(this.dir, `${name(i)}-cert.pem`), "utf8");
    const raw = createPrivateKey(keyPem).export({ format: "jwk" }).d;
    if (raw === undefined) throw new IdentityError(`${name(i)}-key.pem: not an ed25519 key`);
    const signer = ed25519SignerFromSeed(new Uint8Array(Buffer.from(raw, "base64url")));
    const id = deviceIdFromPublicKey(signer.publicKey);
    if (Buffer.from(id).toString("hex") !== hex)
      throw new IdentityError(
        `${name(i)}-key.pem is not device ${hex} (${IDS_FILE} line ${i + 1})`,
      );
    this.used.add(hex);
    appendFileSync(join(this.dir, USED_FILE), `${hex}\n`);
    return { id, hex, signer, keyPem, certPem };
  }
}

/** Whether a case plays a second device (@me2): it then takes two identities. */
export const usesSecondDevice = (c: Case) => JSON.stringify(c).includes("me2");

/** Identities one run of `cases` against an mTLS target takes: the runner's Hello, then each case's. */
export function identitiesNeeded(cases: readonly Case[]): number {
  return 1 + cases.reduce((n, c) => n + (usesSecondDevice(c) ? 2 : 1), 0);
}
