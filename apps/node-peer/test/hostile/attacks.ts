// Hostile messages for every RPC, as fast-check arbitraries: structurally
// valid protobuf (they decode) whose content is what a buggy or malicious
// peer sends — huge counts, made-up streams, cursor regressions and
// impossible claims, seq gaps, far-future HLCs, self-parent and cyclic
// entries, missing parents, duplicate ids, oversized fields. They are sent
// over mutual TLS: mostly by the paired attacker as itself (what a
// compromised paired device can send), some naming another device in the
// request (the honest peer, the victim, a stranger: refused, AU-2), some
// from a certificate nobody paired (refused at the gate, AU-3); pushes
// also relay other origins' changes (refused, AU-5). Each attack is a call
// to make, its name, and how it is delivered.
import { create } from "@bufbuild/protobuf";
import {
  type BackfillRequest,
  BackfillRequestSchema,
  type Change,
  ChangeSchema,
  EntryKind,
  EntrySchema,
  ExchangeWatermarksRequestSchema,
  HelloRequestSchema,
  HLC_COUNTER_BITS,
  LocationSchema,
  MAX_CHANGES_PER_PAGE,
  MAX_PAGE_BYTES,
  MAX_STREAMS_PER_MESSAGE,
  MAX_WANT_IDS,
  NotifyDataAvailableRequestSchema,
  PushChangesRequestSchema,
  RESOURCES_IN_FK_ORDER,
  ReconcileRequestSchema,
  Resource,
  type StreamBatch,
  StreamBatchSchema,
  type StreamId,
  type StreamWatermark,
  StreamWatermarkSchema,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "@tidemark/protocol";
import { arbRanges } from "@tidemark/protocol/testing";
import fc from "fast-check";

/** What the generator knows of the victim and its world. */
export type World = {
  readonly library: Uint8Array;
  readonly victim: Uint8Array;
  readonly honest: Uint8Array;
  /** The paired attacker: the certificate the suite calls with, never dialled by the victim. */
  readonly registered: Uint8Array;
  /** Bigger lists in the soak run. */
  readonly maxList: number;
};

export type Attack =
  | { readonly rpc: "hello"; readonly req: ReturnType<typeof create<typeof HelloRequestSchema>> }
  | {
      readonly rpc: "exchangeWatermarks";
      readonly req: ReturnType<typeof create<typeof ExchangeWatermarksRequestSchema>>;
    }
  | {
      readonly rpc: "notifyDataAvailable";
      readonly req: ReturnType<typeof create<typeof NotifyDataAvailableRequestSchema>>;
    }
  | {
      readonly rpc: "pushChanges";
      readonly req: ReturnType<typeof create<typeof PushChangesRequestSchema>>;
      /** Renumber each batch to continue the victim's cursor (buffers fill up). */
      readonly chain: boolean;
    }
  | { readonly rpc: "backfill"; readonly req: BackfillRequest }
  | {
      readonly rpc: "reconcile";
      readonly req: ReturnType<typeof create<typeof ReconcileRequestSchema>>;
    };

const id16 = () => fc.uint8Array({ minLength: 16, maxLength: 16 });

/** Seqs and cursors a peer may claim: small, huge, 2^63, the largest uint64. */
const arbClaim = () =>
  fc.oneof(
    fc.bigInt({ min: 1n, max: 50n }),
    fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    fc.constantFrom(2n ** 63n, 2n ** 64n - 1n),
  );

/**
 * Who the message says it is from: mostly the attacker itself (what gets
 * past the gate); else another device, which its certificate does not prove.
 */
function arbCaller(w: World) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(w.registered) },
    { weight: 1, arbitrary: id16() },
    { weight: 1, arbitrary: fc.constant(w.honest) },
    { weight: 1, arbitrary: fc.constant(w.victim) },
  );
}

/** The connection an attack is sent on: the paired attacker's certificate, or one nobody paired. */
export type Via = "paired" | "unpaired";

