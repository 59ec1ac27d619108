// Authorization and change signatures (PROTOCOL.md §15, §16): who may call,
// what a paired device may push, and what a relay can make a receiver
// store. Each refusal is the documented Connect code + ErrorDetail reason,
// and the receiver's store is unchanged (its stream fingerprints equal).
import { clone, create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { ed25519SignerFromSeed, idFromHex, type TidemarkReplica } from "@tidemark/engine";
import { tagWrite, tombstoneWrite } from "@tidemark/engine/testing";
import {
  type BackfillResponse,
  type Change,
  ChangeSchema,
  changeSigningBytes,
  ErrorReason,
  HelloRequestSchema,
  ProtocolError,
  PushChangesRequestSchema,
  type ReconcileResponse,
  Resource,
  SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { silentGapBehindCursor } from "../../src/harness/engine-faults.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { deviceKeySeedOf, devicePublicKeyOf, LIBRARY_ID } from "../../src/ids.js";
import { cluster, settled } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;
const LIB = idFromHex(LIBRARY_ID);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Every stream's cursor, live count and fingerprint: equal means the store is unchanged. */
function fingerprints(r: TidemarkReplica): string[] {
  return r.store
    .streams()
    .map(
      (s) =>
        `${s.stream.origin}/${s.stream.resource} ${s.cursor} ${s.liveCount} ${hex(s.fingerprint)}`,
    )
    .sort();
}

/** `change` of stream (origin, resource) signed with device `by`'s key. */
function signed(by: number, origin: string, resource: Resource, change: Change): Change {
  const signer = ed25519SignerFromSeed(deviceKeySeedOf(by));
  const out = create(ChangeSchema, change);
  out.signature = signer.sign(changeSigningBytes(LIB, idFromHex(origin), resource, change));
  return out;
}

function tagChange(id: number, seq: bigint, name: string): Change {
  const w = tagWrite(new Uint8Array(16).fill(id), name);
  return create(ChangeSchema, {
    rowId: w.rowId,
    seq,
    hlc: (1_700_000_000_000n << 16n) | 1n,
    body: w.body,
  } as Parameters<typeof create<typeof ChangeSchema>>[1]);
}

function pushRequest(
  deviceId: string,
  origin: string,
  resource: Resource,
  changes: Change[],
  originKey: Uint8Array,
) {
  return create(PushChangesRequestSchema, {
    libraryId: LIB,
    deviceId: idFromHex(deviceId),
    batches: [{ stream: { origin: idFromHex(origin), resource }, changes, originKey }],
  });
}

/** The call's refusal as (Connect code, ErrorDetail reason, field). */
async function refusal(c: TestCluster, p: Promise<unknown>) {
  try {
    await settled(c, p);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    const pe = ProtocolError.from(err);
    return { code: pe.code, reason: ErrorReason[pe.reason], field: pe.field };
  }
  throw new Error("the call was not refused");
}

/** A (0) indexes a tree and a tag; R (2) and M (3) are paired with it and with each other; all synced. */
async function synced() {
  const c = cluster({ seed: 1301 });
  await c.open(0);
  const r = await c.open(2);
  await c.open(3);
  new TreeIndexer(c, 0).init();
  c.commit(0, [tagWrite(new Uint8Array(16).fill(0x7a), "a's tag")]);
  c.connectAll();
  await c.settle();
  return { c, r, A: c.id(0), R: c.id(2), M: c.id(3), mallory: c.client(3, 2) };
}

describe("PushChanges from a paired device", { timeout: 60_000 }, () => {
  test("push-forged-origin: a batch of another origin's stream is invalid_argument NOT_ORIGIN; nothing stored", async () => {
    const { c, r, A, M, mallory } = await synced();
    const before = fingerprints(r);
    const forged = signed(3, A, Resource.TAG, tagChange(1, 100n, "forged"));
    expect(
      await refusal(
        c,
        mallory.pushChanges(pushRequest(M, A, Resource.TAG, [forged], devicePublicKeyOf(0))),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "NOT_ORIGIN" });
    // Claiming to be A is refused before anything is read.
    expect(
      await refusal(
        c,
        mallory.pushChanges(pushRequest(A, A, Resource.TAG, [forged], devicePublicKeyOf(0))),
      ),
    ).toMatchObject({ code: Code.PermissionDenied, reason: "DEVICE_MISMATCH", field: "device_id" });
    expect(fingerprints(r)).toEqual(before);
    c.close();
  });

  test("push-receivers-own-stream: a batch of the receiver's own stream is refused; nothing stored", async () => {
    const { c, r, R, M, mallory } = await synced();
    const before = fingerprints(r);
    const forged = signed(3, R, Resource.TAG, tagChange(2, 1000n, "mine now"));
    expect(
      await refusal(
        c,
        mallory.pushChanges(pushRequest(M, R, Resource.TAG, [forged], devicePublicKeyOf(2))),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "NOT_ORIGIN" });
    expect(
      await refusal(
        c,
        mallory.pushChanges(pushRequest(R, R, Resource.TAG, [forged], devicePublicKeyOf(2))),
      ),
    ).toMatchObject({ code: Code.PermissionDenied, reason: "DEVICE_MISMATCH" });
    expect(fingerprints(r)).toEqual(before);
    c.close();
  });

  test("pushed-row-bad-signature-from-its-origin: stored as its origin sent it (SG-8), refused BAD_SIGNATURE when relayed", async () => {
    const { c, r, M, mallory } = await synced();
    const a = c.get(0);
    const good = signed(3, M, Resource.TAG, tagChange(3, 1n, "honest"));
    const altered = clone(ChangeSchema, good);
    if (altered.body.case === "tag") altered.body.value.name = "altered";
    const req = pushRequest(M, M, Resource.TAG, [altered], devicePublicKeyOf(3));
    // M is the origin and the authenticated caller: M may write its own rows anyway.
    const res = await settled(c, mallory.pushChanges(req));
    expect(res.acks.map((x) => x.cursor)).toEqual([1n]);
    const mTags = { origin: M, resource: Resource.TAG };
    const held = r.store.changesAfter(mTags, undefined, { maxChanges: 10, maxBytes: 0 }).changes;
    expect(held.map((x) => hex(x.signature))).toEqual([hex(altered.signature)]);
    // A gets it only through R, a relay: verified there, and refused.
    const aBefore = fingerprints(a);
    c.disconnect(0, 3);
    c.disconnect(0, 2);
    c.connect(0, 2);
    await c.settle();
    expect(a.store.streamState(mTags)?.cursor ?? 0n).toBe(0n);
    expect(fingerprints(a).filter((f) => f.startsWith(`${M}/`))).toEqual(
      aBefore.filter((f) => f.startsWith(`${M}/`)),
    );
    expect(
      a.metricsRegistry.sum("tidemark_rejected_changes_total", { reason: "bad-signature" }),
    ).toBeGreaterThan(0);
    c.close();
  });

  test("pushed-row-not-signed-by-origin: unsigned, or a signature not 64 bytes, is BAD_SIGNATURE even from its origin; nothing stored", async () => {
    const { c, r, M, mallory } = await synced();
    const before = fingerprints(r);
    const unsigned = tagChange(4, 1n, "unsigned");
    const short = create(ChangeSchema, {
      ...tagChange(4, 1n, "short"),
      signature: new Uint8Array(63),
    });
    for (const change of [unsigned, short]) {
      const req = pushRequest(M, M, Resource.TAG, [change], devicePublicKeyOf(3));
      expect(await refusal(c, mallory.pushChanges(req))).toMatchObject({
        code: Code.PermissionDenied,
        reason: "BAD_SIGNATURE",
        field: "batches[0].changes[0].signature",
      });
    }
    // A key that does not derive the origin's id is not believed either.
    const byA = signed(0, M, Resource.TAG, tagChange(4, 1n, "signed by A"));
    const withAKey = pushRequest(M, M, Resource.TAG, [byA], devicePublicKeyOf(0));
    expect(await refusal(c, mallory.pushChanges(withAKey))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "FORGED_ORIGIN",
      field: "batches[0].origin_key",
    });
    expect(fingerprints(r)).toEqual(before);
    c.close();
  });

  test("forged-tombstone: a signed tombstone of another origin's row is permission_denied FORGED_ORIGIN, not a silent DROPPED", async () => {
    const { c, r, A, M, mallory } = await synced();
    const before = fingerprints(r);
    const locations = r.store.changesAfter({ origin: A, resource: Resource.LOCATION }, undefined, {
      maxChanges: 10,
      maxBytes: 0,
    });
    const victim = locations.changes[0]?.rowId;
    if (victim === undefined) throw new Error("R holds none of A's locations");
    const w = tombstoneWrite(Resource.LOCATION, victim);
    const tomb = signed(
      3,
      M,
      Resource.LOCATION,
      create(ChangeSchema, { rowId: w.rowId, seq: 1n, body: w.body } as Parameters<
        typeof create<typeof ChangeSchema>
      >[1]),
    );
    const req = pushRequest(M, M, Resource.LOCATION, [tomb], devicePublicKeyOf(3));
    expect(await refusal(c, mallory.pushChanges(req))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "FORGED_ORIGIN",
    });
    expect(fingerprints(r)).toEqual(before);
    expect(
      r.metricsRegistry.sum("tidemark_rejected_changes_total", { reason: "forged-origin" }),
    ).toBe(1);
    c.close();
  });
});

