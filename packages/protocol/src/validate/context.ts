// What a validator needs to know beyond the message itself.
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";

export interface ValidationContext {
  /**
   * The receiver's wall clock, Unix ms. With it, HLCs more than
   * maxOffsetMs ahead are rejected; without it that rule is skipped.
   */
  readonly nowMs?: number;
  /** Defaults to limits.HLC_MAX_OFFSET_MS. */
  readonly maxOffsetMs?: number;
  /**
   * The highest cursor (or applied seq) the receiver already knows for a
   * stream from this peer. With it, a cursor below that is a regression.
   */
  readonly previousCursor?: (stream: StreamId) => bigint | undefined;
}

/** Requests name the library; the receiver says which one it serves. */
export interface RequestContext extends ValidationContext {
  /** The 16-byte id of the library this peer belongs to. */
  readonly libraryId: Uint8Array;
}