export function arbVia(): fc.Arbitrary<Via> {
  return fc.oneof(
    { weight: 9, arbitrary: fc.constant<Via>("paired") },
    { weight: 1, arbitrary: fc.constant<Via>("unpaired") },
  );
}

/** A stream: made up, or one of the victim's or the honest peer's (claims about them), of any resource. */
function arbStream(w: World): fc.Arbitrary<StreamId> {
  const resource = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...RESOURCES_IN_FK_ORDER) },
    // Of a later version, or no enum value at all (int32 on the wire).
    { weight: 1, arbitrary: fc.constantFrom(9, 99, 2 ** 31 - 1, -1).map((r) => r as Resource) },
  );
  return fc
    .record({ origin: fc.oneof(id16(), fc.constant(w.victim), fc.constant(w.honest)), resource })
    .map((s) => ({ $typeName: "tidemark.sync.v1.StreamId", ...s }) as StreamId);
}

function streamKey(s: StreamId | undefined): string {
  return s === undefined ? "" : `${Buffer.from(s.origin).toString("hex")}/${s.resource}`;
}

function arbWatermarks(w: World, cursorRequired: boolean): fc.Arbitrary<StreamWatermark[]> {
  const one = fc
    .record({
      stream: arbStream(w),
      cursor: cursorRequired ? arbClaim() : fc.option(arbClaim(), { nil: undefined }),
      live: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fingerprint: id16(),
      pulling: fc.boolean(),
      horizon: fc.option(fc.bigInt({ min: 1n, max: 40n }), { nil: undefined }),
    })
    .map(({ stream, cursor, live, fingerprint, pulling, horizon }) =>
      create(StreamWatermarkSchema, {
        stream,
        ...(cursor === undefined ? {} : { cursor }),
        liveCount: live,
        fingerprint: live === 0n ? new Uint8Array(16) : fingerprint,
        pulling,
        ...(cursor !== undefined && horizon !== undefined && horizon <= cursor
          ? { tombstoneHorizon: horizon }
          : {}),
      }),
    );
  // Mostly short lists, sometimes as long as the protocol allows.
  const length = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 20 }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: Math.min(w.maxList, MAX_STREAMS_PER_MESSAGE) }),
    },
  );
  return length.chain((n) =>
    fc.uniqueArray(one, { minLength: 0, maxLength: n, selector: (x) => streamKey(x.stream) }),
  );
}

/** Far-future HLCs: years ahead, or the largest value the field holds. */
const arbFutureHlc = () =>
  fc.oneof(
    fc.constant(BigInt(Date.now() + 10 * 365 * 86_400_000) << BigInt(HLC_COUNTER_BITS)),
    fc.constant(2n ** 64n - 1n),
  );

/** Entries that break the tree: self-parent, a cycle pair, a missing parent or location. */
function arbEntries(start: bigint, big: string): fc.Arbitrary<Change[]> {
  return fc
    .record({
      shape: fc.constantFrom("self", "cycle", "orphan", "no-location", "duplicate", "oversized"),
      rows: fc.array(id16(), { minLength: 5, maxLength: 40 }),
      a: id16(),
      b: id16(),
      location: id16(),
    })
    .map(({ shape, rows, a, b, location }) => {
      const entry = (seq: bigint, row: Uint8Array, parent?: Uint8Array, name = "x") =>
        create(ChangeSchema, {
          rowId: row,
          seq,
          body: {
            case: "entry",
            value: create(EntrySchema, {
              locationId: location,
              name,
              kind: EntryKind.FILE,
              ...(parent === undefined ? {} : { parentId: parent }),
            }),
          },
        });
      switch (shape) {
        case "self":
          return [entry(start, a, a)];
        case "cycle":
          return [entry(start, a, b), entry(start + 1n, b, a)];
        case "duplicate":
          return [entry(start, a, b), entry(start + 1n, a, b)];
        case "oversized":
          return [entry(start, a, undefined, big)];
        default:
          // Each near the string bound: the buffers' byte bounds are reached.
          return rows.map((row, i) =>
            entry(start + BigInt(i), row, shape === "orphan" ? b : undefined, big.slice(0, 900)),
          );
      }
    });
}

