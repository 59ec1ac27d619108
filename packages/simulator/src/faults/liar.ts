// A lying peer (a byzantine test hook): its Backfill answers (and, when it
// over-claims, its watermarks; with bad-hello, its Hello answers; with
// bad-exchange, its ExchangeWatermarks answers; with refuse-backfill, every
// Backfill is refused; with
// bad-reconcile, its Reconcile round answers, bad-reconcile.ts) are
// rewritten on the way out while its replica stays honest inside. Duplicated,
// reordered and over-claimed pages must be refused or survived by an honest
// puller (PROTOCOL §5); dropped pages are withholding, which a paired relay
// may do (DESIGN §8) and a later reconcile repairs; altered rows are
// forgery, which only signatures can stop.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { SyncClient } from "@tidemark/engine";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  ChangeSchema,
  changeSigningBytes,
  EntrySchema,
  ErrorReason,
  ExchangeWatermarksRequestSchema,
  type ExchangeWatermarksResponse,
  ExchangeWatermarksResponseSchema,
  type HelloResponse,
  HelloResponseSchema,
  MAX_DEVICE_NAME_BYTES,
  NotifyDataAvailableRequestSchema,
  ProtocolError,
  type ReconcileResponse,
  ReconcileResponseSchema,
  type StreamWatermark,
  StreamWatermarkSchema,
  type SyncService,
} from "@tidemark/protocol";
import { deviceIdOf, devicePublicKeyOf, LIBRARY_ID, signAs } from "../ids.js";
import type { Lie } from "../scenario.js";
import { badReconcile, endlessReconcile, isCoded } from "./bad-reconcile.js";

type Service = ServiceImpl<typeof SyncService>;

/**
 * Lies that leave the receiver holding less than its cursor claims (it is
 * exempt from safety until repaired): withheld pages, and forged pages the
 * receiver refuses.
 */
export const WITHHOLDING: ReadonlySet<Lie> = new Set([
  "drop-pages",
  "alter-rows",
  "strip-signatures",
  "re-sign",
]);

const LIBRARY = Uint8Array.from(Buffer.from(LIBRARY_ID, "hex"));

/** How far an over-claimed page pushes complete_through past the truth. */
const OVER_CLAIM = 1_000n;
/** Pages a cut Backfill delivers before its stream is reset. */
const CUT_AFTER_PAGES = 2;

function isOwn(page: BackfillResponse, liar: number): boolean {
  const origin = page.stream?.origin;
  return origin !== undefined && Buffer.from(origin).toString("hex") === deviceIdOf(liar);
}

/** Forges a page of another origin's stream: no signatures, or the liar's own. */
function forge(page: BackfillResponse, lie: "strip-signatures" | "re-sign", liar: number) {
  const stream = page.stream;
  if (stream === undefined || page.changes.length === 0) return page;
  // Its own rows the liar may sign: only other origins' are forged.
  if (isOwn(page, liar)) return page;
  return create(BackfillResponseSchema, {
    ...page,
    ...(lie === "re-sign" ? { originKey: devicePublicKeyOf(liar) } : {}),
    changes: page.changes.map((c) =>
      create(ChangeSchema, {
        ...c,
        signature:
          lie === "re-sign"
            ? signAs(liar, changeSigningBytes(LIBRARY, stream.origin, stream.resource, c))
            : new Uint8Array(0),
      }),
    ),
  });
}

