// openStore(): the SQLite-backed ReplicaStore (store-api.ts). Every public
// method is one transaction; in-memory caches (stream states, dependency
// buffer index) follow the transaction's fate.
import { create } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  changeSigningBytes,
  PageStatus,
  type StreamHead,
  StreamWatermarkSchema,
} from "@tidemark/protocol";
import type { Database } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import { DEFAULT_HLC_MAX_OFFSET_MS, hlcTick, ReferenceClock } from "../hlc/index.js";
import { type StreamVerifier, sentByOrigin } from "../identity/verify.js";
import type { Clock } from "../ports.js";
import { maxDefined } from "../seq.js";
import { Applier, type TxContext } from "./applier.js";
import {
  DEFAULT_DEPENDENCY_LIMITS,
  DependencyBuffer,
  type DependencyLimits,
  type DependencyStats,
} from "./dep-buffer.js";
import { type HeadOutcome, StreamHeads } from "./heads.js";
import { assertId, idFromHex, idToHex, streamKeyString, toStreamId } from "./ids.js";
import { migrate } from "./migrations.js";
import { lastHeld, resequenceOwn, settled } from "./own-seqs.js";
import { type ResourceDef, resourceDef } from "./registry.js";
import { forgetUnbackedStreams } from "./repair.js";
import { changesOf, notHeldPage, servePage, streamItems } from "./serve.js";
import type {
  ApplyOptions,
  ApplyOutcome,
  CommittedBatch,
  ForgetOutcome,
  IdHex,
  LocalWrite,
  ReconcileItem,
  ReplicaStore,
  StreamKey,
} from "./store-api.js";
import { coverHeld, endPull, type StreamRow, StreamStates, toStreamState } from "./stream-state.js";

export type StoreOptions = {
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  readonly clock: Clock;
  /** Remote HLCs further ahead of our clock than this are rejected (default 5 min). */
  readonly hlcMaxOffsetMs?: number;
  /** SQLite page cache in MiB (default 64). */
  readonly cacheSizeMiB?: number;
  /** Most changes the dependency buffer holds (default 100 000). */
  readonly dependencyBufferMax?: number;
  /** The dependency buffer's other bounds (per origin, bytes); PROTOCOL.md §11 by default. */
  readonly dependencyLimits?: Partial<DependencyLimits>;
  /**
   * Signs own changes as they are committed or renumbered (PROTOCOL.md
   * §16): the ed25519 signature of the given bytes. Unset: own changes
   * carry no signature (bare stores of store-level tests).
   */
  readonly sign?: (message: Uint8Array) => Uint8Array;
  /** This device's raw public key, served with its changes as origin_key. */
  readonly publicKey?: Uint8Array;
  /** Checks received changes before any is applied (unset: not checked). */
  readonly verify?: StreamVerifier;
};

function defOf(resource: number): ResourceDef {
  const def = resourceDef(resource);
  if (!def) throw new EngineError(EngineErrorCode.Invalid, "unknown resource", { resource });
  return def;
}

/**
 * Opens (and migrates) a replica store on `db`. Sets WAL (file databases),
 * synchronous=NORMAL and foreign_keys=ON. Fails with Invalid when the
 * database belongs to another device or library.
 */
export function openStore(db: Database, opts: StoreOptions): ReplicaStore {
  return new SqliteStore(db, opts);
}

class SqliteStore implements ReplicaStore {
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  /** Unbacked stream rows an earlier version left, deleted at open (repair.ts). */
  readonly repairedStreams: number;
  private readonly self: Uint8Array;
  private readonly states: StreamStates;
  private readonly buffer: DependencyBuffer;
  private readonly applier: Applier;
  private readonly maxOffsetMs: number;
  private readonly library: Uint8Array;
  private readonly verify: StreamVerifier | undefined;
  private readonly keys: OriginKeys;
  private readonly heads: StreamHeads;
  private hlc: bigint;
  /**
   * Own commits advance the cursor (may be emitted) only while confirmed;
   * the replica holds them at open until every peer has been heard from
   * (own-seqs.ts). A bare store starts confirmed.
   */
  private ownConfirmed = true;
  private readonly saveHlc: (v: bigint) => void;
  /** Physical time for the HLC; its last persisted reading survives restarts. */
  private readonly reference: ReferenceClock;
  private savedFloor: number;
  private readonly saveFloor: (ms: number) => void;
  // Write transactions so far. reconcileItems() returns the same array
  // while nothing was written: a reconcile asks for all of a stream's items
  // once per round on each side (hundreds of rounds for a 170K-row stream).
  private writes = 0;
  private readonly itemsCache = new Map<
    string,
    { readonly writes: number; readonly items: readonly ReconcileItem[] }
  >();

