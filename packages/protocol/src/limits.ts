// Every bound of protocol v1 in one place (docs/PROTOCOL.md §11). Peers
// MUST NOT send messages that break these and MUST reject ones that do.
// Bounds are chosen so the worst case of each message fits MAX_MESSAGE_BYTES.

/** The protocol version this implementation speaks. */
export const PROTOCOL_VERSION = 1;
/** The oldest version we still accept; raise it only when a release drops one. */
export const MIN_PROTOCOL_VERSION = 1;

/** Row, device and library ids are 16 bytes (UUIDv7 for rows): fixed width keeps ranges simple. */
export const ID_BYTES = 16;
/** A fingerprint is a sum mod 2^128, so 16 bytes big-endian. */
export const FINGERPRINT_BYTES = 16;

/** Largest encoded message either side accepts; bounds memory per call (gRPC's default is 4 MiB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Backfill page size when the caller asks for 0: small enough to apply in one quick transaction. */
export const DEFAULT_CHANGES_PER_PAGE = 500;
/** Most changes a caller may ask for in one page: bounds one apply transaction. */
export const MAX_CHANGES_PER_PAGE = 5000;
/** Page byte budget when the caller asks for 0: 1 MiB keeps pages well under the message limit. */
export const DEFAULT_PAGE_BYTES = 1024 * 1024;
/** Largest page byte budget: leaves headroom under MAX_MESSAGE_BYTES for framing. */
export const MAX_PAGE_BYTES = 3 * 1024 * 1024;

/** Most batches in one PushChanges call: an origin flushes every 50 ms, so a few streams suffice. */
export const MAX_BATCHES_PER_PUSH = 64;
/** Most changes over all batches of one PushChanges call (realtime batching is 100; 10x headroom). */
export const MAX_CHANGES_PER_PUSH = 1000;
/** Realtime batch size an origin SHOULD flush at (DESIGN §1: 50 ms or 100 changes). */
export const REALTIME_BATCH_CHANGES = 100;
/** Realtime flush delay an origin SHOULD use, in ms. */
export const REALTIME_BATCH_DELAY_MS = 50;

/** Most streams in one watermark list or backfill request: 1024 devices x 8 resources. */
export const MAX_STREAMS_PER_MESSAGE = 8192;

/** Most want_ids in one Reconcile: 512 worst-case changes (~5.3 KiB each) fit in one reply. */
export const MAX_WANT_IDS = 512;
/** Most ranges in one Reconcile message: bounds the work of one round. */
export const MAX_RANGES_PER_MESSAGE = 256;
/** Most items in one ItemList: ranges larger than this are split by fingerprint instead. */
export const MAX_IDS_PER_ITEM_LIST = 1024;
/**
 * Most Rateless IBLT coded symbols in one message (§7.9): at most ~39 bytes
 * each on the wire, so 65 536 stay under 2.5 MiB of a MAX_MESSAGE_BYTES frame.
 */
export const MAX_CODED_SYMBOLS_PER_MESSAGE = 65_536;
/** Coded symbol indices are below 2^32 (§7.9.2). */
export const MAX_CODED_SYMBOL_INDEX = 4_294_967_296;
/** Size of a symbols_request's difference estimator: 320 one-byte slice sums (§7.9.3). */
export const RIBLT_PROBE_BYTES = 320;
/** Longest range bound: an id prefix is at most a whole id. */
export const MAX_BOUND_BYTES = ID_BYTES;

/** Most capabilities in Hello, and the longest one: they are short feature tags. */
export const MAX_CAPABILITIES = 64;
export const MAX_CAPABILITY_BYTES = 64;
/** Longest device_name in Hello, in UTF-8 bytes. */
export const MAX_DEVICE_NAME_BYTES = 256;

/**
 * Longest value of each string field of a record, in UTF-8 bytes. Names are
 * file names (1 KiB covers every common filesystem); paths are 4 KiB (PATH_MAX).
 */
export const MAX_STRING_BYTES = {
  name: 1024,
  path: 4096,
  mount_point: 4096,
  description: 4096,
  os: 256,
  hostname: 256,
  filesystem: 64,
  color: 32,
} as const;
export type BoundedStringField = keyof typeof MAX_STRING_BYTES;

/** Remote HLCs more than this ahead of our wall clock are rejected (DESIGN §3): 5 minutes. */
export const HLC_MAX_OFFSET_MS = 5 * 60 * 1000;
/** HLC layout: 48-bit Unix ms in the high bits, 16-bit counter in the low bits. */
export const HLC_COUNTER_BITS = 16;
export const HLC_MAX_COUNTER = (1 << HLC_COUNTER_BITS) - 1;

