// This device's own streams after a restart (PROTOCOL §3.7): a restore
// from an old backup would hand out seqs the device already used, and
// nothing local can tell a restore from a restart. So own changes
// committed since the device opened are *unconfirmed* — stored and
// visible, above the stream's cursor, never pushed or served — until the
// control plane has heard from every peer that none holds more of the
// stream (confirmOwnStreams). If one does, the unconfirmed changes are
// renumbered above what it holds (this module) before the stream is
// pulled back, so no seq ever names two changes.
import { addInto, itemHash, subInto } from "../fingerprint/index.js";
import { maxDefined } from "../seq.js";
import type { Applier } from "./applier.js";
import type { StreamRow } from "./stream-state.js";

/** The highest seq a stream ever held (head, applied, cursor, rewind head). */
export function lastHeld(st: StreamRow): bigint | undefined {
  return maxDefined(maxDefined(st.head, st.maxApplied), maxDefined(st.cursor, st.rewindHead));
}

/**
 * An own stream holds nothing beyond its cursor (no unconfirmed change, no
 * pull-back under way): it may be advertised and served as it is.
 */
export function settled(st: StreamRow): boolean {
  const beyond = maxDefined(st.head, st.maxApplied);
  return (
    !st.pulling &&
    st.rewindHead === undefined &&
    (beyond === undefined || (st.cursor !== undefined && beyond <= st.cursor))
  );
}

/**
 * Moves an own stream's unconfirmed changes — every entry above
 * max(cursor, rewind head); pulled-back entries are never above it — to
 * seqs `above + 1`, `above + 2`, … in their order, with their fingerprint
 * terms and the visible shared row's seq; head and rewind head follow.
 * Nothing when `above` is not past the rewind head. Returns the count.
 */
export function resequenceOwn(applier: Applier, st: StreamRow, above: bigint): number {
  const floor = maxDefined(st.cursor, st.rewindHead) ?? 0n;
  if (above <= floor) return 0;
  const table = applier.table(st.key.resource);
  const rows = table.unconfirmed.all(st.origin, floor) as [Uint8Array, bigint, bigint][];
  let next = above;
  for (const [id, seq, deleted] of rows) {
    next++;
    table.setSeq.run(next, st.origin, id);
    applier.resign(table, st.origin, id);
    table.setVisibleSeq?.run(next, id, st.origin, seq);
    if (deleted === 0n) {
      subInto(st.fingerprint, itemHash(id, seq));
      addInto(st.fingerprint, itemHash(id, next));
    }
  }
  st.rewindHead = above;
  // The head covers the pre-restore seqs too: the next commit goes above.
  st.head = rows.length > 0 ? next : maxDefined(st.head, above);
  return rows.length;
}