/** B (1) relays A's (0) streams to R (2), which is not paired with A; B's pages are rewritten by `lie`. */
async function relayed(lie: ((page: BackfillResponse) => BackfillResponse) | undefined) {
  const c = cluster({ seed: 1302 });
  await c.open(0);
  await c.open(1);
  new TreeIndexer(c, 0).init();
  c.commit(0, [tagWrite(new Uint8Array(16).fill(0x7b), "a's tag")]);
  c.connect(0, 1);
  await c.settle();
  const r = await c.open(2);
  // R never talks to A: everything of A reaches it through B.
  r.removePeer(c.id(0));
  c.get(0).removePeer(c.id(2));
  c.setLink(0, 2, false);
  if (lie !== undefined) {
    c.intercept(
      1,
      (honest: Service) =>
        ({
          ...honest,
          async *backfill(req, hctx) {
            for await (const page of honest.backfill(req, hctx) as AsyncIterable<BackfillResponse>)
              yield page.stream !== undefined && hex(page.stream.origin) === c.id(0)
                ? lie(page)
                : page;
          },
        }) satisfies Service,
    );
  }
  c.connect(1, 2);
  await c.run(5_000);
  return { c, r, A: c.id(0) };
}

const heldOf = (r: TidemarkReplica, origin: string) =>
  r.store.streams().filter((s) => s.stream.origin === origin && s.liveCount > 0n).length;

