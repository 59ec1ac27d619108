// What the simulator knows was committed: every change every origin's
// commit returned, per stream and seq. Properties use it to tell a
// legitimate state from a resurrected delete or a leapfrogged cursor, and
// corruption faults use row history to revert a row to an older version.
// A seq committed twice with different content is recorded as a reuse
// (DESIGN §3: an origin never reuses a seq), never silently overwritten,
// when some replica other than the origin applied or held the first
// change at that seq. One no replica ever held (e.g. refused under the
// clock rule) is gone from the world: the second change takes its place
// (PROTOCOL §3.7, what the rule cannot see).
import { addInto, idFromHex, itemHash, streamKeyString, subInto } from "@tidemark/engine";
import { canonicalRow } from "./probe/row-version.js";
import type { CommittedBatch, RowVersion, StreamRef } from "./probe/types.js";

/** A seq an origin handed out twice, with different content. */
export type SeqReuse = {
  readonly stream: string;
  readonly seq: bigint;
  readonly first: RowVersion;
  readonly second: RowVersion;
};

/** An origin's write whose HLC was not past the one it wrote before (S6: HLC monotone per device). */
export type HlcRegression = {
  readonly origin: string;
  readonly before: bigint;
  readonly after: RowVersion;
};

/** Fingerprint and live count of a stream's entries after each seq (for cheap checks). */
type Summary = {
  seqs: bigint[];
  fps: string[];
  counts: number[];
  /** Row -> the latest seq applied to the running state, and whether live. */
  live: Map<string, bigint>;
  acc: Uint8Array;
  count: number;
  dirty: boolean;
};

export class Oracle {
  /** stream key -> seq -> change. */
  readonly streams = new Map<string, Map<bigint, RowVersion>>();
  private readonly summaries = new Map<string, Summary>();
  readonly reuses: SeqReuse[] = [];
  /** Seqs handed out again after no replica held their first change (§3.7): no violation. */
  readonly unseenReuses: SeqReuse[] = [];
  /** stream key -> highest seq a replica other than the origin held (cursor or applied). */
  private readonly heldThrough = new Map<string, bigint>();
  /** stream key -> seqs above heldThrough a replica held (e.g. buffered for a parent). */
  private readonly heldSeqs = new Map<string, Set<bigint>>();
  readonly hlcRegressions: HlcRegression[] = [];
  /** Origin -> the HLC of its last shared write (since its last restore). */
  private readonly lastWrittenHlc = new Map<string, bigint>();
  /** stream key -> row -> its latest unconfirmed version (no final seq yet). */
  private readonly pending = new Map<string, Map<string, RowVersion>>();
  commits = 0;
  changes = 0;

  private changesOf(key: string): Map<bigint, RowVersion> {
    let m = this.streams.get(key);
    if (m === undefined) {
      m = new Map();
      this.streams.set(key, m);
    }
    return m;
  }

  /**
   * Records one commit's batches (as the origin's probe returned them).
   * Provisional batches are left for ingestOwn: their seqs may still move.
   */
  record(batches: readonly CommittedBatch[]): void {
    this.commits++;
    for (const b of batches) {
      const key = streamKeyString(b.stream);
      if (b.provisional === true) {
        this.holdPending(key, b.changes);
        continue;
      }
      this.learn(key, b.changes);
    }
  }

  /**
   * A device's own writes, in commit order: each shared change must carry
   * an HLC past every one it wrote before (strict: two writes of one
   * device sharing an HLC cannot be ordered by last-writer-wins).
   */
  noteOwnWrites(batches: readonly CommittedBatch[]): void {
    for (const b of batches) {
      for (const c of b.changes) {
        if (c.hlc === undefined) continue;
        const before = this.lastWrittenHlc.get(b.stream.origin);
        if (before !== undefined && c.hlc <= before)
          this.hlcRegressions.push({ origin: b.stream.origin, before, after: c });
        if (before === undefined || c.hlc > before) this.lastWrittenHlc.set(b.stream.origin, c.hlc);
      }
    }
  }

  /** A restore from a backup legitimately takes the device's HLC back to the backup's. */
  forgetWrittenHlc(origin: string): void {
    this.lastWrittenHlc.delete(origin);
  }

  private holdPending(key: string, changes: readonly RowVersion[]): void {
    let rows = this.pending.get(key);
    if (rows === undefined) {
      rows = new Map();
      this.pending.set(key, rows);
    }
    for (const c of changes) rows.set(c.id, c);
  }