  constructor(
    private readonly db: Database,
    opts: StoreOptions,
  ) {
    this.deviceId = opts.deviceId.toLowerCase();
    this.libraryId = opts.libraryId.toLowerCase();
    this.self = idFromHex(this.deviceId);
    idFromHex(this.libraryId);
    this.maxOffsetMs = opts.hlcMaxOffsetMs ?? DEFAULT_HLC_MAX_OFFSET_MS;
    if (!db.memory) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // The closure table and id-keyed B-trees are touched at many places per
    // write; a 2 MiB default cache turns bulk apply into page-cache misses.
    db.pragma(`cache_size = -${Math.round((opts.cacheSizeMiB ?? 64) * 1024)}`);
    db.pragma("temp_store = MEMORY");
    migrate(db);
    const getMeta = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().safeIntegers(true);
    const setMeta = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.saveHlc = (v) => setMeta.run("hlc", v);
    this.saveFloor = (ms) => setMeta.run("clock_floor", BigInt(Math.floor(ms)));
    const floor = getMeta.get("clock_floor") as bigint | undefined;
    this.savedFloor = floor === undefined ? 0 : Number(floor);
    this.reference = new ReferenceClock(opts.clock, this.savedFloor);
    this.hlc = db.transaction(() => {
      for (const [key, want] of [
        ["device_id", this.deviceId],
        ["library_id", this.libraryId],
      ] as const) {
        const have = getMeta.get(key) as string | undefined;
        if (have === undefined) setMeta.run(key, want);
        else if (have !== want) {
          throw new EngineError(EngineErrorCode.Invalid, `database belongs to another ${key}`, {
            have,
            want,
          });
        }
      }
      // B5: the HLC is restored from disk; a fresh store starts at "now", never 0.
      const stored = getMeta.get("hlc") as bigint | undefined;
      const h = stored ?? hlcTick(0n, this.reference.now());
      if (stored === undefined) setMeta.run("hlc", h);
      return h;
    })();
    this.repairedStreams = forgetUnbackedStreams(db, this.self);
    this.states = new StreamStates(db);
    this.buffer = new DependencyBuffer(db, {
      ...DEFAULT_DEPENDENCY_LIMITS,
      ...opts.dependencyLimits,
      ...(opts.dependencyBufferMax === undefined ? {} : { rows: opts.dependencyBufferMax }),
    });
    this.applier = new Applier(db, this.buffer);
    this.library = idFromHex(this.libraryId);
    this.verify = opts.verify;
    this.keys = new OriginKeys(db);
    this.heads = new StreamHeads(this.library, this.deviceId, opts.sign, (o) => this.keys.get(o));
    const sign = opts.sign;
    if (sign !== undefined) {
      this.applier.signOwn = (resource, change) =>
        sign(changeSigningBytes(this.library, this.self, resource, change));
      this.db.transaction(() => {
        if (opts.publicKey !== undefined) this.keys.remember(this.self, opts.publicKey);
        this.applier.signUnsigned(this.self);
      })();
    }
    // No pull survives a restart: one of another origin's stream cut by a
    // crash with nothing applied past the cursor (or past its gap-free
    // run) is over, as when its call fails; left "pulling" it would wait
    // for a source that may never come back. (Own streams keep theirs: the
    // rewind decides again, §3.7.)
    for (const st of this.states.all()) {
      if (
        st.pulling &&
        maxDefined(st.cursor, st.gapless) !== undefined &&
        st.key.origin !== this.deviceId
      )
        this.abandonPull(st.key);
    }
  }

