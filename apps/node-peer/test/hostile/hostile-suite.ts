// The hostile-peer suite (issue 14): a victim and an honest peer (real
// PeerNodes on the product's mutual-TLS HTTP/2 listeners on 127.0.0.1),
// and an attacker — a paired device with a certificate of its own, never
// dialled — that sends fast-check-generated hostile messages on every RPC,
// then random and truncated bytes on every RPC and protocol (raw HTTP/2
// over TLS with its certificate). Some are sent naming another device
// (refused: DEVICE_MISMATCH) or from a certificate nobody paired (refused
// at the gate: NOT_PAIRED); a refused case must leave the victim's streams
// as they were. After each case: the answer is a typed error (a Connect
// code from the protocol's set with an ErrorDetail) or a documented no-op;
// the victim answers its honest peer's Hello; its held bytes, buffered
// rows, streams, DB and RSS are within bounds; and every few cases the
// honest peer writes and both converge (fingerprints). Then a paired liar
// answers the victim's own calls with lies. Bounded for `pnpm test`,
// longer under soak.ts.
import { statSync } from "node:fs";
import type { SecureClientSessionOptions } from "node:http2";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ReplicaBounds, SyncClient } from "@tidemark/engine";
import {
  AckStatus,
  ErrorDetailSchema,
  ErrorReason,
  PageStatus,
  Resource,
  type StreamBatch,
  SyncService,
  TagSchema,
} from "@tidemark/protocol";
import fc from "fast-check";
import { waitFor } from "../../src/demo/processes.js";
import { fromHex, toHex, uuidv7 } from "../../src/ids.js";
import type { WireProtocol } from "../../src/net/wire-errors.js";
import {
  converged,
  type InProcessPeer,
  indexTree,
  metric,
  pair,
  startInProcessPeer,
  streamLines,
} from "../support/in-process-peer.js";
import { CONTENT_TYPE, envelope, errorOf, rawPost } from "../support/raw-h2.js";
import { testDevice } from "../support/signing.js";
import { clientAs, credentialsOf, pairCaller, rawTlsAs } from "../support/tls-caller.js";
import { type Attack, arbAttack, arbVia, type Via, type World } from "./attacks.js";
import { arbLie, type Liar, type Lie, startLiar } from "./liar.js";

export type SuiteOptions = {
  /** Hostile messages (fast-check runs). */
  readonly messages: number;
  /** Random or truncated byte strings. */
  readonly bytes: number;
  /** Lies the victim is told as the caller (a paired liar answers its exchanges and pulls). */
  readonly lies: number;
  /** Longest generated list (watermarks, streams). */
  readonly maxList: number;
  /** The honest peer writes and both must converge every this many cases. */
  readonly convergeEvery: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
};

export type SuiteReport = {
  readonly cases: number;
  readonly seed: number;
  /** Outcome counts, e.g. "pushChanges ok", "backfill invalid_argument". */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly convergenceChecks: number;
  readonly peakRssMiB: number;
  readonly dbGrowthMiB: number;
  readonly peakHeldBytes: number;
  readonly peakBufferedRows: number;
  /** Bounds the victim reached (tidemark_limit_breaches_total and the listener's), by limit. */
  readonly breaches: Readonly<Record<string, number>>;
  readonly seconds: number;
};

/** Lowered so a bounded run reaches them; every one is checked after each case. */
export const SUITE_BOUNDS: Partial<ReplicaBounds> = {
  heldRealtimeBytesPerPeer: 32 * 1024,
  heldRealtimeBytes: 96 * 1024,
  dependencyRows: 200,
  dependencyRowsPerOrigin: 60,
  dependencyBytesPerOrigin: 48 * 1024,
  dependencyBytes: 160 * 1024,
};

/** Codes a refusal may carry: the caller's fault or a bound, never ours. */
const TYPED = new Set([
  Code.InvalidArgument,
  Code.ResourceExhausted,
  Code.FailedPrecondition,
  Code.PermissionDenied,
]);

