// Per-stream state: cached in memory, written through inside the caller's
// transaction. Mutations go to copies ("dirty") that become the cache only
// when the transaction commits, so a rolled-back apply leaves no trace.
import type { Database, Statement } from "better-sqlite3";
import { FINGERPRINT_BYTES } from "../fingerprint/index.js";
import { idToHex, streamKeyString } from "./ids.js";
import type { ResumeSource, StreamKey, StreamState } from "./store-api.js";

export type StreamRow = {
  readonly key: StreamKey;
  readonly keyString: string;
  readonly origin: Uint8Array;
  cursor: bigint | undefined;
  liveCount: number;
  fingerprint: Uint8Array;
  horizon: bigint | undefined;
  maxApplied: bigint | undefined;
  /** Unfinished pull: resume after this seq (last page received in order). */
  resumeAfter: bigint | undefined;
  /**
   * The source that served the pages through `resumeAfter`, and its cursor
   * then: with any other (or after its cursor went back) the pull resumes
   * from the cursor's gap-free point instead (PROTOCOL.md §5.2 BF-19).
   */
  resumeSource: ResumeSource | undefined;
  /**
   * Unfinished pull of another origin's stream: every seq after the cursor
   * up to this one was received, no hole (PROTOCOL.md §3.5 CU-5).
   */
  gapless: bigint | undefined;
  /**
   * Unfinished pull: the highest seq at or below the cursor whose version a
   * pulled change above the cursor replaced. The stream as of the cursor is
   * no longer held for rows changed after it: nothing is promised to a
   * caller asking after a lower seq (PROTOCOL.md §5.2 BF-18).
   */
  pullReplaced: bigint | undefined;
  pulling: boolean;
  /** Own streams: the last seq this device assigned (confirmed or not). */
  head: bigint | undefined;
  /**
   * Own streams after a restore: the highest seq a peer holds above our
   * cursor; unconfirmed changes sit above it, (cursor, rewindHead] is
   * pulled back. Undefined otherwise.
   */
  rewindHead: bigint | undefined;
  /**
   * Other origins' streams: the highest head statement of the origin this
   * replica verified, with its signature (PROTOCOL.md §16 SG-9).
   */
  signedHead: { readonly seq: bigint; readonly signature: Uint8Array } | undefined;
};

type Raw = [
  Uint8Array,
  bigint,
  bigint | null,
  bigint,
  Uint8Array,
  bigint | null,
  bigint | null,
  bigint,
  bigint | null,
  bigint | null,
  bigint | null,
  bigint | null,
  Uint8Array | null,
  bigint | null,
  bigint | null,
  string | null,
  bigint | null,
];

const opt = (v: bigint | null): bigint | undefined => (v === null ? undefined : v);
const nul = (v: bigint | undefined): bigint | null => (v === undefined ? null : v);

function clone(r: StreamRow): StreamRow {
  return { ...r, fingerprint: r.fingerprint.slice() };
}

