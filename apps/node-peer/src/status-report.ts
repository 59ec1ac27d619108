// Status and verify reports as plain JSON (bigints as decimal strings, ids
// and fingerprints as hex), shared by `status --json`, the admin API and the
// demo's convergence check.
import { create } from "@bufbuild/protobuf";
import type { HlcHold, OwnStatus, PeerState, StreamState } from "@tidemark/engine";
import { Resource, type StreamWatermark, StreamWatermarkSchema } from "@tidemark/protocol";
import { fromHex, toHex } from "./ids.js";
import type { RefusedCaller } from "./net/refusals.js";

export type StreamRow = {
  readonly key: string;
  readonly origin: string;
  readonly resource: string;
  readonly cursor: string | null;
  readonly liveCount: string;
  readonly fingerprint: string;
  readonly pulling: boolean;
  readonly maxAppliedSeq: string | null;
  readonly tombstoneHorizon: string | null;
};

export type StreamVerdict =
  | "equal"
  | "peer-ahead"
  | "we-ahead"
  | "diverged"
  | "missing-here"
  | "missing-there"
  | "pulling";

export type StreamComparison = {
  readonly key: string;
  readonly ourCursor: string | null;
  readonly peerCursor: string | null;
  /** Seqs we are behind the peer (0 when equal or ahead). */
  readonly lag: string;
  readonly ourCount: string;
  readonly peerCount: string;
  /** Compared only at equal cursors: at different ones they are expected to differ. */
  readonly fingerprints: "equal" | "differ" | "not-compared";
  readonly verdict: StreamVerdict;
};

/**
 * How a probe of the peer went: it answered; it answered with an error
 * (refused: wrong library, a message over the limits, …); or it could not
 * be reached at all (connection refused, timeout).
 */
export type PeerContact = "answered" | "refused" | "unreachable" | "not-probed";

export type PeerRow = {
  readonly deviceId: string;
  readonly name: string;
  readonly url: string;
  readonly state: PeerState | "unknown";
  readonly connected: boolean;
  readonly lastExchangeAt: string | null;
  readonly consecutiveFailures: number;
  /** How the live ExchangeWatermarks went (not-probed under --no-probe). */
  readonly contact: PeerContact;
  /** The Connect code of a refused or failed probe (e.g. "resource_exhausted"). */
  readonly errorCode: string | null;
  readonly error: string | null;
  /**
   * True only when the peer answered, every stream is equal, and sync with
   * it is not in backoff or failed; null when not probed.
   */
  readonly inSync: boolean | null;
  /** One line saying why inSync is what it is. */
  readonly reason: string;
  readonly streams: readonly StreamComparison[];
};