/** One way into the victim: a Connect client and raw HTTP/2 options, both over TLS as one device. */
type Caller = {
  readonly client: SyncClient;
  readonly raw: SecureClientSessionOptions;
};

type Ctx = {
  readonly victim: InProcessPeer;
  readonly honest: InProcessPeer;
  readonly world: World;
  /** The paired attacker, a certificate nobody paired, and the honest peer (Hello after each case). */
  readonly via: Readonly<Record<Via, Caller>>;
  readonly honestClient: SyncClient;
  readonly liar: Liar;
  readonly outcomes: Map<string, number>;
  readonly baseline: { readonly rss: number; readonly db: number };
  peaks: { rss: number; db: number; held: number; rows: number };
  cases: number;
  convergenceChecks: number;
};

export async function runHostileSuite(opts: SuiteOptions): Promise<SuiteReport> {
  const t0 = Date.now();
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const log = opts.log ?? (() => undefined);
  log(`hostile suite: seed ${seed} (replay with HOSTILE_SEED=${seed})`);
  const victim = await startInProcessPeer({ name: "victim", bounds: SUITE_BOUNDS });
  const honest = await startInProcessPeer({ name: "honest", libraryId: victim.libraryId });
  const liar = await startLiar(victim.libraryId);
  try {
    const ctx = await setUp(victim, honest, liar, opts.maxList);
    await fc.assert(
      fc.asyncProperty(arbAttack(ctx.world), arbVia(), async (attack, via) => {
        const label = `${attack.rpc}${via === "unpaired" ? " (unpaired)" : ""}`;
        await oneCase(ctx, label, () => send(ctx, attack, via), mustRefuse(ctx, attack, via));
        if (ctx.cases % opts.convergeEvery === 0) await stillConverges(ctx);
      }),
      { numRuns: opts.messages, seed, endOnFailure: true },
    );
    await fc.assert(
      fc.asyncProperty(arbBytes(ctx.world), arbVia(), async (b, via) => {
        const label = `bytes ${b.rpc}${via === "unpaired" ? " (unpaired)" : ""}`;
        const gate = via === "unpaired" ? ErrorReason.NOT_PAIRED : undefined;
        await oneCase(ctx, label, () => sendBytes(ctx, b, via), gate);
        if (ctx.cases % opts.convergeEvery === 0) await stillConverges(ctx);
      }),
      { numRuns: opts.bytes, seed: seed + 1, endOnFailure: true },
    );
    // The lies make the victim write: the attacker, never dialled, would
    // hold those writes for good (PROTOCOL.md §3.7), so it is unpaired
    // first, as a user would once a device is gone.
    victim.node.removePeer(toHex(ctx.world.registered));
    await fc.assert(
      fc.asyncProperty(arbLie(ctx.world.victim), async (lie) => {
        await oneCase(ctx, `lie ${PageStatus[lie.status]}`, () => tellLie(ctx, lie));
        if (ctx.cases % opts.convergeEvery === 0) await stillConverges(ctx);
      }),
      { numRuns: opts.lies, seed: seed + 2, endOnFailure: true },
    );
    await stillConverges(ctx);
    return {
      cases: ctx.cases,
      seed,
      outcomes: Object.fromEntries([...ctx.outcomes].sort()),
      convergenceChecks: ctx.convergenceChecks,
      peakRssMiB: Math.round(ctx.peaks.rss / 2 ** 20),
      dbGrowthMiB: Math.round(((ctx.peaks.db - ctx.baseline.db) / 2 ** 20) * 10) / 10,
      peakHeldBytes: ctx.peaks.held,
      peakBufferedRows: ctx.peaks.rows,
      breaches: breachesOf(victim),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    await Promise.allSettled([victim.close(), honest.close(), liar.peer.close()]);
  }
}

/** The paired-but-hostile device: a key and certificate of its own, so it can sign its pushes. */
const REGISTERED = testDevice("registered");
/** A device nobody paired: every call of its certificate is refused at the gate. */
const STRANGER = testDevice("stranger");

async function setUp(
  victim: InProcessPeer,
  honest: InProcessPeer,
  liar: Liar,
  maxList: number,
): Promise<Ctx> {
  pair(victim, honest);
  await indexTree(victim, "v", 40);
  await indexTree(honest, "h", 40);
  await converged([victim, honest], [victim.deviceId, honest.deviceId]);
  // The attacker: paired for its calls, never dialled ("paired but hostile").
  const registered = REGISTERED.id;
  const attacker = await pairCaller(victim, REGISTERED);
  const stranger = await STRANGER.credentials();
  // A paired peer that answers, and lies when a case tells it to; it lets the victim in.
  victim.node.addPeer({ url: liar.peer.url, deviceId: liar.peer.deviceId, name: "liar" });
  liar.peer.node.pinIncoming([victim.deviceId]);
  const baseline = { rss: process.memoryUsage().rss, db: dbBytes(victim) };
  return {
    victim,
    honest,
    via: {
      paired: { client: attacker, raw: rawTlsAs(victim, await REGISTERED.credentials()) },
      unpaired: { client: clientAs(victim, stranger), raw: rawTlsAs(victim, stranger) },
    },
    honestClient: clientAs(victim, credentialsOf(honest)),
    liar,
    world: {
      library: fromHex(victim.libraryId),
      victim: fromHex(victim.deviceId),
      honest: fromHex(honest.deviceId),
      registered,
      maxList,
    },
    outcomes: new Map(),
    baseline,
    peaks: { ...baseline, held: 0, rows: 0 },
    cases: 0,
    convergenceChecks: 0,
  };
}

function breachesOf(p: InProcessPeer): Record<string, number> {
  const out: Record<string, number> = {};
  const all = { ...p.node.replica.metrics().values, ...p.node.hostMetrics.values() };
  for (const [key, value] of Object.entries(all)) {
    const limit = /limit_breaches_total\{.*limit="([^"]+)"/.exec(key)?.[1];
    if (limit !== undefined) out[limit] = (out[limit] ?? 0) + value;
  }
  return out;
}

