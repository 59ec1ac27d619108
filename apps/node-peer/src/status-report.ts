// Status and verify reports as plain JSON (bigints as decimal strings, ids
// and fingerprints as hex), shared by `status --json`, the admin API and the
// demo's convergence check.
import { create } from "@bufbuild/protobuf";
import type { PeerState, StreamState } from "@tidemark/engine";
import { Resource, type StreamWatermark, StreamWatermarkSchema } from "@tidemark/protocol";
import { fromHex, toHex } from "./ids.js";

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
  readonly fingerprintMatch: boolean;
  readonly verdict: StreamVerdict;
};

export type PeerRow = {
  readonly deviceId: string;
  readonly name: string;
  readonly url: string;
  readonly state: PeerState | "unknown";
  readonly connected: boolean;
  readonly lastExchangeAt: string | null;
  readonly consecutiveFailures: number;
  /** Set when the peer was probed: did it answer ExchangeWatermarks? */
  readonly reachable: boolean | null;
  readonly error: string | null;
  readonly inSync: boolean | null;
  readonly streams: readonly StreamComparison[];
};

export type StatusReport = {
  readonly device: string;
  readonly deviceName: string;
  readonly library: string;
  readonly libraryName: string;
  readonly dataDir: string;
  readonly serving: boolean;
  readonly liveRows: string;
  readonly streams: readonly StreamRow[];
  readonly peers: readonly PeerRow[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly wire: { readonly bytesIn: number; readonly bytesOut: number };
};

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
    const fingerprintMatch =
      a !== undefined && b !== undefined && toHex(a.fingerprint) === toHex(b.fingerprint);
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
      fingerprintMatch,
      verdict,
    };
  });
}