async function* rewrite(
  pages: AsyncIterable<BackfillResponse>,
  lie: Lie,
  liar: number,
): AsyncGenerator<BackfillResponse> {
  let held: BackfillResponse | undefined;
  let n = 0;
  for await (const page of pages) {
    n++;
    switch (lie) {
      case "duplicate-pages":
        yield page;
        yield page;
        break;
      case "cut-reconciles":
      case "withhold-parents":
        yield page;
        break;
      case "reorder-pages":
        // Pairs swapped: each odd page waits for the next one.
        if (held === undefined && !page.streamDone) held = page;
        else {
          yield page;
          if (held !== undefined) yield held;
          held = undefined;
        }
        break;
      case "drop-pages":
        if (n % 3 !== 2 || page.streamDone) yield page;
        break;
      case "cut-backfills":
        if (n > CUT_AFTER_PAGES)
          throw new ConnectError("stream reset mid-response", Code.Unavailable);
        yield page;
        break;
      case "over-claim":
        yield page.completeThrough === undefined
          ? page
          : create(BackfillResponseSchema, {
              ...page,
              completeThrough: page.completeThrough + OVER_CLAIM,
            });
        break;
      case "alter-rows":
        // Another origin's rows only: the liar's own altered rows are its own
        // writes, stored by its direct peers by design (PROTOCOL §16 SG-8).
        yield isOwn(page, liar)
          ? page
          : create(BackfillResponseSchema, {
              ...page,
              changes: page.changes.map((c) =>
                c.body.case === "entry"
                  ? create(ChangeSchema, {
                      ...c,
                      body: {
                        case: "entry",
                        value: create(EntrySchema, { ...c.body.value, name: "forged" }),
                      },
                    })
                  : c,
              ),
            });
        break;
      case "strip-signatures":
      case "re-sign":
        yield forge(page, lie, liar);
        break;
      case "bad-hello":
      case "bad-exchange":
      case "refuse-backfill":
      case "bad-reconcile":
      case "endless-reconcile":
        yield page;
        break;
    }
  }
  if (held !== undefined) yield held;
}

/**
 * An over-claiming liar also advertises every stream of another origin
 * OVER_CLAIM above its cursor (the head statements it relays stay true):
 * a receiver must never believe more of a third device's stream than that
 * device signed (PROTOCOL.md §3.5 CU-8), nor of its own (CU-7).
 */
function overClaim(watermarks: readonly StreamWatermark[], liar: number): StreamWatermark[] {
  const self = deviceIdOf(liar);
  return watermarks.map((w) =>
    w.stream === undefined ||
    w.cursor === undefined ||
    Buffer.from(w.stream.origin).toString("hex") === self
      ? w
      : create(StreamWatermarkSchema, { ...w, cursor: w.cursor + OVER_CLAIM }),
  );
}

function overClaimWatermarks(res: ExchangeWatermarksResponse, liar: number) {
  return create(ExchangeWatermarksResponseSchema, {
    ...res,
    watermarks: overClaim(res.watermarks, liar),
  });
}

/**
 * The liar's own client: an over-claiming liar tells the same lie in the
 * exchanges and notices it starts as in its answers (a consistent liar,
 * whose refuted claim a peer must remember across exchanges, PROTOCOL §4).
 */
export function lyingClient(client: SyncClient, liar: number, lieOf: () => Lie | undefined) {
  const lying = () => lieOf() === "over-claim";
  return {
    ...client,
    exchangeWatermarks: (init, opts) => {
      if (!lying()) return client.exchangeWatermarks(init, opts);
      const req = create(ExchangeWatermarksRequestSchema, init);
      return client.exchangeWatermarks(
        { ...req, watermarks: overClaim(req.watermarks, liar) },
        opts,
      );
    },
    notifyDataAvailable: (init, opts) => {
      if (!lying()) return client.notifyDataAvailable(init, opts);
      const req = create(NotifyDataAvailableRequestSchema, init);
      return client.notifyDataAvailable(
        { ...req, watermarks: overClaim(req.watermarks, liar) },
        opts,
      );
    },
  } satisfies SyncClient;
}

/** A Hello answer whose device name is past the protocol's bound (§2.2): the caller must refuse it. */
async function badHello(answer: Promise<HelloResponse> | HelloResponse): Promise<HelloResponse> {
  const res = await answer;
  return create(HelloResponseSchema, { ...res, deviceName: "x".repeat(MAX_DEVICE_NAME_BYTES + 1) });
}

/**
 * An ExchangeWatermarks answer listing its first stream twice, or, with no
 * stream to list, naming a 15-byte device: malformed either way (§4).
 */
async function badExchange(
  answer: Promise<ExchangeWatermarksResponse> | ExchangeWatermarksResponse,
): Promise<ExchangeWatermarksResponse> {
  const res = await answer;
  const first = res.watermarks[0];
  if (first === undefined)
    return create(ExchangeWatermarksResponseSchema, { ...res, deviceId: res.deviceId.slice(1) });
  return create(ExchangeWatermarksResponseSchema, {
    ...res,
    watermarks: [first, ...res.watermarks],
  });
}