function dbBytes(p: InProcessPeer): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  const db = p.node.paths.db;
  return size(db) + size(`${db}-wal`);
}

/** Runs one case: its outcome is typed, and the victim is within bounds and answers. */
async function oneCase(
  ctx: Ctx,
  label: string,
  call: () => Promise<string>,
  mustRefuse?: ErrorReason,
): Promise<void> {
  ctx.cases++;
  const outcome =
    mustRefuse === undefined ? await outcomeOf(call) : await refusedAlone(ctx, call, mustRefuse);
  const key = `${label} ${outcome}`;
  ctx.outcomes.set(key, (ctx.outcomes.get(key) ?? 0) + 1);
  await answersHello(ctx);
  withinBounds(ctx);
}

async function outcomeOf(call: () => Promise<string>): Promise<string> {
  try {
    return await call();
  } catch (err) {
    return refusal(err);
  }
}

/**
 * A case the victim must refuse with `reason` (the gate, AU-2, AU-5):
 * refused so, and nothing of it held or written — every stream as before.
 */
async function refusedAlone(
  ctx: Ctx,
  call: () => Promise<string>,
  reason: ErrorReason,
): Promise<string> {
  await ctx.victim.node.replica.idle();
  const before = streamLines(ctx.victim);
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`answered; it must be refused (${ErrorReason[reason]})`);
  const code = refusal(err);
  const got =
    err instanceof ConnectError ? err.findDetails(ErrorDetailSchema)[0]?.reason : undefined;
  if (got !== reason) {
    throw new Error(
      `expected a refusal ${ErrorReason[reason]}, got ${code} ${got === undefined ? "?" : ErrorReason[got]}`,
    );
  }
  await ctx.victim.node.replica.idle();
  const after = streamLines(ctx.victim);
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    throw new Error(`a refused ${ErrorReason[reason]} call changed the victim's streams`);
  }
  return `${code} ${ErrorReason[reason]}`;
}

