// Changes the origin itself sent over an authenticated channel need no
// signature check (PROTOCOL.md §16 SG-8): the channel proves who sent them.
// Everything else — relays, our own streams pulled back, claimed callers —
// is verified as before (SG-4), so a bad signature stored from its origin
// is refused by the next receiver it is relayed to.
import { clone } from "@bufbuild/protobuf";
import { type Change, ChangeSchema, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { EngineErrorCode } from "../errors.js";
import { openStore } from "../store/index.js";
import type { ApplyOptions, ReplicaStore } from "../store/store-api.js";
import { tagWrite } from "../store/testing.js";
import { authenticatedSender } from "../sync/context.js";
import { type TestIdentity, testIdentity } from "../testing/identity.js";
import { verifyStreamChanges } from "./verify.js";

const LIBRARY = "00112233445566778899aabbccddeeff";
const clock = { now: () => 1_750_000_000_000, monotonic: () => 0 };
const alice = testIdentity("alice");
const bob = testIdentity("bob");
const carol = testIdentity("carol");
const aliceTags = { origin: alice.deviceId, resource: Resource.TAG };

function storeOf(who: TestIdentity): ReplicaStore {
  return openStore(new Database(":memory:"), {
    deviceId: who.deviceId,
    libraryId: LIBRARY,
    clock,
    sign: (m) => who.signer.sign(m),
    publicKey: who.signer.publicKey,
    verify: verifyStreamChanges,
  });
}

function page(store: ReplicaStore): Change[] {
  return store.changesAfter(aliceTags, undefined, { maxChanges: 100, maxBytes: 0 }).changes;
}

/** Alice's two tag changes, the second with a 64-byte signature that does not verify. */
function badlySignedPage(): Change[] {
  const origin = storeOf(alice);
  origin.commit([
    tagWrite(new Uint8Array(16).fill(1), "a"),
    tagWrite(new Uint8Array(16).fill(2), "b"),
  ]);
  const changes = page(origin).map((c) => clone(ChangeSchema, c));
  const second = changes[1] as Change;
  second.signature = new Uint8Array(64).fill(7);
  origin.close();
  return changes;
}

const direct = (sentBy: string | undefined): ApplyOptions => ({
  mode: "page",
  originKey: alice.signer.publicKey,
  sentBy,
});

function codeOf(store: ReplicaStore, changes: Change[], opts: ApplyOptions) {
  const r = store.apply(aliceTags, changes, opts);
  return r.kind === "rejected" ? r.error.code : r.kind;
}

describe("changes sent directly by their origin (SG-8)", () => {
  test("a direct-from-origin page with a bad signature is stored, but the same rows relayed are refused", () => {
    const bad = badlySignedPage();
    const relay = storeOf(bob);
    expect(codeOf(relay, bad, direct(alice.deviceId))).toBe("applied");
    relay.finishPull(aliceTags, 2n);
    // Kept exactly as sent, so what it relays is what the origin signed (or botched).
    const held = page(relay);
    expect(held.map((c) => c.signature)).toEqual(bad.map((c) => c.signature));
    const third = storeOf(carol);
    expect(
      codeOf(third, held, { ...direct(bob.deviceId), originKey: relay.originKey(alice.deviceId) }),
    ).toBe(EngineErrorCode.BadSignature);
    expect(third.streamState(aliceTags)).toBeUndefined();
  });

  test("a direct-from-origin page still needs its origin's key and 64-byte signatures", () => {
    const bad = badlySignedPage();
    const store = storeOf(bob);
    const withBobsKey = { ...direct(alice.deviceId), originKey: bob.signer.publicKey };
    expect(codeOf(store, bad, withBobsKey)).toBe(EngineErrorCode.ForgedOrigin);
    const short = bad.map((c, i) => {
      const x = clone(ChangeSchema, c);
      if (i === 1) x.signature = new Uint8Array(0);
      return x;
    });
    expect(codeOf(store, short, direct(alice.deviceId))).toBe(EngineErrorCode.BadSignature);
    expect(codeOf(store, bad, { ...direct(alice.deviceId), originKey: undefined })).toBe(
      EngineErrorCode.BadSignature,
    );
    expect(store.streamState(aliceTags)).toBeUndefined();
  });

  test("claimed callers are verified: no authenticated sender, so a bad signature is refused", () => {
    const bad = badlySignedPage();
    const sentBy = authenticatedSender({ callers: "claimed" }, alice.deviceId);
    expect(sentBy).toBeUndefined();
    expect(authenticatedSender({ callers: "authenticated" }, alice.deviceId)).toBe(alice.deviceId);
    const store = storeOf(bob);
    expect(codeOf(store, bad, direct(sentBy))).toBe(EngineErrorCode.BadSignature);
    expect(store.streamState(aliceTags)).toBeUndefined();
  });

  test("own streams pulled back are verified, whoever answers under our id", () => {
    const bad = badlySignedPage();
    // Alice restored from a backup pulls her own stream back from bob.
    const restored = storeOf(alice);
    expect(codeOf(restored, bad, direct(bob.deviceId))).toBe(EngineErrorCode.BadSignature);
    // Not even a responder authenticated as alice herself counts as the origin.
    expect(codeOf(restored, bad, direct(alice.deviceId))).toBe(EngineErrorCode.BadSignature);
    expect(page(restored)).toHaveLength(0);
    // Alice's first change, as she signed it, comes back.
    expect(codeOf(restored, bad.slice(0, 1), direct(bob.deviceId))).toBe("applied");
  });
});