describe("relayed changes", { timeout: 60_000 }, () => {
  test("relay-honest: a receiver verifies and stores rows of an origin it never talked to", async () => {
    const { c, r, A } = await relayed(undefined);
    expect(heldOf(r, A)).toBeGreaterThan(0);
    expect(r.store.originKey(A)).toEqual(devicePublicKeyOf(0));
    c.close();
  });

  const lies: [string, string, (p: BackfillResponse) => BackfillResponse][] = [
    [
      "relayed-row-altered",
      "bad-signature",
      (p) => ({
        ...p,
        changes: p.changes.map((ch) => {
          const x = create(ChangeSchema, ch);
          if (x.body.case === "tag") x.body.value.name = "relay's";
          if (x.body.case === "entry") x.body.value.name = "relay's";
          if (x.body.case === "volume") x.body.value.name = "relay's";
          if (x.body.case === "location") x.body.value.path = "/relay";
          if (x.body.case === "device") x.body.value.name = "relay's";
          return x;
        }),
      }),
    ],
    [
      "relayed-row-unsigned",
      "bad-signature",
      (p) => ({
        ...p,
        changes: p.changes.map((ch) =>
          create(ChangeSchema, { ...ch, signature: new Uint8Array() }),
        ),
      }),
    ],
    [
      "relayed-row-re-signed-by-relay",
      "bad-signature",
      (p) => ({
        ...p,
        changes: p.changes.map((ch) =>
          signed(1, hex(p.stream?.origin ?? new Uint8Array()), p.stream?.resource ?? 0, ch),
        ),
      }),
    ],
    [
      "relayed-origin-key-replaced",
      "forged-origin",
      (p) => ({
        ...p,
        originKey: devicePublicKeyOf(1),
        changes: p.changes.map((ch) =>
          signed(1, hex(p.stream?.origin ?? new Uint8Array()), p.stream?.resource ?? 0, ch),
        ),
      }),
    ],
  ];
  test.each(lies)("%s: nothing of the page is stored (%s)", async (_name, reason, lie) => {
    const { c, r, A } = await relayed(lie);
    expect(heldOf(r, A)).toBe(0);
    expect(r.metricsRegistry.sum("tidemark_rejected_changes_total", { reason })).toBeGreaterThan(0);
    c.close();
  });
});

