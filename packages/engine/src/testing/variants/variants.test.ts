// Each known-bad variant does what its seed bug did, at the level it is
// injected (a decide strategy or a store decorator). Whether a harness
// catches them is the simulator's job (packages/simulator mutants tests).
import { clone } from "@bufbuild/protobuf";
import { ChangeSchema, PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { EngineError, EngineErrorCode } from "../../errors.js";
import { verifyStreamChanges } from "../../identity/verify.js";
import type { DecideEnv } from "../../replica-api.js";
import { idFromHex, idToHex } from "../../store/ids.js";
import { openStore } from "../../store/store.js";
import type { ReplicaStore } from "../../store/store-api.js";
import {
  changeOf,
  collectionWrite,
  entryWrite,
  locationWrite,
  testId,
  volumeWrite,
} from "../../store/testing.js";
import type { DecideInput, LocalSide, StreamSide } from "../../sync/decide.js";
import { testIdentity } from "../identity.js";
import { delegateStore } from "./delegate-store.js";
import { CONFORMANCE_NAMES, KNOWN_BAD_NAMES, knownBadParts, REGRESSION_NAMES } from "./index.js";

const fp = (n: number) => new Uint8Array(16).fill(n);
const remote = (cursor: bigint | undefined, f = 1): StreamSide => ({
  cursor,
  liveCount: 10n,
  fingerprint: fp(f),
  tombstoneHorizon: undefined,
});
const local = (cursor: bigint | undefined, f = 1): LocalSide => ({
  ...remote(cursor, f),
  pulling: false,
  maxAppliedSeq: cursor,
});
const A = idToHex(testId(1, 0xaa));
const B = idToHex(testId(2, 0xbb));
const LIB = idToHex(testId(999));

function store(device: string): ReplicaStore {
  return openStore(new Database(":memory:"), {
    deviceId: device,
    libraryId: LIB,
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  });
}

function decideWith(name: string, i: Partial<DecideInput>, env?: Partial<DecideEnv>) {
  const decide = knownBadParts(name).decide;
  if (decide === undefined) throw new Error(`${name} has no decide strategy`);
  return decide(
    { local: undefined, remote: undefined, ownStream: false, ...i },
    env as unknown as DecideEnv,
  );
}

describe("known-bad variants", () => {
  test("every variant is named and an unknown name is refused", () => {
    expect(KNOWN_BAD_NAMES).toEqual([
      "timestampWatermark",
      "countLessThanOnly",
      "ownershipFilterEmpty",
      "missingWatermarkAsMax",
      "symmetricRecovery",
    ]);
    expect(REGRESSION_NAMES).toEqual([
      "ownCommitsNeverHeld",
      "pruneShadowingDeletes",
      "resumePastMissingPages",
      "refusalBlocksBackfill",
      "unverifiedChanges",
      "noParentsById",
    ]);
    for (const name of REGRESSION_NAMES) expect(knownBadParts(name)).toBeDefined();
    expect(CONFORMANCE_NAMES).toEqual([
      "unverifiedHeads",
      "relayClaimsBelieved",
      "trustsFalseDecode",
      "symbolsWithoutFallback",
      "repeatsAfterSkip",
    ]);
    for (const name of CONFORMANCE_NAMES) expect(knownBadParts(name)).toBeDefined();
    expect(() => knownBadParts("nope")).toThrow(/unknown variant nope/);
  });

  test("unverifiedChanges: a change altered after its origin signed it passes (the reference refuses it)", () => {
    const alice = testIdentity("variant-alice");
    const origin = openStore(new Database(":memory:"), {
      deviceId: alice.deviceId,
      libraryId: LIB,
      clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
      sign: (m) => alice.signer.sign(m),
      publicKey: alice.signer.publicKey,
    });
    origin.commit([volumeWrite(fp(7))]);
    const stream = { origin: alice.deviceId, resource: Resource.VOLUME };
    const [good] = origin.changesAfter(stream, undefined, { maxChanges: 10, maxBytes: 0 }).changes;
    if (good === undefined) throw new Error("no change served");
    const altered = clone(ChangeSchema, good);
    if (altered.body.case === "volume") altered.body.value.name = "altered";
    const input = {
      libraryId: idFromHex(LIB),
      origin: idFromHex(alice.deviceId),
      resource: Resource.VOLUME,
      changes: [altered],
      originKey: alice.signer.publicKey,
      storedKey: undefined,
    };
    expect(() => verifyStreamChanges(input)).toThrow(/signature/);
    expect(knownBadParts("unverifiedChanges").verify?.(input)).toEqual(alice.signer.publicKey);
  });

  test("ownCommitsNeverHeld: own commits right after an open are confirmed, not held", () => {
    const inner = store(A);
    const bad = (knownBadParts("ownCommitsNeverHeld").store as (s: ReplicaStore) => ReplicaStore)(
      inner,
    );
    bad.holdOwnCommits();
    const [batch] = bad.commit([volumeWrite(testId(10))]);
    expect(batch?.provisional).toBeFalsy();
    expect(bad.streamState({ origin: A, resource: Resource.VOLUME })?.cursor).toBe(1n);
    inner.close();
  });

  test("resumePastMissingPages: an unfinished pull resumes after the highest seq applied", () => {
    const mid = { ...local(100n), pulling: true, maxAppliedSeq: 300n, resumeAfterSeq: 100n };
    const d = decideWith("resumePastMissingPages", { local: mid, remote: remote(500n) });
    expect(d).toMatchObject({ kind: "pull", afterSeq: 300n });
  });

  test("countLessThanOnly: equal counts skip everything, even a different fingerprint", () => {
    expect(
      decideWith("countLessThanOnly", { local: local(9n, 1), remote: remote(9n, 2) }).kind,
    ).toBe("nothing");
    expect(
      decideWith("countLessThanOnly", { local: local(5n, 1), remote: remote(9n, 2) }).kind,
    ).toBe("nothing");
  });

  test("missingWatermarkAsMax: a replica with no cursor thinks it is ahead and never pulls", () => {
    expect(decideWith("missingWatermarkAsMax", { remote: remote(9n) }).kind).toBe("nothing");
    expect(
      decideWith("missingWatermarkAsMax", { local: local(3n), remote: remote(undefined) }).kind,
    ).toBe("pull");
  });

  test("symmetricRecovery: any difference makes it push its view after the peer's cursor; it never pulls", async () => {
    const s = store(A);
    const vol = testId(10);
    const loc = testId(11);
    s.commit([volumeWrite(vol), locationWrite(loc, vol)]);
    const pushed: unknown[] = [];
    const env = {
      stream: { origin: A, resource: Resource.VOLUME },
      peer: B,
      deviceId: A,
      libraryId: LIB,
      store: s,
      ports: {
        transport: {
          client: () => ({
            pushChanges: (req: unknown) => {
              pushed.push(req);
              return Promise.resolve({});
            },
          }),
        },
      },
    } as unknown as Partial<DecideEnv>;
    const d = decideWith("symmetricRecovery", { local: local(1n), remote: remote(undefined) }, env);
    expect(d.kind).toBe("nothing");
    expect(pushed).toHaveLength(1);
    const same = decideWith("symmetricRecovery", { local: local(9n), remote: local(9n) }, env);
    expect(same.reason).toBe("in-sync");
    expect(pushed).toHaveLength(1);
    s.close();
  });

  test("timestampWatermark: a realtime batch after a gap moves the cursor over the gap", () => {
    const origin = store(A);
    const vol = testId(10);
    const loc = testId(11);
    const writes = [volumeWrite(vol), locationWrite(loc, vol)];
    const entries = [1, 2, 3].map((i) => entryWrite(testId(20 + i), loc, undefined, `e${i}`));
    origin.commit(writes);
    const committed = origin.commit(entries);
    const inner = store(B);
    const bad = (knownBadParts("timestampWatermark").store as (s: ReplicaStore) => ReplicaStore)(
      inner,
    );
    const stream = { origin: A, resource: Resource.ENTRY };
    // Prerequisites arrive; then only seq 3 of the entry stream (seqs 1-2 lost).
    for (const b of origin.watermarks()) void b;
    for (const w of writes) {
      const r = w.resource;
      const changes = origin.changesAfter({ origin: A, resource: r }, undefined, {
        maxChanges: 9,
        maxBytes: 0,
      });
      bad.apply({ origin: A, resource: r }, changes.changes, { mode: "chain", prevSeq: undefined });
    }
    const last = committed[0]?.changes[2];
    if (last === undefined) throw new Error("no change");
    const out = bad.apply(stream, [changeOf(entries[2] as never, last.seq)], {
      mode: "chain",
      prevSeq: 2n,
    });
    expect(out.kind).toBe("applied");
    expect(bad.streamState(stream)?.cursor).toBe(3n);
    expect(bad.streamState(stream)?.liveCount).toBe(1n);
    // The reference store answers the same batch with a gap.
    const good = store(B);
    expect(
      good.apply(stream, [changeOf(entries[2] as never, 3n)], { mode: "chain", prevSeq: 2n }).kind,
    ).toBe("gap");
    for (const x of [origin, inner, good]) x.close();
  });

  test("noParentsById: a store holding children names none of their awaited parents", () => {
    const inner = store(B);
    const entries = { origin: A, resource: Resource.ENTRY };
    // The reference store names what its held children wait for (RF-5).
    const holding = delegateStore(inner, { awaitedParents: () => [testId(30)] });
    const wrap = knownBadParts("noParentsById").store;
    if (wrap === undefined) throw new Error("no store decorator");
    expect(holding.awaitedParents(entries, 10)).toHaveLength(1);
    expect(wrap(holding, new Database(":memory:")).awaitedParents(entries, 10)).toEqual([]);
    inner.close();
  });

  test("refusalBlocksBackfill: a refused pull page refuses later streams' pages until it lands", () => {
    const origin = store(A);
    origin.commit([collectionWrite(testId(20), "c")]);
    const collections = { origin: A, resource: Resource.COLLECTION };
    const tags = { origin: A, resource: Resource.TAG };
    const page = origin.changesAfter(collections, undefined, { maxChanges: 10, maxBytes: 0 });
    const inner = store(B);
    const error = new EngineError(EngineErrorCode.HlcTooFarAhead, "too far ahead", {});
    let refuseTags = true;
    // The reference store refuses the tag page (as for a far-ahead HLC) while refuseTags holds.
    const refusing = delegateStore(inner, {
      apply: (s, c, o) =>
        s.resource !== Resource.TAG
          ? inner.apply(s, c, o)
          : refuseTags
            ? { kind: "rejected", error }
            : { kind: "applied", cursor: undefined, appliedCount: 0 },
    });
    const wrap = knownBadParts("refusalBlocksBackfill").store;
    if (wrap === undefined) throw new Error("no store decorator");
    const bad = wrap(refusing, new Database(":memory:"));
    expect(bad.apply(tags, [], { mode: "page" }).kind).toBe("rejected");
    const blocked = bad.apply(collections, page.changes, { mode: "page" });
    expect(blocked.kind === "rejected" && blocked.error).toBe(error);
    // Once a page of the refused stream lands, the later stream applies again.
    refuseTags = false;
    expect(bad.apply(tags, [], { mode: "page" }).kind).toBe("applied");
    expect(bad.apply(collections, page.changes, { mode: "page" }).kind).toBe("applied");
    for (const x of [origin, inner]) x.close();
  });

  test("ownershipFilterEmpty: a held stream is served as complete through the cursor with no rows", () => {
    const inner = store(A);
    const vol = testId(10);
    inner.commit([volumeWrite(vol)]);
    const bad = (knownBadParts("ownershipFilterEmpty").store as (s: ReplicaStore) => ReplicaStore)(
      inner,
    );
    const page = bad.changesAfter({ origin: A, resource: Resource.VOLUME }, undefined, {
      maxChanges: 10,
      maxBytes: 0,
    });
    expect(page.status).toBe(PageStatus.OK);
    expect(page.changes).toEqual([]);
    expect(page.completeThrough).toBe(1n);
    expect(page.streamDone).toBe(true);
    inner.close();
  });
});
