// Tuning knobs of range-based reconciliation, with the defaults chosen by
// bench/reconcile.bench.ts (see RECONCILE-SPEC §6 for the measurements).
import { MAX_IDS_PER_ITEM_LIST, MAX_RANGES_PER_MESSAGE } from "@tidemark/protocol";
import { invalid } from "./bounds.js";
import type { Budget } from "./message-writer.js";

export type ReconcileOptions = {
  /** Sub-ranges a mismatching range is split into (2..64). */
  readonly branching?: number;
  /** A range with at most this many items is sent as an item list (1..1024). */
  readonly listThreshold?: number;
  /**
   * Max encoded bytes of one message's ranges; 0 = unlimited, else >= 4096.
   * Default DEFAULT_FRAME_SIZE_LIMIT (1 MiB, under MAX_MESSAGE_BYTES).
   */
  readonly frameSizeLimit?: number;
  /**
   * Max ranges in one message; 0 = unlimited, else >= 8. Default
   * MAX_RANGES_PER_MESSAGE, the protocol's limit for a conforming peer.
   */
  readonly maxRanges?: number;
  /**
   * The peer announced `reconcile.riblt.v1` (PROTOCOL.md §7.9): the
   * initiator reconciles with coded symbols instead of range rounds.
   * Default false (version 1 range rounds only).
   */
  readonly codedSymbols?: boolean;
  /**
   * How a coded-symbol exchange opens (§7.9.5). "fingerprint" (default):
   * the first request carries the fingerprint and asks for a small batch,
   * so equal sets end at once and small differences decode without the
   * estimator; the probes follow only when that batch shows a large
   * difference. "probes": the first request carries the estimator
   * (revision 1.2's first reference initiator; one round trip fewer at
   * large d, 320 bytes more at every d).
   */
  readonly codedOpening?: CodedOpening;
};

export type CodedOpening = "fingerprint" | "probes";

export type ReconcileConfig = {
  readonly branching: number;
  readonly listThreshold: number;
  /** Most items a reply may list for one range before splitting it instead. */
  readonly maxReplyItems: number;
  readonly budget: Budget;
  readonly codedSymbols: boolean;
  readonly codedOpening: CodedOpening;
};

export const DEFAULT_BRANCHING = 8;
export const DEFAULT_LIST_THRESHOLD = 16;
export const MIN_FRAME_SIZE_LIMIT = 4096;
export const DEFAULT_FRAME_SIZE_LIMIT = 1024 * 1024;

// Worst case bytes per listed item in a reply: 16-byte id + 10-byte seq
// varint + a 16-byte needed id.
const WORST_ITEM_BYTES = 42;

export function resolveOptions(options: ReconcileOptions = {}): ReconcileConfig {
  const branching = options.branching ?? DEFAULT_BRANCHING;
  const listThreshold = options.listThreshold ?? DEFAULT_LIST_THRESHOLD;
  const maxBytes = options.frameSizeLimit ?? DEFAULT_FRAME_SIZE_LIMIT;
  const maxRanges = options.maxRanges ?? MAX_RANGES_PER_MESSAGE;
  if (!Number.isInteger(branching) || branching < 2 || branching > 64)
    throw invalid(`branching must be an integer in 2..64, got ${branching}`);
  if (!Number.isInteger(maxBytes) || (maxBytes !== 0 && maxBytes < MIN_FRAME_SIZE_LIMIT))
    throw invalid(`frameSizeLimit must be 0 or >= ${MIN_FRAME_SIZE_LIMIT}, got ${maxBytes}`);
  if (!Number.isInteger(maxRanges) || (maxRanges !== 0 && maxRanges < branching + 3))
    throw invalid(`maxRanges must be 0 or >= branching + 3 (${branching + 3}), got ${maxRanges}`);
  const byFrame =
    maxBytes === 0 ? MAX_IDS_PER_ITEM_LIST : Math.floor((maxBytes - 512) / WORST_ITEM_BYTES);
  const maxReplyItems = Math.min(MAX_IDS_PER_ITEM_LIST, byFrame);
  if (!Number.isInteger(listThreshold) || listThreshold < 1 || listThreshold > maxReplyItems)
    throw invalid(`listThreshold must be an integer in 1..${maxReplyItems}, got ${listThreshold}`);
  return {
    branching,
    listThreshold,
    maxReplyItems,
    budget: { maxBytes, maxRanges },
    codedSymbols: options.codedSymbols ?? false,
    codedOpening: options.codedOpening ?? "fingerprint",
  };
}