/** A Backfill refused for what it is, before any page: the caller must not repeat it at once (ER-3). */
// biome-ignore lint/correctness/useYield: refuses before its first page, as a handler may
async function* refuseBackfill(): AsyncGenerator<BackfillResponse> {
  throw new ProtocolError(ErrorReason.NOT_PAIRED, "not paired yet").toConnectError();
}

/** Reconcile calls each liar was asked, by its device (the endpoint is rebuilt per call). */
const reconcileCalls = new WeakMap<object, number>();

/**
 * A flaky path to the Reconcile handler: every second call fails unanswered
 * (as a reset would), so a run of a question and a fetch is cut after the
 * question, and a retry that resumes (the fetch) gets through.
 */
function cutEverySecond(service: Service, device: object): Service["reconcile"] {
  return async (req, ctx) => {
    const calls = (reconcileCalls.get(device) ?? 0) + 1;
    reconcileCalls.set(device, calls);
    if (calls % 2 === 0) throw new ConnectError("connection reset mid-call", Code.Unavailable);
    return service.reconcile(req, ctx);
  };
}

/**
 * A relay that answers fetches by id (Reconcile want_ids: a puller's
 * awaited parents, PROTOCOL §3.6 RF-5, or a reconcile's needed rows) as
 * if it held none of them (each listed missing, none sent): withholding,
 * which a paired relay may do (DESIGN §8). Its Backfill stays honest, so
 * a puller whose dependency buffer is full cannot be helped until the lie ends.
 */
function withholdFetched(service: Service): Service["reconcile"] {
  return async (req, ctx) => {
    const res = (await service.reconcile(req, ctx)) as ReconcileResponse;
    if (req.wantIds.length === 0) return res;
    return create(ReconcileResponseSchema, { ...res, changes: [], missingIds: req.wantIds });
  };
}

/** Coded-symbol answers of each bad-reconcile liar, by its device: picks the next lie. */
const codedAnswers = new WeakMap<object, number>();

/** Every answer to a round (ranges asked) rewritten dishonestly; fetches answered truly. */
function lieInRounds(service: Service, device: object): Service["reconcile"] {
  return async (req, ctx) => {
    const res = (await service.reconcile(req, ctx)) as ReconcileResponse;
    if (req.ranges.length === 0) return res;
    const n = codedAnswers.get(device) ?? 0;
    if (isCoded(res)) codedAnswers.set(device, n + 1);
    return badReconcile(res, n);
  };
}

/**
 * `service` of device `liar` with its Backfill (and watermark, Hello or
 * Reconcile) answers rewritten by `lie`; `device` keys what a lie counts
 * across calls.
 */
export function lyingService(
  service: Service,
  lie: Lie,
  liar: number,
  device: object = service,
): Service {
  return {
    ...service,
    ...(lie === "bad-hello"
      ? { hello: (req, ctx) => badHello(service.hello(req, ctx) as Promise<HelloResponse>) }
      : {}),
    backfill: (req, ctx) =>
      rewrite(service.backfill(req, ctx) as AsyncIterable<BackfillResponse>, lie, liar),
    ...(lie === "refuse-backfill" ? { backfill: refuseBackfill } : {}),
    ...(lie === "cut-reconciles" ? { reconcile: cutEverySecond(service, device) } : {}),
    ...(lie === "bad-reconcile" ? { reconcile: lieInRounds(service, device) } : {}),
    ...(lie === "withhold-parents" ? { reconcile: withholdFetched(service) } : {}),
    ...(lie === "endless-reconcile"
      ? {
          reconcile: async (req, ctx) =>
            endlessReconcile(req, (await service.reconcile(req, ctx)) as ReconcileResponse),
        }
      : {}),
    ...(lie === "bad-exchange"
      ? {
          exchangeWatermarks: (req, ctx) =>
            badExchange(
              service.exchangeWatermarks(req, ctx) as Promise<ExchangeWatermarksResponse>,
            ),
        }
      : {}),
    ...(lie === "over-claim"
      ? {
          exchangeWatermarks: async (req, ctx) =>
            overClaimWatermarks(
              (await service.exchangeWatermarks(req, ctx)) as ExchangeWatermarksResponse,
              liar,
            ),
        }
      : {}),
  };
}