function arbBatch(origin: Uint8Array): fc.Arbitrary<StreamBatch> {
  const prev = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 3n }) },
    // A gap: held (bounded in bytes), then pulled.
    { weight: 2, arbitrary: fc.bigInt({ min: 1000n, max: 2n ** 62n }) },
  );
  // Near the protocol's string bound; one time in five over it (MESSAGE_TOO_LARGE).
  const big = fc.oneof(
    { weight: 4, arbitrary: fc.constant("n".repeat(1000)) },
    { weight: 1, arbitrary: fc.constant("n".repeat(1025)) },
  );
  const at = (p: bigint | undefined, i = 0) => (p ?? 0n) + 1n + BigInt(i);
  const entries = fc
    .tuple(prev, big)
    .chain(([p, name]) =>
      arbEntries(at(p), name).map((changes) => ({ resource: Resource.ENTRY, p, changes })),
    );
  const tag = fc
    .tuple(prev, fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, arbFutureHlc()), id16())
    .map(([p, future, row]) => ({
      resource: Resource.TAG,
      p,
      changes: [
        create(ChangeSchema, {
          rowId: row,
          seq: at(p),
          hlc: future ?? BigInt(Date.now()) << BigInt(HLC_COUNTER_BITS),
          body: { case: "tag", value: create(TagSchema, { name: "t", color: "red" }) },
        }),
      ],
    }));
  const volume = fc.tuple(prev, id16()).map(([p, row]) => ({
    resource: Resource.VOLUME,
    p,
    changes: [
      create(ChangeSchema, {
        rowId: row,
        seq: at(p),
        body: { case: "volume", value: create(VolumeSchema, { name: "v" }) },
      }),
    ],
  }));
  // A seq gap inside the batch and a body of another resource: invalid.
  const broken = fc.tuple(prev, id16(), id16()).map(([p, vol, loc]) => ({
    resource: Resource.LOCATION,
    p,
    changes: [
      create(ChangeSchema, {
        rowId: loc,
        seq: at(p),
        body: {
          case: "location",
          value: create(LocationSchema, { volumeId: vol, path: "/p", name: "p" }),
        },
      }),
      create(ChangeSchema, {
        rowId: vol,
        seq: at(p, 2),
        body: { case: "volume", value: create(VolumeSchema, { name: "v" }) },
      }),
    ],
  }));
  const tombstone = fc.tuple(prev, id16()).map(([p, row]) => ({
    resource: Resource.ENTRY,
    p,
    changes: [
      create(ChangeSchema, {
        rowId: row,
        seq: at(p),
        body: { case: "tombstone", value: create(TombstoneSchema, {}) },
      }),
    ],
  }));
  const body = fc.oneof(
    { weight: 10, arbitrary: entries },
    { weight: 2, arbitrary: tag },
    { weight: 1, arbitrary: volume },
    { weight: 1, arbitrary: broken },
    { weight: 1, arbitrary: tombstone },
  );
  return body.map(({ resource, p, changes }) =>
    create(StreamBatchSchema, {
      stream: { origin, resource },
      ...(p === undefined ? {} : { prevSeq: p }),
      changes,
    }),
  );
}