/** The refusal an attack must meet, if any: from a stranger, naming another device, relaying. */
function mustRefuse(ctx: Ctx, attack: Attack, via: Via): ErrorReason | undefined {
  if (via === "unpaired") return ErrorReason.NOT_PAIRED;
  const me = toHex(ctx.world.registered);
  if (toHex(attack.req.deviceId) !== me) return ErrorReason.DEVICE_MISMATCH;
  if (
    attack.rpc === "pushChanges" &&
    attack.req.batches.some((b) => toHex(b.stream?.origin ?? new Uint8Array()) !== me)
  )
    return ErrorReason.NOT_ORIGIN;
  return undefined;
}

/** "<code>" for a typed refusal; throws for anything else (the case fails). */
function refusal(err: unknown): string {
  if (!(err instanceof ConnectError)) throw err;
  const detail = err.findDetails(ErrorDetailSchema)[0];
  if (!TYPED.has(err.code) || detail === undefined) {
    throw new Error(
      `untyped refusal: [${Code[err.code]}] ${err.rawMessage} (detail: ${detail === undefined ? "none" : ErrorReason[detail.reason]})`,
    );
  }
  return Code[err.code] ?? String(err.code);
}

async function send(ctx: Ctx, attack: Attack, via: Via): Promise<string> {
  const c = ctx.via[via].client;
  const opts = { timeoutMs: 20_000 };
  switch (attack.rpc) {
    case "hello":
      await c.hello(attack.req, opts);
      return "ok";
    case "exchangeWatermarks":
      await c.exchangeWatermarks(attack.req, opts);
      return "ok";
    case "notifyDataAvailable":
      await c.notifyDataAvailable(attack.req, opts);
      return "ok";
    case "reconcile":
      await c.reconcile(attack.req, opts);
      return "ok";
    case "pushChanges": {
      if (attack.chain) continueChains(ctx, attack.req.batches);
      // The attacker signs what it pushes (PROTOCOL.md §16), so its own
      // pushes reach the bounds; other origins' rows it relays are signed
      // by it too, not by their origin (refused whole, AU-5, AU-6).
      if (Buffer.from(attack.req.deviceId).equals(Buffer.from(REGISTERED.id)))
        attack.req.batches = REGISTERED.signed(ctx.world.library, attack.req.batches);
      const res = await c.pushChanges(attack.req, opts);
      const known = new Set([AckStatus.APPLIED, AckStatus.HELD, AckStatus.GAP, AckStatus.DROPPED]);
      if (
        res.acks.length !== attack.req.batches.length ||
        res.acks.some((a) => !known.has(a.status))
      ) {
        throw new Error(
          `push answered ${res.acks.length} acks for ${attack.req.batches.length} batches`,
        );
      }
      return "ok";
    }
    case "backfill": {
      let pages = 0;
      for await (const page of c.backfill(attack.req, opts)) {
        if (page.status === PageStatus.UNSPECIFIED)
          throw new Error("backfill page without a status");
        // A hostile request must not make us stream without end.
        if (++pages > 100_000) throw new Error("backfill did not end");
      }
      return "ok";
    }
  }
}

/**
 * Renumbers batches to continue what the victim holds of their streams, so
 * one origin's rows accumulate (missing parents fill the buffer) instead
 * of repeating seqs it already has.
 */
function continueChains(ctx: Ctx, batches: StreamBatch[]): void {
  const cursors = new Map<string, bigint>();
  for (const s of ctx.victim.node.replica.status().streams) {
    if (s.cursor !== undefined) cursors.set(`${s.stream.origin}/${s.stream.resource}`, s.cursor);
  }
  for (const b of batches) {
    if (b.stream === undefined) continue;
    const cursor = cursors.get(`${toHex(b.stream.origin)}/${b.stream.resource}`) ?? 0n;
    if (cursor === 0n) delete (b as { prevSeq?: bigint }).prevSeq;
    else b.prevSeq = cursor;
    b.changes.forEach((c, i) => {
      c.seq = cursor + 1n + BigInt(i);
    });
  }
}