  originKey(origin: IdHex): Uint8Array | undefined {
    return this.keys.get(idFromHex(origin));
  }

  noteHead(stream: StreamKey, head: StreamHead, carriedKey?: Uint8Array): HeadOutcome {
    const def = resourceDef(stream.resource);
    if (def === undefined) return { refused: "malformed" };
    const key = { origin: stream.origin.toLowerCase(), resource: def.resource };
    const origin = idFromHex(key.origin);
    const out = this.heads.verify(origin, def.resource, head, carriedKey);
    if ("refused" in out) return out;
    const st = this.states.get(streamKeyString(key));
    // Kept only for another origin's stream we hold (no state from claims,
    // §4 EW-1), and only when it raises the one kept.
    if (
      st !== undefined &&
      key.origin !== this.deviceId &&
      (st.signedHead === undefined || st.signedHead.seq < out.seq)
    ) {
      this.tx(() => {
        this.keys.remember(origin, out.key);
        this.states.touch(key, origin).signedHead = {
          seq: out.seq,
          signature: head.signature.slice(),
        };
      });
    }
    return { seq: out.seq };
  }

  verifiedHead(stream: StreamKey): bigint | undefined {
    const st = this.states.get(
      streamKeyString({ origin: stream.origin.toLowerCase(), resource: stream.resource }),
    );
    return st === undefined ? undefined : this.heads.verified(st);
  }

  /** Runs `fn` in one transaction; caches follow the outcome. */
  private tx<T>(fn: (ctx: TxContext) => T, local = false): T {
    this.writes++;
    const nowMs = this.reference.now();
    const ctx: TxContext = {
      nowMs,
      maxOffsetMs: this.maxOffsetMs,
      local,
      hlc: this.hlc,
      hlcDirty: false,
      known: new Map(),
      stream: (key, origin) => this.states.touch(key, origin),
    };
    try {
      const out = this.db.transaction(() => {
        const r = fn(ctx);
        this.states.flush();
        if (ctx.hlcDirty) this.saveHlc(ctx.hlc);
        // The reference clock's floor for the next run, at most once a second.
        if (nowMs - this.savedFloor >= 1_000) this.saveFloor(nowMs);
        return r;
      })();
      this.states.commit();
      this.hlc = ctx.hlc;
      if (nowMs - this.savedFloor >= 1_000) this.savedFloor = nowMs;
      return out;
    } catch (e) {
      this.states.rollback();
      this.applier.rollback();
      this.buffer.reload();
      throw e;
    }
  }

