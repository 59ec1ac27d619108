// Device keys and change signatures (PROTOCOL.md §16): the signer the host
// hands the replica, the receiver's check of every change, and the store
// keeping and serving signatures so relays pass on exactly what origins
// signed.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clone, create } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  changeSigningBytes,
  deviceIdFromPublicKey,
  Resource,
} from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { openReplica } from "../replica.js";
import { idFromHex, idToHex, openStore } from "../store/index.js";
import type { ReplicaStore } from "../store/store-api.js";
import { tagWrite, volumeWrite } from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";
import { ed25519Signer, ed25519SignerFromSeed } from "./signer.js";
import { verifyStreamChanges } from "./verify.js";

const RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const LIBRARY = "00112233445566778899aabbccddeeff";
const clock = { now: () => 1_750_000_000_000, monotonic: () => 0 };
const alice = testIdentity("alice");
const bob = testIdentity("bob");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function signingStore(who = alice, db = new Database(":memory:")): ReplicaStore {
  return openStore(db, {
    deviceId: who.deviceId,
    libraryId: LIBRARY,
    clock,
    sign: (m) => who.signer.sign(m),
    publicKey: who.signer.publicKey,
    verify: verifyStreamChanges,
  });
}

function tagPage(store: ReplicaStore, origin: string) {
  return store.changesAfter({ origin, resource: Resource.TAG }, undefined, {
    maxChanges: 100,
    maxBytes: 0,
  });
}

function check(changes: Change[], originKey?: Uint8Array, storedKey?: Uint8Array) {
  return verifyStreamChanges({
    libraryId: idFromHex(LIBRARY),
    origin: idFromHex(alice.deviceId),
    resource: Resource.TAG,
    changes,
    originKey,
    storedKey,
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEngineError(e) ? e.code : String(e);
  }
  return undefined;
}

describe("signers", () => {
  test("a signer from the RFC 8032 test-1 seed has its public key", () => {
    const s = ed25519SignerFromSeed(Buffer.from(RFC8032_SEED, "hex"));
    expect(idToHex(s.publicKey)).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(s.sign(new Uint8Array(0))).toHaveLength(64);
  });

  test("a signer needs an ed25519 private key", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    expect(codeOf(() => ed25519Signer(publicKey))).toBe(EngineErrorCode.Invalid);
    expect(ed25519Signer(privateKey).publicKey).toHaveLength(32);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect(codeOf(() => ed25519Signer(rsa))).toBe(EngineErrorCode.Invalid);
  });

  test("a replica refuses to open under a device id its key does not derive (key-mismatch)", () => {
    const ports = {
      clock,
      timers: { set: () => ({ id: 0 }), cancel: () => {} },
      random: { next: () => 0.5 },
      logger: { log: () => {} },
      transport: {
        client: () => {
          throw new Error("no network");
        },
      },
    };
    const db = new Database(":memory:");
    const open = () =>
      openReplica({
        db,
        deviceId: bob.deviceId,
        signer: alice.signer,
        libraryId: LIBRARY,
        deviceName: "x",
        ports,
      });
    expect(codeOf(open)).toBe(EngineErrorCode.KeyMismatch);
    db.close();
  });
});

