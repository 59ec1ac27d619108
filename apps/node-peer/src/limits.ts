// Host-side bounds. MAX_MESSAGE_BYTES mirrors protocol v1's limit
// (packages/protocol limits.ts, PROTOCOL.md §11): 4 MiB per message.
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Local writes per commit while indexing: one SQLite transaction each. */
export const INDEX_BATCH_ROWS = 2_000;