/**
 * The victim, holding a new own commit until it hears from the liar (as
 * after pairing it), asks the liar for its watermarks and pulls what the
 * lie claims. Whatever the lie, the victim's own seqs stay its own
 * (withinBounds, after the case); a claim the liar backs with nothing is
 * refuted, one whose pulls fail holds the victim's new writes only while
 * the liar goes on lying (PROTOCOL.md §3.5 rule 5, §3.7): once it answers
 * honestly they no longer wait on it.
 */
async function tellLie(ctx: Ctx, lie: Lie): Promise<string> {
  const replica = ctx.victim.node.replica;
  const liar = ctx.liar.peer.deviceId;
  const exchanges = () => metric(ctx.victim, "tidemark_exchanges_total", { peer: liar });
  replica.removePeer(liar);
  replica.addPeer(liar);
  replica.commit([
    {
      resource: Resource.TAG,
      rowId: uuidv7(),
      body: { case: "tag", value: create(TagSchema, { name: `v${ctx.cases}`, color: "red" }) },
    },
  ]);
  const before = exchanges();
  ctx.liar.tell(lie);
  try {
    replica.peerConnected(liar);
    await waitFor(
      "the victim to hear the lie",
      () => (exchanges() > before ? true : undefined),
      30_000,
      25,
    );
    await replica.idle();
  } finally {
    ctx.liar.tell(undefined);
  }
  const after = exchanges();
  replica.peerDisconnected(liar);
  replica.peerConnected(liar);
  await waitFor(
    "the victim's own writes to stop waiting on the liar, honest again",
    () =>
      exchanges() > after && !replica.status().own.waits.some((w) => w.peer === liar)
        ? true
        : undefined,
    60_000,
    25,
  );
  return "ok";
}

/** The victim still answers its honest peer. */
async function answersHello(ctx: Ctx): Promise<void> {
  const res = await ctx.honestClient.hello(
    { libraryId: ctx.world.library, deviceId: ctx.world.honest, protocolVersion: 1 },
    { timeoutMs: 10_000 },
  );
  if (res.protocolVersion !== 1) throw new Error("Hello answered another version");
}

/** Every bound the victim was given, and no stream from claims alone. */
function withinBounds(ctx: Ctx): void {
  const { victim } = ctx;
  const held = metric(victim, "tidemark_held_realtime_bytes");
  const rows = metric(victim, "tidemark_dependency_buffer_rows");
  const bytes = metric(victim, "tidemark_dependency_buffer_bytes");
  const b = SUITE_BOUNDS as Required<typeof SUITE_BOUNDS>;
  const broken = [
    held > b.heldRealtimeBytes && `held realtime bytes ${held} > ${b.heldRealtimeBytes}`,
    rows > b.dependencyRows && `buffered rows ${rows} > ${b.dependencyRows}`,
    bytes > b.dependencyBytes && `buffered bytes ${bytes} > ${b.dependencyBytes}`,
  ].filter((x): x is string => typeof x === "string");
  for (const s of victim.node.replica.status().streams) {
    // Known only by holding something: a cursor, a row, or a page applied.
    if (
      s.cursor === undefined &&
      s.liveCount === 0n &&
      s.maxAppliedSeq === undefined &&
      !s.pulling
    ) {
      broken.push(`stream ${s.stream.origin}/${s.stream.resource} holds nothing`);
    }
  }
  // No claim moves our own seqs: only rows a peer serves do (issue 14).
  const own = victim.node.replica.status().own;
  if (own.unconfirmedSeqs > 2n ** 32n) broken.push(`own seqs jumped: ${own.unconfirmedSeqs}`);
  for (const s of victim.node.replica.status().streams) {
    if (s.stream.origin !== victim.deviceId) continue;
    const top = s.headSeq ?? s.cursor ?? 0n;
    if (top > 2n ** 32n) broken.push(`own stream ${s.stream.resource} moved to ${top}`);
  }
  const db = dbBytes(victim);
  // Everything the attacker can make us write is bounded by the buffer's
  // bytes and what it may legitimately write as its own origin (small per
  // case); SQLite's pages and WAL add a constant.
  const dbBound = ctx.baseline.db + 4 * b.dependencyBytes + ctx.cases * 256 * 1024 + 64 * 2 ** 20;
  if (db > dbBound) broken.push(`database ${db} B > ${dbBound} B`);
  const rss = process.memoryUsage().rss;
  if (rss > ctx.baseline.rss + 1024 * 2 ** 20) broken.push(`RSS ${rss} B grew over 1 GiB`);
  ctx.peaks = {
    rss: Math.max(ctx.peaks.rss, rss),
    db: Math.max(ctx.peaks.db, db),
    held: Math.max(ctx.peaks.held, held),
    rows: Math.max(ctx.peaks.rows, rows),
  };
  if (broken.length > 0) throw new Error(`victim out of bounds: ${broken.join("; ")}`);
}