describe("reconciled changes", { timeout: 120_000 }, () => {
  test("reconcile-answer-altered: altered changes in a relay's Reconcile answer are refused; an honest answer repairs", async () => {
    const c = cluster({ seed: 1303 });
    const a = await c.open(0);
    const b = await c.open(1);
    await c.open(2);
    // B's cursor covers A's head but 50 rows are missing: only Reconcile
    // repairs it, and only from R (2), a relay: A's own answers need no
    // signature check (SG-8), R's are verified.
    await silentGapBehindCursor(c, 0, 1, { synced: 300, missing: 50 });
    c.disconnect(0, 2);
    c.disconnect(1, 2);
    const stream = { origin: a.deviceId, resource: Resource.ENTRY };
    const before = fingerprints(b);
    c.intercept(
      2,
      (honest: Service) =>
        ({
          ...honest,
          async reconcile(req, hctx) {
            const res = (await honest.reconcile(req, hctx)) as ReconcileResponse;
            return {
              ...res,
              changes: res.changes.map((ch) => {
                const x = clone(ChangeSchema, ch);
                if (x.body.case === "entry") x.body.value.name = "altered";
                return x;
              }),
            };
          },
        }) satisfies Service,
    );
    c.connect(1, 2);
    await c.run(20_000);
    expect(
      b.metricsRegistry.sum("tidemark_rejected_changes_total", { reason: "bad-signature" }),
    ).toBeGreaterThan(0);
    expect(fingerprints(b)).toEqual(before);
    c.intercept(2, undefined);
    await c.run(180_000);
    await c.settle();
    expect(b.store.streamState(stream)?.fingerprint).toEqual(
      a.store.streamState(stream)?.fingerprint,
    );
    c.close();
  });
});

describe("authorization", { timeout: 60_000 }, () => {
  test("hello-unpaired: a device that is not paired is refused NOT_PAIRED and shown in status", async () => {
    const { c, r, M } = await synced();
    r.removePeer(M);
    const hello = create(HelloRequestSchema, {
      libraryId: LIB,
      deviceId: idFromHex(M),
      protocolVersion: 1,
      deviceName: "m",
    });
    expect(await refusal(c, c.client(3, 2).hello(hello))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "NOT_PAIRED",
    });
    // A paired device is answered.
    const ok = await settled(c, c.client(0, 2).hello({ ...hello, deviceId: idFromHex(c.id(0)) }));
    expect(hex(ok.deviceId)).toBe(c.id(2));
    expect(r.status().refused).toEqual([
      expect.objectContaining({ device: M, reason: "not-paired", count: 1 }),
    ]);
    expect(r.metricsRegistry.sum("tidemark_refused_calls_total", { reason: "not-paired" })).toBe(1);
    c.close();
  });

  test("hello-unauthenticated: a call for which the transport authenticated nobody is refused UNAUTHENTICATED", async () => {
    const { c, r, A } = await synced();
    // Straight to the handlers, no transport: nobody was authenticated.
    const call = createHandlerContext({
      service: SyncService,
      method: SyncService.method.hello,
      protocolName: "test",
      requestMethod: "POST",
      url: "test://hello",
    });
    const hello = create(HelloRequestSchema, {
      libraryId: LIB,
      deviceId: idFromHex(A),
      protocolVersion: 1,
    });
    expect(await refusal(c, Promise.resolve(r.service.hello(hello, call)))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "UNAUTHENTICATED",
    });
    expect(r.status().refused).toEqual([
      expect.objectContaining({ device: "", reason: "unauthenticated", count: 1 }),
    ]);
    c.close();
  });
});