describe("verifying received changes", () => {
  const { publicKey } = alice.signer;

  test("changes signed by their origin verify with the carried key, or the stored one", () => {
    signingStore().commit([tagWrite(new Uint8Array(16).fill(1), "a")]);
    const store = signingStore();
    store.commit([tagWrite(new Uint8Array(16).fill(1), "a")]);
    const changes = tagPage(store, alice.deviceId).changes;
    expect(changes[0]?.signature).toHaveLength(64);
    expect(check(changes, publicKey)).toEqual(publicKey);
    expect(check(changes, undefined, publicKey)).toEqual(publicKey);
    expect(check([], undefined, undefined)).toBeUndefined();
  });

  test("altered, unsigned, foreign-signed or keyless changes are refused by code", () => {
    const store = signingStore();
    store.commit([tagWrite(new Uint8Array(16).fill(2), "b")]);
    const [good] = tagPage(store, alice.deviceId).changes as [Change];
    const altered = clone(ChangeSchema, good);
    if (altered.body.case === "tag") altered.body.value.name = "altered";
    const unsigned = create(ChangeSchema, { ...good, signature: new Uint8Array(0) });
    const byBob = create(ChangeSchema, {
      ...good,
      signature: bob.signer.sign(
        changeSigningBytes(idFromHex(LIBRARY), idFromHex(alice.deviceId), Resource.TAG, good),
      ),
    });
    for (const c of [altered, unsigned, byBob])
      expect(codeOf(() => check([good, c], publicKey))).toBe(EngineErrorCode.BadSignature);
    // A key that is not the origin's: forged, whoever signed.
    expect(codeOf(() => check([good], bob.signer.publicKey))).toBe(EngineErrorCode.ForgedOrigin);
    expect(codeOf(() => check([good]))).toBe(EngineErrorCode.BadSignature);
    expect(codeOf(() => check([good], new Uint8Array(31)))).toBe(EngineErrorCode.Invalid);
  });

  test("a store refuses a page with one bad change whole, and keeps the key of a verified one", () => {
    const origin = signingStore();
    origin.commit([
      tagWrite(new Uint8Array(16).fill(3), "c"),
      tagWrite(new Uint8Array(16).fill(4), "d"),
    ]);
    const page = tagPage(origin, alice.deviceId);
    const receiver = signingStore(bob);
    const stream = { origin: alice.deviceId, resource: Resource.TAG };
    const bad = page.changes.map((c, i) => {
      const x = clone(ChangeSchema, c);
      if (i === 1 && x.body.case === "tag") x.body.value.name = "forged";
      return x;
    });
    const r = receiver.apply(stream, bad, { mode: "page", originKey: publicKey });
    expect(r.kind === "rejected" && r.error.code).toBe(EngineErrorCode.BadSignature);
    expect(receiver.streamState(stream)).toBeUndefined();
    expect(receiver.originKey(alice.deviceId)).toBeUndefined();
    const ok = receiver.apply(stream, page.changes, { mode: "page", originKey: publicKey });
    expect(ok.kind).toBe("applied");
    expect(receiver.originKey(alice.deviceId)).toEqual(publicKey);
    // Served on unchanged: a third device verifies what the relay holds.
    receiver.finishPull(stream, page.completeThrough ?? 0n);
    const relayed = tagPage(receiver, alice.deviceId).changes;
    expect(check(relayed, receiver.originKey(alice.deviceId))).toEqual(publicKey);
    expect(idToHex(deviceIdFromPublicKey(publicKey))).toBe(alice.deviceId);
  });
});

describe("own rows", () => {
  test("own rows stored unsigned (before schema 7) are signed when the store opens with a key", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-sign-"));
    dirs.push(dir);
    const file = join(dir, "r.db");
    const bare = openStore(new Database(file), {
      deviceId: alice.deviceId,
      libraryId: LIBRARY,
      clock,
    });
    bare.commit([
      volumeWrite(new Uint8Array(16).fill(5)),
      tagWrite(new Uint8Array(16).fill(6), "e"),
    ]);
    expect(tagPage(bare, alice.deviceId).changes[0]?.signature).toHaveLength(0);
    bare.close();
    const store = signingStore(alice, new Database(file));
    const changes = tagPage(store, alice.deviceId).changes;
    expect(check(changes, alice.signer.publicKey)).toEqual(alice.signer.publicKey);
    expect(store.originKey(alice.deviceId)).toEqual(alice.signer.publicKey);
    store.close();
  });

  test("own changes renumbered above a peer's rewind are signed again at their new seq", () => {
    const store = signingStore();
    store.holdOwnCommits();
    store.commit([
      tagWrite(new Uint8Array(16).fill(7), "f"),
      tagWrite(new Uint8Array(16).fill(8), "g"),
    ]);
    expect(store.rewindOwn({ origin: alice.deviceId, resource: Resource.TAG }, 10n)).toBe(2);
    // The peer served its rows up to 10 (none here): the pull-back ends, own commits confirm.
    expect(store.finishPull({ origin: alice.deviceId, resource: Resource.TAG }, 10n).kind).toBe(
      "applied",
    );
    expect(store.confirmOwnStreams()).toBeDefined();
    const changes = tagPage(store, alice.deviceId).changes;
    expect(changes.map((c) => c.seq)).toEqual([11n, 12n]);
    expect(check(changes, alice.signer.publicKey)).toEqual(alice.signer.publicKey);
  });
});