export class StreamStates {
  private readonly cache = new Map<string, StreamRow>();
  private readonly dirty = new Map<string, StreamRow>();
  private readonly upsert: Statement;
  private readonly selectAll: Statement;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO stream (origin, resource, cursor, live_count, fingerprint, horizon, max_applied, pulling, head, resume_after, rewind_head, signed_head, signed_head_sig, gapless_through, pull_replaced, resume_source, resume_source_cursor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (origin, resource) DO UPDATE SET cursor = excluded.cursor, live_count = excluded.live_count,
         fingerprint = excluded.fingerprint, horizon = excluded.horizon, max_applied = excluded.max_applied,
         pulling = excluded.pulling, head = excluded.head, resume_after = excluded.resume_after,
         rewind_head = excluded.rewind_head, signed_head = excluded.signed_head,
         signed_head_sig = excluded.signed_head_sig, gapless_through = excluded.gapless_through,
         pull_replaced = excluded.pull_replaced, resume_source = excluded.resume_source,
         resume_source_cursor = excluded.resume_source_cursor`,
    );
    this.selectAll = db
      .prepare(
        "SELECT origin, resource, cursor, live_count, fingerprint, horizon, max_applied, pulling, head, resume_after, rewind_head, signed_head, signed_head_sig, gapless_through, pull_replaced, resume_source, resume_source_cursor FROM stream",
      )
      .raw(true)
      .safeIntegers(true);
    this.reload();
  }

  /** Re-reads every stream from the database (after a rollback). */
  reload(): void {
    this.cache.clear();
    this.dirty.clear();
    for (const r of this.selectAll.all() as Raw[]) {
      const origin = new Uint8Array(r[0]);
      const key: StreamKey = { origin: idToHex(origin), resource: Number(r[1]) };
      this.cache.set(streamKeyString(key), {
        key,
        keyString: streamKeyString(key),
        origin,
        cursor: opt(r[2]),
        liveCount: Number(r[3]),
        fingerprint: new Uint8Array(r[4]),
        horizon: opt(r[5]),
        maxApplied: opt(r[6]),
        resumeAfter: opt(r[9]),
        resumeSource: r[15] === null ? undefined : { peer: r[15], cursor: opt(r[16]) },
        gapless: opt(r[13]),
        pullReplaced: opt(r[14]),
        pulling: r[7] !== 0n,
        head: opt(r[8]),
        rewindHead: opt(r[10]),
        signedHead:
          r[11] === null || r[12] === null
            ? undefined
            : { seq: r[11], signature: new Uint8Array(r[12]) },
      });
    }
  }

  /** Committed state of a stream (read-only use). */
  get(keyString: string): StreamRow | undefined {
    return this.dirty.get(keyString) ?? this.cache.get(keyString);
  }

  all(): StreamRow[] {
    const merged = new Map(this.cache);
    for (const [k, v] of this.dirty) merged.set(k, v);
    return [...merged.values()];
  }

  /** A mutable copy for the current transaction, created empty if unknown. */
  touch(key: StreamKey, origin: Uint8Array): StreamRow {
    const ks = streamKeyString(key);
    let row = this.dirty.get(ks);
    if (row) return row;
    const base = this.cache.get(ks);
    row = base
      ? clone(base)
      : {
          key,
          keyString: ks,
          origin,
          cursor: undefined,
          liveCount: 0,
          fingerprint: new Uint8Array(FINGERPRINT_BYTES),
          horizon: undefined,
          maxApplied: undefined,
          resumeAfter: undefined,
          resumeSource: undefined,
          gapless: undefined,
          pullReplaced: undefined,
          pulling: false,
          head: undefined,
          rewindHead: undefined,
          signedHead: undefined,
        };
    this.dirty.set(ks, row);
    return row;
  }

  /** Writes dirty rows; call last inside the transaction. */
  flush(): void {
    for (const r of this.dirty.values()) {
      this.upsert.run(
        r.origin,
        r.key.resource,
        nul(r.cursor),
        r.liveCount,
        r.fingerprint,
        nul(r.horizon),
        nul(r.maxApplied),
        r.pulling ? 1 : 0,
        nul(r.head),
        nul(r.resumeAfter),
        nul(r.rewindHead),
        r.signedHead === undefined ? null : r.signedHead.seq,
        r.signedHead === undefined ? null : r.signedHead.signature,
        nul(r.gapless),
        nul(r.pullReplaced),
        r.resumeSource?.peer ?? null,
        nul(r.resumeSource?.cursor),
      );
    }
  }

  /** After COMMIT: the dirty copies become the cache. */
  commit(): void {
    for (const [k, v] of this.dirty) this.cache.set(k, v);
    this.dirty.clear();
  }

  /** After ROLLBACK: forget the dirty copies. */
  rollback(): void {
    this.dirty.clear();
  }
}

/** Public view of a stream row. */
export function toStreamState(r: StreamRow): StreamState {
  return {
    stream: r.key,
    cursor: r.cursor,
    liveCount: BigInt(r.liveCount),
    fingerprint: r.fingerprint.slice(),
    tombstoneHorizon: r.horizon,
    maxAppliedSeq: r.maxApplied,
    resumeAfterSeq: r.resumeAfter,
    resumeSource: r.resumeSource,
    gaplessSeq: r.gapless,
    headSeq: r.head,
    pulling: r.pulling,
  };
}

/**
 * The cursor moves to `cursor`, and everything held is at or below it
 * again: no pulled or own change above it replaced a version below
 * (PROTOCOL.md §5.2 BF-18).
 */
export function coverHeld(st: StreamRow, cursor: bigint | undefined): void {
  st.cursor = cursor;
  st.maxApplied = cursor;
  st.pullReplaced = undefined;
}

/** An unfinished pull is over: nothing to resume, from no source. */
export function endPull(st: StreamRow): void {
  st.resumeAfter = undefined;
  st.resumeSource = undefined;
  st.gapless = undefined;
  st.pulling = false;
}