  commit(writes: readonly LocalWrite[]): CommittedBatch[] {
    if (writes.length === 0) return [];
    return this.tx((ctx) => {
      const batches = new Map<
        number,
        { st: StreamRow; prev: bigint | undefined; changes: Change[]; confirm: boolean }
      >();
      for (const w of writes) {
        const def = defOf(w.resource);
        assertId(w.rowId, "rowId");
        let batch = batches.get(def.resource);
        if (!batch) {
          const st = this.states.touch(
            { origin: this.deviceId, resource: def.resource },
            this.self,
          );
          // Confirmed and settled: the cursor follows (the changes may be
          // pushed). Otherwise they stay above it, unconfirmed (own-seqs.ts).
          const confirm = this.ownConfirmed && settled(st);
          batch = { st, prev: lastHeld(st), changes: [], confirm };
          batches.set(def.resource, batch);
        }
        const st = batch.st;
        // Never reuse a seq: continue after anything this stream ever held.
        const seq = (lastHeld(st) ?? 0n) + 1n;
        const init: Record<string, unknown> = { rowId: w.rowId, seq, body: w.body };
        if (def.ownership === "shared") {
          ctx.hlc = hlcTick(ctx.hlc, ctx.nowMs);
          ctx.hlcDirty = true;
          init.hlc = ctx.hlc;
        }
        const change = create(
          ChangeSchema,
          init as Parameters<typeof create<typeof ChangeSchema>>[1],
        );
        const sig = this.applier.signOwn?.(def.resource, change);
        if (sig !== undefined) change.signature = sig;
        this.applier.applyChange(st, def, change, ctx, true);
        st.head = seq;
        if (batch.confirm) coverHeld(st, seq);
        batch.changes.push(change);
      }
      // A local write must not leave a dangling parent: still held means missing.
      for (const b of this.buffer.size > 0 ? batches.values() : []) {
        for (const c of b.changes) {
          const held = this.buffer.get(b.st.keyString, idToHex(c.rowId));
          if (held?.change === c) {
            throw new EngineError(
              EngineErrorCode.Invalid,
              "a written row references a missing parent",
              {
                stream: b.st.keyString,
                parent: held.parentHex,
                seq: c.seq,
              },
            );
          }
        }
      }
      return [...batches.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, b]) => ({
          stream: b.st.key,
          prevSeq: b.prev,
          changes: b.changes,
          provisional: !b.confirm,
        }));
    }, true);
  }

  apply(stream: StreamKey, changes: readonly Change[], opts: ApplyOptions): ApplyOutcome {
    try {
      const def = defOf(stream.resource);
      const origin = idFromHex(stream.origin);
      const key: StreamKey = { origin: stream.origin.toLowerCase(), resource: def.resource };
      // Parents come ancestors first (their FK order), not in seq order.
      if (opts.mode !== "parents")
        checkOrder(changes, opts.mode === "chain" ? (opts.prevSeq ?? 0n) : undefined);
      // Every change signed by the stream's origin, or none applied (§16 SG-4);
      // sent by that origin itself over an authenticated channel: shape only (SG-8).
      const verifiedKey = this.verify?.({
        libraryId: this.library,
        origin,
        resource: def.resource,
        changes,
        originKey: opts.originKey,
        storedKey: this.keys.get(origin),
        sentByOrigin: sentByOrigin(opts.sentBy, key.origin, this.deviceId),
      });
      const known = this.states.get(streamKeyString(key));
      const before = known?.cursor;
      if (opts.mode === "chain") {
        const prev = opts.prevSeq ?? 0n;
        if (prev > (before ?? 0n)) {
          return { kind: "gap", cursor: before, expectedPrev: before };
        }
        // Mid-pull the cursor is frozen until finishPull: a chain that would
        // add anything past it is held back like a gap, whoever the caller.
        if (known?.pulling && changes.some((c) => c.seq > (before ?? 0n))) {
          return { kind: "gap", cursor: before, expectedPrev: before };
        }
      }
      // Parents fetched by id land only in a pull in progress: its cursor is
      // frozen and its finish must cover their seqs (PROTOCOL.md §3.6 RF-5).
      // A stream with no state yet is one whose first page was refused: the
      // parents start it, pulling, as that page would have.
      if (opts.mode === "parents" && known !== undefined && !known.pulling) {
        throw new EngineError(EngineErrorCode.Invalid, "parents apply only to a pulling stream", {
          stream: streamKeyString(key),
        });
      }
      return this.tx((ctx) => {
        if (verifiedKey !== undefined) this.keys.remember(origin, verifiedKey);
        const st = this.states.touch(key, origin);
        const cur = st.cursor ?? 0n;
        const top = changes.reduce<bigint | undefined>((m, c) => maxDefined(m, c.seq), undefined);
        // Our own stream pulled back: unconfirmed changes move out of the way first.
        if (key.origin === this.deviceId && top !== undefined) resequenceOwn(this.applier, st, top);
        let applied = 0;
        for (const c of changes) {
          if (opts.mode === "chain" && c.seq <= cur) continue;
          if (this.applier.applyChange(st, def, c, ctx)) applied++;
        }
        const last = changes[changes.length - 1]?.seq;
        st.maxApplied = maxDefined(st.maxApplied, top);
        if (opts.mode === "chain") {
          // Contiguous from the cursor; but never below seqs a pull already applied.
          if (last !== undefined && last > cur && st.maxApplied === last) coverHeld(st, last);
        } else if (opts.mode === "page" || known === undefined) {
          st.pulling = true;
          if (last !== undefined) {
            st.resumeAfter = last;
            // The resume point holds only with the source that served it (BF-19).
            st.resumeSource = opts.mode === "page" ? opts.source : undefined;
          }
          if (opts.mode === "page" && key.origin !== this.deviceId) extendGapless(st, changes);
        }
        return { kind: "applied", cursor: st.cursor, appliedCount: applied } as const;
      });
    } catch (e) {
      return { kind: "rejected", error: EngineError.from(e) };
    }
  }

  beginPull(stream: StreamKey): void {
    const def = defOf(stream.resource);
    const origin = idFromHex(stream.origin);
    const key = { origin: stream.origin.toLowerCase(), resource: def.resource };
    // No state from claims: a stream we hold nothing of stays unknown until
    // a page of it is applied (apply marks it pulling then). Our own streams
    // are ours to create: pulling one back blocks commits to it (§3.7).
    if (key.origin !== this.deviceId && this.states.get(streamKeyString(key)) === undefined) return;
    this.tx(() => {
      this.states.touch(key, origin).pulling = true;
    });
  }

  resumePullAfter(stream: StreamKey, afterSeq: bigint | undefined): void {
    const st0 = this.requireState(stream);
    if (st0 === undefined) return;
    this.tx(() => {
      const st = this.states.touch(st0.key, st0.origin);
      const atCursor = afterSeq === undefined || (st.cursor !== undefined && afterSeq <= st.cursor);
      st.resumeAfter = atCursor ? undefined : afterSeq;
      if (atCursor) st.resumeSource = undefined;
    });
  }

  finishPull(stream: StreamKey, completeThrough: bigint): ApplyOutcome {
    try {
      const def = defOf(stream.resource);
      const origin = idFromHex(stream.origin);
      if (completeThrough < 1n) {
        throw new EngineError(EngineErrorCode.Invalid, "complete_through must be >= 1", {});
      }
      const key = { origin: stream.origin.toLowerCase(), resource: def.resource };
      // A pull that applied nothing of a stream we never held proves only a
      // claim: the stream stays unknown (no cursor from claims).
      if (this.states.get(streamKeyString(key)) === undefined) {
        return { kind: "applied", cursor: undefined, appliedCount: 0 };
      }
      return this.tx(() => {
        const st = this.states.touch(key, origin);
        const own = st.key.origin === this.deviceId;
        // Own streams: the cursor is the confirmed head; unconfirmed changes
        // above it are not "applied", so they do not bound the finish.
        const floor = maxDefined(st.maxApplied, st.cursor);
        if (floor !== undefined && completeThrough < floor) {
          throw new EngineError(
            EngineErrorCode.CursorRegression,
            "responder's complete_through is below seqs already applied",
            { stream: st.keyString, completeThrough, maxApplied: floor },
          );
        }
        if (own) {
          resequenceOwn(this.applier, st, completeThrough);
          if (st.rewindHead !== undefined && completeThrough >= st.rewindHead)
            st.rewindHead = undefined;
          st.head = maxDefined(st.head, completeThrough);
        }
        coverHeld(st, completeThrough);
        endPull(st);
        return { kind: "applied", cursor: completeThrough, appliedCount: 0 } as const;
      });
    } catch (e) {
      return { kind: "rejected", error: EngineError.from(e) };
    }
  }

  abandonPull(stream: StreamKey): void {
    const key = streamKeyString({ origin: stream.origin.toLowerCase(), resource: stream.resource });
    const st = this.states.get(key);
    // Every seq applied received with no hole after the cursor: the pull
    // ends there, whatever source is left (§3.5 CU-5).
    if (st === undefined || !st.pulling) return;
    const reach = maxDefined(st.cursor, st.gapless);
    if ((st.maxApplied ?? 0n) > (reach ?? 0n)) return;
    if (reach !== undefined) {
      this.finishPull(stream, reach);
      return;
    }
    // Own changes not yet confirmed stay held (own-confirm settles them), but
    // the pull is over: left pulling, the stream would block confirmation.
    if (st.head !== undefined || st.rewindHead !== undefined) {
      this.tx(() => {
        this.states.touch(st.key, st.origin).pulling = false;
      });
      return;
    }
    // Never held anything: forget the row (a junk row, or an own stream a
    // peer claimed and could not serve: commits to it go on).
    this.tx(() => {
      this.db
        .prepare("DELETE FROM stream WHERE origin = ? AND resource = ?")
        .run(st.origin, st.key.resource);
    });
    this.states.reload();
  }

  forgetRows(stream: StreamKey, ids: readonly Uint8Array[], horizon: bigint): ForgetOutcome {
    try {
      const def = defOf(stream.resource);
      const st0 = this.requireState(stream);
      if (st0 === undefined || !st0.pulling) {
        throw new EngineError(
          EngineErrorCode.Invalid,
          "rows can be forgotten only during a full resync (stream pulling)",
          { stream: streamKeyString(stream) },
        );
      }
      return this.tx((ctx) => {
        const st = this.states.touch(st0.key, st0.origin);
        let todo = [...ids];
        const forgotten: Uint8Array[] = [];
        // A row still referenced by a child waits until its children in
        // `ids` are gone; passes stop when one makes no progress.
        for (let pass = 0; pass <= ids.length && todo.length > 0; pass++) {
          const next: Uint8Array[] = [];
          for (const id of todo) {
            const r = this.applier.forgetRow(st, def, id, horizon, ctx);
            if (r === "forgotten") forgotten.push(id);
            else if (r === "referenced") next.push(id);
          }
          if (next.length === todo.length) break;
          todo = next;
        }
        return { kind: "forgotten", forgotten, kept: todo } as const;
      });
    } catch (e) {
      return { kind: "rejected", error: EngineError.from(e) };
    }
  }

  changesAfter(
    stream: StreamKey,
    afterSeq: bigint | undefined,
    limits: { maxChanges: number; maxBytes: number },
    continued = false,
  ) {
    // A resource of a later version is one we hold nothing of (PROTOCOL.md §14).
    const def = resourceDef(stream.resource);
    if (def === undefined) return notHeldPage(stream);
    const st = this.states.get(
      streamKeyString({ origin: stream.origin.toLowerCase(), resource: def.resource }),
    );
    // An own stream holding changes above its cursor is not served (OR-1);
    // hidden since the call's first page, the call fails (BF-20, servePage).
    const served = st !== undefined && this.hidden(st) ? undefined : st;
    const page = servePage(
      this.applier.table(def.resource),
      this.buffer,
      stream,
      served,
      afterSeq,
      limits,
      continued,
    );
    // The stream's last page relays the highest head its origin signed (§5.2).
    if (served !== undefined && page.status === PageStatus.OK && page.streamDone) {
      const head = this.heads.statement(served);
      if (head !== undefined) page.head = head;
    }
    return page;
  }

  watermarks() {
    return this.sortedStates().map((s) =>
      this.hidden(s)
        ? // Listed without a cursor, as pulling: peers learn the stream
          // exists (nothing of it is safe to prune yet) but pull nothing.
          create(StreamWatermarkSchema, {
            stream: toStreamId(s.key),
            liveCount: BigInt(s.liveCount),
            fingerprint: s.fingerprint.slice(),
            pulling: true,
          })
        : create(StreamWatermarkSchema, {
            stream: toStreamId(s.key),
            ...(s.cursor !== undefined ? { cursor: s.cursor } : {}),
            liveCount: BigInt(s.liveCount),
            fingerprint: s.fingerprint.slice(),
            ...(s.horizon !== undefined ? { tombstoneHorizon: s.horizon } : {}),
            // The cursor is frozen mid-pull but the fingerprint is not: tell the
            // peer not to compare them (PROTOCOL.md §4.2).
            pulling: s.pulling,
            head: this.heads.statement(s),
          }),
    );
  }

  streamState(stream: StreamKey) {
    const s = this.states.get(
      streamKeyString({ origin: stream.origin.toLowerCase(), resource: stream.resource }),
    );
    return s ? toStreamState(s) : undefined;
  }

  streams() {
    return this.sortedStates().map(toStreamState);
  }

  reconcileItems(stream: StreamKey): readonly ReconcileItem[] {
    const st = this.requireState(stream);
    if (!st || this.hidden(st)) return [];
    const hit = this.itemsCache.get(st.keyString);
    if (hit !== undefined && hit.writes === this.writes) return hit.items;
    const items = Object.freeze(streamItems(this.applier.table(st.key.resource), this.buffer, st));
    // Bounded: a few streams reconcile at once at most.
    if (this.itemsCache.size >= 4) this.itemsCache.clear();
    this.itemsCache.set(st.keyString, { writes: this.writes, items });
    return items;
  }

  changesByIds(stream: StreamKey, ids: readonly Uint8Array[]) {
    const st = this.requireState(stream);
    return st && !this.hidden(st)
      ? changesOf(this.applier.table(st.key.resource), this.buffer, st, ids)
      : [];
  }

  pruneTombstones(stream: StreamKey, horizon: bigint): number {
    const st0 = this.requireState(stream);
    if (!st0 || st0.cursor === undefined) return 0;
    if (horizon > st0.cursor) {
      throw new EngineError(EngineErrorCode.Invalid, "cannot prune beyond the stream's cursor", {
        stream: st0.keyString,
        horizon,
        cursor: st0.cursor,
      });
    }
    return this.tx(() => {
      const st = this.states.touch(st0.key, st0.origin);
      const n = this.applier.table(st.key.resource).prune.run(st.origin, horizon).changes;
      st.horizon = maxDefined(st.horizon, horizon);
      return n;
    });
  }

  firstTombstoneFrom(stream: StreamKey, hlc: bigint): bigint | undefined {
    const st = this.requireState(stream);
    const stmt = st && this.applier.table(st.key.resource).youngTombstone;
    if (!st || stmt === undefined) return undefined;
    const row = stmt.get(st.origin, hlc) as [bigint | null] | undefined;
    return row?.[0] ?? undefined;
  }

  hlcNow(): bigint {
    return this.hlc;
  }

  get ownStreamsConfirmed(): boolean {
    return this.ownConfirmed;
  }

  holdOwnCommits(): void {
    this.ownConfirmed = false;
  }

  confirmOwnStreams(): StreamKey[] | undefined {
    const own = this.states.all().filter((s) => s.key.origin === this.deviceId);
    if (own.some((s) => s.pulling || s.rewindHead !== undefined)) return undefined;
    const moved = own.filter((s) => !settled(s)).map((s) => s.key);
    if (moved.length > 0) {
      this.tx(() => {
        for (const key of moved) {
          const st = this.states.touch(key, this.self);
          coverHeld(st, lastHeld(st));
        }
      });
    }
    this.ownConfirmed = true;
    return moved;
  }

  rewindOwn(stream: StreamKey, peerHead: bigint): number {
    const def = defOf(stream.resource);
    if (stream.origin.toLowerCase() !== this.deviceId) {
      throw new EngineError(EngineErrorCode.NotOrigin, "not one of this device's streams", {
        stream: streamKeyString(stream),
      });
    }
    return this.tx(() =>
      resequenceOwn(
        this.applier,
        this.states.touch({ origin: this.deviceId, resource: def.resource }, this.self),
        peerHead,
      ),
    );
  }

  reserveOwnSeqs(stream: StreamKey, through: bigint): number {
    const def = defOf(stream.resource);
    if (stream.origin.toLowerCase() !== this.deviceId || this.ownConfirmed) return 0;
    const st0 = this.states.get(streamKeyString({ origin: this.deviceId, resource: def.resource }));
    if (st0 !== undefined && (lastHeld(st0) ?? 0n) >= through) return 0;
    return this.tx(() => {
      const st = this.states.touch({ origin: this.deviceId, resource: def.resource }, this.self);
      const hole = st.rewindHead;
      const moved = resequenceOwn(this.applier, st, through);
      // A head is not rows served: nothing to pull back for it, no rewind hole.
      st.rewindHead = hole;
      st.head = maxDefined(st.head, through);
      return moved;
    });
  }

  physicalNow(): number {
    return this.reference.now();
  }

  awaitedParents(stream: StreamKey, max: number): Uint8Array[] {
    const key = streamKeyString({ origin: stream.origin.toLowerCase(), resource: stream.resource });
    return this.buffer.awaitedBy(key, max).map(idFromHex);
  }

  dependencyStats(): DependencyStats {
    return this.buffer.stats();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** An own stream with anything beyond its confirmed cursor: neither advertised nor served. */
  private hidden(st: StreamRow): boolean {
    return st.key.origin === this.deviceId && !settled(st);
  }

  private requireState(stream: StreamKey): StreamRow | undefined {
    const def = defOf(stream.resource);
    return this.states.get(
      streamKeyString({ origin: stream.origin.toLowerCase(), resource: def.resource }),
    );
  }

  private sortedStates(): StreamRow[] {
    return this.states
      .all()
      .sort(
        (a, b) =>
          a.key.resource - b.key.resource ||
          (a.key.origin < b.key.origin ? -1 : a.key.origin > b.key.origin ? 1 : 0),
      );
  }
}