  /** Streams of `origin` with unconfirmed changes the oracle has not placed yet. */
  pendingStreams(origin: string): StreamRef[] {
    return [...this.pending.keys()]
      .map((k) => {
        const [o, r] = k.split("/");
        return { origin: o as string, resource: Number(r) as StreamRef["resource"] };
      })
      .filter((s) => s.origin === origin);
  }

  /**
   * The origin confirmed its stream up to `cursor`: its unconfirmed rows
   * are recorded at the seqs its entries now hold them (renumbered above a
   * peer's rewind, maybe), as if committed then.
   */
  settlePending(
    stream: StreamRef,
    entries: readonly RowVersion[],
    cursor: bigint | undefined,
  ): void {
    const key = streamKeyString(stream);
    const rows = this.pending.get(key);
    if (rows === undefined || cursor === undefined) return;
    const settled = entries
      .filter((e) => e.seq <= cursor && rows.has(e.id))
      .sort((a, b) => (a.seq < b.seq ? -1 : 1));
    if (settled.length === 0) return;
    const batch = settled.map((e) => ({ ...(rows.get(e.id) as RowVersion), seq: e.seq }));
    for (const e of settled) rows.delete(e.id);
    if (rows.size === 0) this.pending.delete(key);
    this.record([{ stream, prevSeq: undefined, changes: batch }]);
    this.commits--;
  }

  /**
   * Learns changes an engine committed by itself (e.g. its own device row
   * at open), read through its probe. A known seq with other content is a
   * reuse. Rows above the origin's `cursor` (unconfirmed, PROTOCOL §3.7)
   * wait as pending.
   */
  ingestOwn(stream: StreamRef, rows: readonly RowVersion[], cursor?: bigint): void {
    const key = streamKeyString(stream);
    const pending = this.pending.get(key);
    const below = cursor === undefined ? rows : rows.filter((r) => r.seq <= cursor);
    const above = cursor === undefined ? [] : rows.filter((r) => r.seq > cursor);
    // Confirmed already (e.g. while the origin was down): placed here, not settled again.
    for (const r of below) pending?.delete(r.id);
    if (pending?.size === 0) this.pending.delete(key);
    this.learn(key, below);
    if (above.length > 0) {
      this.holdPending(
        key,
        above.filter((r) => this.pending.get(key)?.has(r.id) !== true),
      );
    }
  }

  /**
   * A replica other than the stream's origin holds the stream through
   * `through` (its cursor or highest applied seq) and these further `seqs`
   * (changes held back, e.g. for a parent): it saw the changes there.
   */
  noteHeld(key: string, through: bigint | undefined, seqs: readonly bigint[] = []): void {
    const before = this.heldThrough.get(key);
    if (through !== undefined && (before === undefined || through > before))
      this.heldThrough.set(key, through);
    const floor = this.heldThrough.get(key) ?? 0n;
    for (const seq of seqs) {
      if (seq <= floor) continue;
      let set = this.heldSeqs.get(key);
      if (set === undefined) {
        set = new Set();
        this.heldSeqs.set(key, set);
      }
      set.add(seq);
    }
  }

  /** Whether some replica other than the origin was seen holding the stream's change at `seq`. */
  private held(key: string, seq: bigint): boolean {
    const through = this.heldThrough.get(key);
    return (through !== undefined && seq <= through) || this.heldSeqs.get(key)?.has(seq) === true;
  }

  private learn(key: string, rows: readonly RowVersion[]): void {
    const m = this.changesOf(key);
    const pending = this.pending.get(key);
    for (const c of rows) {
      // A confirmed later version of a row still pending supersedes it: its
      // own seq can no longer be read off the origin's entries.
      if (pending?.delete(c.id) === true && pending.size === 0) this.pending.delete(key);
      const prev = m.get(c.seq);
      if (prev !== undefined) {
        if (sameChange(prev, c)) continue;
        const reuse = { stream: key, seq: c.seq, first: prev, second: c };
        if (this.held(key, c.seq)) {
          this.reuses.push(reuse);
          continue;
        }
        // Nobody but the origin ever held the first: the second replaces it.
        this.unseenReuses.push(reuse);
        m.set(c.seq, c);
        const s = this.summaries.get(key);
        if (s !== undefined) s.dirty = true;
        continue;
      }
      this.changes++;
      m.set(c.seq, c);
      this.extend(key, c);
    }
  }