/** Largest uint64: no field may use it as a sentinel, but seqs must fit below it. */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** Realtime changes a receiver SHOULD hold per stream while pulling a gap before dropping. */
export const MAX_PENDING_CHANGES_PER_STREAM = 10_000;

// Bounds a receiver or responder keeps on what any one peer can make it
// hold or do (issue 14), whatever that peer sends: RECOMMENDED values,
// breached calls answer resource_exhausted (BUFFER_FULL, RATE_LIMITED) or
// the push ack ACK_STATUS_DROPPED, never an unbounded queue.

/** Backfills one caller may have open at once; one more is RATE_LIMITED. */
export const MAX_BACKFILLS_PER_PEER = 4;
/** Backfills open at once over all callers that are not peers (made-up device ids share it). */
export const MAX_BACKFILLS = 16;
/** Token bucket of one caller's watermark calls (ExchangeWatermarks, NotifyDataAvailable). */
export const WATERMARK_CALLS_PER_PEER = { burst: 30, perSecond: 5 } as const;
/** Token bucket shared by the watermark calls of all callers that are not peers. */
export const WATERMARK_CALLS = { burst: 200, perSecond: 20 } as const;
/** Realtime bytes (encoded changes) a receiver holds for one pushing peer (gaps, pulls). */
export const MAX_HELD_REALTIME_BYTES_PER_PEER = 16 * 1024 * 1024;
/** Realtime bytes a receiver holds over all peers. */
export const MAX_HELD_REALTIME_BYTES = 64 * 1024 * 1024;
/** Changes waiting for a missing parent, over all origins (the dependency buffer, §3.6). */
export const MAX_DEPENDENCY_ROWS = 100_000;
/** Changes waiting for a missing parent, of one origin. */
export const MAX_DEPENDENCY_ROWS_PER_ORIGIN = 50_000;
/** Encoded bytes of the changes waiting for a missing parent, of one origin. */
export const MAX_DEPENDENCY_BYTES_PER_ORIGIN = 64 * 1024 * 1024;
/** Encoded bytes of the changes waiting for a missing parent, over all origins. */
export const MAX_DEPENDENCY_BYTES = 256 * 1024 * 1024;

/** All limits as one object, for logging and for tests that walk every bound. */
export const LIMITS = {
  PROTOCOL_VERSION,
  MIN_PROTOCOL_VERSION,
  ID_BYTES,
  FINGERPRINT_BYTES,
  MAX_MESSAGE_BYTES,
  DEFAULT_CHANGES_PER_PAGE,
  MAX_CHANGES_PER_PAGE,
  DEFAULT_PAGE_BYTES,
  MAX_PAGE_BYTES,
  MAX_BATCHES_PER_PUSH,
  MAX_CHANGES_PER_PUSH,
  REALTIME_BATCH_CHANGES,
  REALTIME_BATCH_DELAY_MS,
  MAX_STREAMS_PER_MESSAGE,
  MAX_WANT_IDS,
  MAX_RANGES_PER_MESSAGE,
  MAX_IDS_PER_ITEM_LIST,
  MAX_CODED_SYMBOLS_PER_MESSAGE,
  MAX_CODED_SYMBOL_INDEX,
  RIBLT_PROBE_BYTES,
  MAX_BOUND_BYTES,
  MAX_CAPABILITIES,
  MAX_CAPABILITY_BYTES,
  MAX_DEVICE_NAME_BYTES,
  HLC_MAX_OFFSET_MS,
  HLC_COUNTER_BITS,
  MAX_PENDING_CHANGES_PER_STREAM,
  MAX_BACKFILLS_PER_PEER,
  MAX_BACKFILLS,
  WATERMARK_CALLS_PER_PEER,
  WATERMARK_CALLS,
  MAX_HELD_REALTIME_BYTES_PER_PEER,
  MAX_HELD_REALTIME_BYTES,
  MAX_DEPENDENCY_ROWS,
  MAX_DEPENDENCY_ROWS_PER_ORIGIN,
  MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  MAX_DEPENDENCY_BYTES,
} as const;

/**
 * ER-3 (§10): a request refused with invalid_argument, permission_denied or
 * failed_precondition is repeated unchanged at the earliest this long after
 * the refusal, each further consecutive repeat twice as long as the one
 * before (a pairing can clear NOT_PAIRED; asking again at once cannot).
 */
export const REFUSED_RETRY_MIN_MS = 500;
/** ER-3: the doubling of REFUSED_RETRY_MIN_MS stops here; later repeats wait at least this. */
export const REFUSED_RETRY_MAX_MIN_MS = 30_000;