/** The honest peer writes; both still converge on the honest origins' streams. */
async function stillConverges(ctx: Ctx): Promise<void> {
  ctx.convergenceChecks++;
  ctx.honest.node.replica.commit([
    {
      resource: Resource.TAG,
      rowId: uuidv7(),
      body: { case: "tag", value: create(TagSchema, { name: `t${ctx.cases}`, color: "blue" }) },
    },
  ]);
  await converged([ctx.victim, ctx.honest], [ctx.victim.deviceId, ctx.honest.deviceId], 60_000);
}

type Bytes = { readonly rpc: string; readonly protocol: WireProtocol; readonly body: Uint8Array };

const PROTOCOLS: readonly WireProtocol[] = ["connect-unary", "connect-stream", "grpc", "grpc-web"];

/** Random bytes, or a hostile message cut short, for any RPC on any protocol that serves it. */
function arbBytes(w: World): fc.Arbitrary<Bytes> {
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    arbAttack(w).chain((a) => {
      const bytes = toBinary(schemaOf(a), a.req as never);
      return fc.nat({ max: Math.max(0, bytes.length - 1) }).map((n) => bytes.subarray(0, n));
    }),
  );
  const methods = SyncService.methods.map((m) => ({
    name: m.name,
    streaming: m.methodKind === "server_streaming",
  }));
  return fc
    .record({
      method: fc.constantFrom(...methods),
      protocol: fc.constantFrom(...PROTOCOLS),
      payload,
      framing: fc.boolean(),
    })
    .filter(({ method, protocol }) =>
      protocol === "connect-unary"
        ? !method.streaming
        : protocol === "connect-stream"
          ? method.streaming
          : true,
    )
    .map(({ method, protocol, payload, framing }) => ({
      rpc: method.name,
      protocol,
      // Enveloped protocols: usually a proper envelope, sometimes the bare bytes.
      body: protocol === "connect-unary" || !framing ? payload : envelope(payload),
    }));
}

function schemaOf(a: Attack): DescMessage {
  const m = SyncService.methods.find((x) => x.input.typeName === a.req.$typeName);
  if (m === undefined) throw new Error(`no method takes ${a.req.$typeName}`);
  return m.input;
}

async function sendBytes(ctx: Ctx, b: Bytes, via: Via): Promise<string> {
  const answer = await rawPost(
    ctx.victim.url,
    `/${SyncService.typeName}/${b.rpc}`,
    CONTENT_TYPE[b.protocol],
    b.body,
    20_000,
    ctx.via[via].raw,
  );
  const err = errorOf(b.protocol, answer);
  if (err !== undefined) throw err;
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status} without a Connect error`);
  return "ok";
}