  /**
   * The latest change per row of one stream among seqs <= cursor: what a
   * replica whose cursor is `cursor` must hold (DESIGN §3's invariant).
   */
  expectedRows(streamKey: string, cursor: bigint | undefined): Map<string, RowVersion> {
    const out = new Map<string, RowVersion>();
    const m = this.streams.get(streamKey);
    if (m === undefined || cursor === undefined) return out;
    for (const c of m.values()) {
      if (c.seq > cursor) continue;
      const prev = out.get(c.id);
      if (prev === undefined || prev.seq < c.seq) out.set(c.id, c);
    }
    return out;
  }

  /**
   * Fingerprint (hex) and live count the stream's entries must have at
   * `cursor`; computed incrementally, so a check per cursor change is cheap.
   */
  expectedSummary(streamKey: string, cursor: bigint | undefined): { fp: string; count: number } {
    const zero = { fp: "0".repeat(32), count: 0 };
    if (cursor === undefined) return zero;
    const s = this.summary(streamKey);
    if (s === undefined) return zero;
    // Largest recorded seq <= cursor.
    let lo = 0;
    let hi = s.seqs.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((s.seqs[mid] as bigint) <= cursor) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at < 0 ? zero : { fp: s.fps[at] as string, count: s.counts[at] as number };
  }

  /**
   * Whether the stream's origin committed this version: the same seq and
   * content, or (unconfirmed, its seq not final yet) the same content.
   * `bodies`: compare the fields too (false for entries read without them).
   */
  committed(streamKey: string, row: RowVersion, bodies: boolean): boolean {
    const body = (r: RowVersion) => canonicalRow({ ...r, seq: 0n, origin: "" });
    const same = (c: RowVersion | undefined, seq: boolean) =>
      c !== undefined &&
      c.id === row.id &&
      (!seq || c.seq === row.seq) &&
      c.deleted === row.deleted &&
      // Versions learned through a probe without bodies (an engine's own
      // rows at open) are judged by seq and delete only.
      (!bodies || (!c.deleted && Object.keys(c.fields).length === 0) || body(c) === body(row));
    if (same(this.streams.get(streamKey)?.get(row.seq), true)) return true;
    return same(this.pending.get(streamKey)?.get(row.id), false);
  }

  /** Every version of one row in one stream, ascending seq. */
  history(streamKey: string, row: string): RowVersion[] {
    const m = this.streams.get(streamKey);
    if (m === undefined) return [];
    return [...m.values()].filter((c) => c.id === row).sort((a, b) => (a.seq < b.seq ? -1 : 1));
  }

  /** Highest seq the oracle saw for a stream (the origin's head as committed). */
  head(streamKey: string): bigint | undefined {
    const s = this.summary(streamKey);
    return s === undefined ? undefined : s.seqs[s.seqs.length - 1];
  }

  private extend(key: string, c: RowVersion): void {
    const s = this.summaries.get(key);
    if (s === undefined || s.dirty) return;
    const last = s.seqs[s.seqs.length - 1];
    if (last !== undefined && c.seq <= last) {
      s.dirty = true; // out of order (an ingested older seq): rebuilt on demand
      return;
    }
    step(s, c);
  }

  private summary(key: string): Summary | undefined {
    const m = this.streams.get(key);
    if (m === undefined) return undefined;
    let s = this.summaries.get(key);
    if (s === undefined || s.dirty) {
      s = {
        seqs: [],
        fps: [],
        counts: [],
        live: new Map(),
        acc: new Uint8Array(16),
        count: 0,
        dirty: false,
      };
      for (const c of [...m.values()].sort((a, b) => (a.seq < b.seq ? -1 : 1))) step(s, c);
      this.summaries.set(key, s);
    }
    return s;
  }
}

function step(s: Summary, c: RowVersion): void {
  const id = idFromHex(c.id);
  const prev = s.live.get(c.id);
  if (prev !== undefined) {
    subInto(s.acc, itemHash(id, prev));
    s.count--;
    s.live.delete(c.id);
  }
  if (!c.deleted) {
    addInto(s.acc, itemHash(id, c.seq));
    s.count++;
    s.live.set(c.id, c.seq);
  }
  s.seqs.push(c.seq);
  s.fps.push(Buffer.from(s.acc).toString("hex"));
  s.counts.push(s.count);
}

/** Same row and fate at one seq; bodies compared when both sides carry them. */
function sameChange(a: RowVersion, b: RowVersion): boolean {
  if (a.id !== b.id || a.deleted !== b.deleted) return false;
  const bodies = Object.keys(a.fields).length > 0 && Object.keys(b.fields).length > 0;
  return !bodies || canonicalRow(a) === canonicalRow(b);
}
