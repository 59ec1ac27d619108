// What the simulator knows was committed: every change every origin's
// commit() returned, per stream and seq. Properties use it to tell a
// legitimate state from a resurrected delete; corruption faults use row
// history to revert a row to an older version.
import { type CommittedBatch, idToHex, streamKeyString } from "@tidemark/engine";

export type OracleChange = {
  readonly seq: bigint;
  readonly row: string;
  readonly deleted: boolean;
  readonly hlc: bigint | undefined;
  /** Entry name and parent (hex) for entry changes, for stale-version faults. */
  readonly name?: string;
  readonly parent?: string | undefined;
};

export class Oracle {
  /** stream key `${origin}/${resource}` -> seq -> change (a rewound origin may overwrite a seq). */
  readonly streams = new Map<string, Map<bigint, OracleChange>>();
  commits = 0;
  changes = 0;

  private changesOf(key: string): Map<bigint, OracleChange> {
    let m = this.streams.get(key);
    if (m === undefined) {
      m = new Map();
      this.streams.set(key, m);
    }
    return m;
  }

  record(batches: readonly CommittedBatch[]): void {
    this.commits++;
    for (const b of batches) {
      const m = this.changesOf(streamKeyString(b.stream));
      for (const c of b.changes) {
        this.changes++;
        const body = c.body;
        const entry = body.case === "entry" ? body.value : undefined;
        m.set(c.seq, {
          seq: c.seq,
          row: idToHex(c.rowId),
          deleted: body.case === "tombstone",
          hlc: c.hlc,
          ...(entry === undefined
            ? {}
            : {
                name: entry.name,
                parent: entry.parentId === undefined ? undefined : idToHex(entry.parentId),
              }),
        });
      }
    }
  }

  /**
   * Learns changes an engine committed by itself (e.g. its own device row
   * at open), read from its entries tables: `rows` are (resource, id, seq,
   * deleted, hlc) of the device's own streams. Known seqs are kept.
   */
  ingestOwn(
    origin: string,
    rows: readonly (readonly [number, Uint8Array, bigint, boolean, bigint | undefined])[],
  ): void {
    for (const [resource, id, seq, deleted, hlc] of rows) {
      const m = this.changesOf(streamKeyString({ origin, resource }));
      if (!m.has(seq)) m.set(seq, { seq, row: idToHex(id), deleted, hlc });
    }
  }

  /**
   * The latest change per row of one stream among seqs <= cursor: what a
   * replica whose cursor is `cursor` must hold (DESIGN §3's invariant).
   */
  expectedRows(streamKey: string, cursor: bigint | undefined): Map<string, OracleChange> {
    const out = new Map<string, OracleChange>();
    const m = this.streams.get(streamKey);
    if (m === undefined || cursor === undefined) return out;
    for (const c of m.values()) {
      if (c.seq > cursor) continue;
      const prev = out.get(c.row);
      if (prev === undefined || prev.seq < c.seq) out.set(c.row, c);
    }
    return out;
  }

  /** Every version of every row of one stream (row -> ascending seq), built in one pass. */
  historyIndex(streamKey: string): Map<string, OracleChange[]> {
    const out = new Map<string, OracleChange[]>();
    const m = this.streams.get(streamKey);
    if (m === undefined) return out;
    for (const c of m.values()) {
      const list = out.get(c.row);
      if (list === undefined) out.set(c.row, [c]);
      else list.push(c);
    }
    for (const list of out.values())
      list.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    return out;
  }

  /** Every version of one row in one stream, ascending seq. */
  history(streamKey: string, row: string): OracleChange[] {
    const m = this.streams.get(streamKey);
    if (m === undefined) return [];
    return [...m.values()].filter((c) => c.row === row).sort((a, b) => (a.seq < b.seq ? -1 : 1));
  }
}