export type StatusReport = {
  readonly device: string;
  readonly deviceName: string;
  readonly library: string;
  readonly libraryName: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly serving: boolean;
  readonly liveRows: string;
  readonly streams: readonly StreamRow[];
  readonly peers: readonly PeerRow[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly wire: { readonly bytesIn: number; readonly bytesOut: number };
  /** Streams held back by a clock too far ahead (engine `hlcHolds`). */
  readonly clockHolds: readonly string[];
  /**
   * This device's own writes kept here, not sent yet (engine `own`,
   * PROTOCOL §3.7): one line per paired peer they wait on; empty when none.
   */
  readonly heldWrites: readonly string[];
  /** Callers the listener refused since it started, most recent first. */
  readonly refused: readonly RefusedRow[];
};

/** A refused caller as the listener kept it, with the short form of its id to pair it by. */
export type RefusedRow = RefusedCaller & { readonly shortForm?: string };

/** One line per held stream: which, from whom, how far ahead, the fix. */
export function clockHoldLines(holds: readonly HlcHold[]): string[] {
  return holds.map((h) => {
    const ahead = Math.round(h.aheadMs / 1000);
    const max = Math.round(h.maxOffsetMs / 1000);
    const from = h.peer === undefined ? "" : ` (from ${h.peer.slice(0, 8)})`;
    return `stream ${streamKeyOf(h.stream.origin, h.stream.resource)} held${from}: its HLC is ${ahead} s ahead of this clock (max ${max} s); it syncs once real time catches up — if that is far off, fix the wrong clock (the origin's, or this device's if every peer's streams are held)`;
  });
}

const WAIT_TEXT = {
  "not-heard-from": "has not answered since this device started",
  "peer-ahead": "holds more of our stream than we do (pulling it back)",
  "peer-pulling": "is still pulling our stream",
} as const;

/**
 * One line per paired peer our own unconfirmed writes wait on, with the
 * way out; `name` gives a peer's name for its device id.
 */
export function heldWriteLines(own: OwnStatus, name: (deviceId: string) => string): string[] {
  if (own.confirmed || own.unconfirmedSeqs === 0n) return [];
  const held = `${own.unconfirmedSeqs} own change(s) kept here, not sent yet`;
  if (own.waits.length === 0) return [`${held}: confirming now`];
  return own.waits.map((w) => {
    const stream = w.stream === undefined ? "" : ` (${w.stream})`;
    return `${held}: waiting for peer ${name(w.peer)} ${w.peer.slice(0, 8)}, which ${WAIT_TEXT[w.reason]}${stream}; if that device is lost, \`tidemark peer remove\` it`;
  });
}

export function resourceName(r: Resource): string {
  return (Resource[r] ?? `RESOURCE_${r}`).toLowerCase();
}

export function streamKeyOf(originHex: string, resource: Resource): string {
  return `${originHex}/${resourceName(resource)}`;
}

const str = (v: bigint | undefined): string | null => (v === undefined ? null : v.toString());

export function streamRow(s: StreamState): StreamRow {
  return {
    key: streamKeyOf(s.stream.origin, s.stream.resource),
    origin: s.stream.origin,
    resource: resourceName(s.stream.resource),
    cursor: str(s.cursor),
    liveCount: s.liveCount.toString(),
    fingerprint: toHex(s.fingerprint),
    pulling: s.pulling,
    maxAppliedSeq: str(s.maxAppliedSeq),
    tombstoneHorizon: str(s.tombstoneHorizon),
  };
}

/** Our stream states as the wire's watermarks (for ExchangeWatermarks). */
export function watermarksOf(streams: readonly StreamState[]): StreamWatermark[] {
  return streams.map((s) =>
    create(StreamWatermarkSchema, {
      stream: { origin: fromHex(s.stream.origin), resource: s.stream.resource },
      ...(s.cursor === undefined ? {} : { cursor: s.cursor }),
      liveCount: s.liveCount,
      fingerprint: s.fingerprint,
      ...(s.tombstoneHorizon === undefined ? {} : { tombstoneHorizon: s.tombstoneHorizon }),
      // A mid-pull stream's fingerprint already counts applied pages: the
      // peer must not compare it (PROTOCOL.md §4.1).
      pulling: s.pulling,
    }),
  );
}

/**
 * Compares our streams with a peer's watermarks, stream by stream (the
 * union of both sides). Fingerprints are compared only at equal cursors:
 * at different cursors they are expected to differ.
 */
export function compareStreams(
  ours: readonly StreamState[],
  theirs: readonly StreamWatermark[],
): StreamComparison[] {
  const mine = new Map(ours.map((s) => [streamKeyOf(s.stream.origin, s.stream.resource), s]));
  const peer = new Map<string, StreamWatermark>();
  for (const w of theirs) {
    if (w.stream === undefined) continue;
    peer.set(streamKeyOf(toHex(w.stream.origin), w.stream.resource), w);
  }
  const keys = [...new Set([...mine.keys(), ...peer.keys()])].sort();
  return keys.map((key): StreamComparison => {
    const a = mine.get(key);
    const b = peer.get(key);
    const ourCursor = a?.cursor;
    const peerCursor = b?.cursor;
    const comparable = a !== undefined && b !== undefined && ourCursor === peerCursor && !a.pulling;
    const fingerprintMatch = comparable && toHex(a.fingerprint) === toHex(b.fingerprint);
    const lag =
      peerCursor !== undefined && (ourCursor === undefined || peerCursor > ourCursor)
        ? peerCursor - (ourCursor ?? 0n)
        : 0n;
    let verdict: StreamVerdict;
    if (a === undefined || ourCursor === undefined) {
      verdict = b === undefined || peerCursor === undefined ? "equal" : "missing-here";
    } else if (b === undefined || peerCursor === undefined) {
      verdict = "missing-there";
    } else if (a.pulling) {
      verdict = "pulling";
    } else if (peerCursor > ourCursor) {
      verdict = "peer-ahead";
    } else if (peerCursor < ourCursor) {
      verdict = "we-ahead";
    } else {
      verdict = fingerprintMatch && a.liveCount === b.liveCount ? "equal" : "diverged";
    }
    return {
      key,
      ourCursor: str(ourCursor),
      peerCursor: str(peerCursor),
      lag: lag.toString(),
      ourCount: (a?.liveCount ?? 0n).toString(),
      peerCount: (b?.liveCount ?? 0n).toString(),
      fingerprints: !comparable ? "not-compared" : fingerprintMatch ? "equal" : "differ",
      verdict,
    };
  });
}

/** Whether a probed peer is in sync with us, and the one-line reason. */
export function syncVerdict(input: {
  readonly contact: PeerContact;
  readonly state: PeerState | "unknown";
  readonly consecutiveFailures: number;
  readonly error: string | null;
  readonly streams: readonly StreamComparison[];
}): { inSync: boolean | null; reason: string } {
  const { contact, state, streams } = input;
  if (contact === "not-probed") return { inSync: null, reason: "not checked (--no-probe)" };
  if (contact === "unreachable") return { inSync: false, reason: `unreachable: ${input.error}` };
  if (contact === "refused")
    return { inSync: false, reason: `refused the exchange: ${input.error}` };
  const differ = streams.filter((s) => s.verdict !== "equal");
  if (differ.length > 0) {
    const kinds = new Map<string, number>();
    for (const s of differ) kinds.set(s.verdict, (kinds.get(s.verdict) ?? 0) + 1);
    const detail = [...kinds].map(([v, n]) => `${n} ${v}`).join(", ");
    return {
      inSync: false,
      reason: `${differ.length} of ${streams.length} streams differ (${detail})`,
    };
  }
  if (state === "backoff") {
    return {
      inSync: false,
      reason: `streams equal, but sync is in backoff after ${input.consecutiveFailures} failed exchange(s)`,
    };
  }
  if (state === "failed")
    return { inSync: false, reason: "streams equal, but sync with this peer failed" };
  return { inSync: true, reason: "in sync" };
}