/** Chains must be consecutive after prevSeq; pages strictly ascending. */
function checkOrder(changes: readonly Change[], prev: bigint | undefined): void {
  let last = prev;
  for (const c of changes) {
    const ok =
      prev !== undefined ? c.seq === (last as bigint) + 1n : last === undefined || c.seq > last;
    if (!ok) {
      throw new EngineError(
        EngineErrorCode.SeqOutOfOrder,
        prev !== undefined ? "chain seqs are not consecutive" : "page seqs are not ascending",
        { seq: c.seq, after: last },
      );
    }
    last = c.seq;
  }
}

/** Each origin's public key (PROTOCOL.md §16 SG-3), cached; written inside the caller's transaction. */
class OriginKeys {
  private readonly cache = new Map<string, Uint8Array | null>();
  private readonly select: import("better-sqlite3").Statement;
  private readonly insert: import("better-sqlite3").Statement;

  constructor(db: Database) {
    this.select = db.prepare("SELECT public_key FROM origin_key WHERE origin = ?").pluck();
    this.insert = db.prepare(
      "INSERT INTO origin_key (origin, public_key) VALUES (?, ?) ON CONFLICT (origin) DO NOTHING",
    );
  }

  get(origin: Uint8Array): Uint8Array | undefined {
    const hex = idToHex(origin);
    let k = this.cache.get(hex);
    if (k === undefined) {
      const v = this.select.get(origin) as Uint8Array | undefined;
      k = v === undefined ? null : new Uint8Array(v);
      this.cache.set(hex, k);
    }
    return k ?? undefined;
  }

  /** Keeps the first key seen for `origin` (the id derives from it, so there is one). */
  remember(origin: Uint8Array, key: Uint8Array): void {
    if (this.get(origin) !== undefined) return;
    this.insert.run(origin, key);
    this.cache.set(idToHex(origin), new Uint8Array(key));
  }
}

/**
 * A pulled page whose seqs run on, with no hole, from the last seq after
 * the cursor received that way (first seq <= it + 1): every seq through
 * the page's last is now received. A page with a hole leaves it (a later
 * page cannot bridge a hole: its seqs start past it).
 */
function extendGapless(st: StreamRow, changes: readonly Change[]): void {
  const from = maxDefined(st.cursor, st.gapless) ?? 0n;
  const first = changes[0]?.seq;
  const last = changes[changes.length - 1]?.seq;
  if (first === undefined || last === undefined || first > from + 1n || last <= from) return;
  for (let i = 1; i < changes.length; i++) {
    if ((changes[i] as Change).seq !== (changes[i - 1] as Change).seq + 1n) return;
  }
  st.gapless = last;
}
