// Host-side bounds; wire limits come from @tidemark/protocol.
/** Local writes per commit while indexing: one SQLite transaction each. */
export const INDEX_BATCH_ROWS = 2_000;