export function arbAttack(w: World): fc.Arbitrary<Attack> {
  const base = (caller: Uint8Array) => ({ libraryId: w.library, deviceId: caller });
  const hello = arbCaller(w).chain((caller) =>
    fc
      .record({
        protocolVersion: fc.constantFrom(0, 1, 2, 2 ** 31 - 1),
        capabilities: fc.array(fc.string({ maxLength: 80 }), { maxLength: 70 }),
        deviceName: fc.string({ maxLength: 300 }),
      })
      .map(
        (v): Attack => ({
          rpc: "hello",
          req: create(HelloRequestSchema, { ...base(caller), ...v }),
        }),
      ),
  );
  const exchange = fc.tuple(arbCaller(w), arbWatermarks(w, false)).map(
    ([caller, watermarks]): Attack => ({
      rpc: "exchangeWatermarks",
      req: create(ExchangeWatermarksRequestSchema, { ...base(caller), watermarks }),
    }),
  );
  const notify = fc.tuple(arbCaller(w), arbWatermarks(w, true)).map(
    ([caller, watermarks]): Attack => ({
      rpc: "notifyDataAvailable",
      req: create(NotifyDataAvailableRequestSchema, { ...base(caller), watermarks }),
    }),
  );
  // The attacker pushes its own streams (signed, so they reach the
  // bounds), or relays another origin's (the honest peer's, the victim's
  // own, a stranger's): refused whole (AU-5, AU-6); or names another
  // device as the pusher (AU-2).
  const pusher = fc.oneof(
    { weight: 6, arbitrary: fc.constant(w.registered) },
    { weight: 1, arbitrary: id16() },
    { weight: 1, arbitrary: fc.constant(w.victim) },
  );
  const origin = (caller: Uint8Array) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(caller) },
      { weight: 1, arbitrary: fc.constant(w.honest) },
      { weight: 1, arbitrary: fc.constant(w.victim) },
      { weight: 1, arbitrary: id16() },
    );
  const push = pusher.chain((caller) =>
    fc
      .tuple(
        origin(caller).chain((o) =>
          fc.uniqueArray(arbBatch(o), {
            minLength: 1,
            maxLength: 3,
            selector: (b) => streamKey(b.stream),
          }),
        ),
        fc.boolean(),
      )
      .map(
        ([batches, chain]): Attack => ({
          rpc: "pushChanges",
          req: create(PushChangesRequestSchema, { ...base(caller), batches }),
          chain,
        }),
      ),
  );
  const backfill = fc
    .record({
      caller: arbCaller(w),
      streams: fc.uniqueArray(
        fc.record({
          stream: arbStream(w),
          afterSeq: fc.option(arbClaim(), { nil: undefined }),
        }),
        { maxLength: Math.min(w.maxList, 40), selector: (s) => streamKey(s.stream) },
      ),
      // Mostly within the page bounds, so most calls stream pages.
      maxChanges: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(0, 1, 500, MAX_CHANGES_PER_PAGE) },
        { weight: 1, arbitrary: fc.constantFrom(MAX_CHANGES_PER_PAGE + 1, 2 ** 31 - 1) },
      ),
      maxBytes: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(0, 1, 64 * 1024, MAX_PAGE_BYTES) },
        { weight: 1, arbitrary: fc.constant(MAX_PAGE_BYTES + 1) },
      ),
    })
    .map(
      ({ caller, streams, maxChanges, maxBytes }): Attack => ({
        rpc: "backfill",
        req: create(BackfillRequestSchema, {
          ...base(caller),
          streams: streams.map((s) => ({
            stream: s.stream,
            ...(s.afterSeq === undefined ? {} : { afterSeq: s.afterSeq }),
          })),
          maxChangesPerPage: maxChanges,
          maxPageBytes: maxBytes,
        }),
      }),
    );
  const reconcile = fc
    .record({
      caller: arbCaller(w),
      stream: arbStream(w),
      ranges: arbRanges(8),
      want: fc.array(id16(), { maxLength: MAX_WANT_IDS + 8 }),
    })
    .map(
      ({ caller, stream, ranges, want }): Attack => ({
        rpc: "reconcile",
        req: create(ReconcileRequestSchema, { ...base(caller), stream, ranges, wantIds: want }),
      }),
    );
  return fc.oneof(hello, exchange, notify, { arbitrary: push, weight: 5 }, backfill, reconcile);
}
