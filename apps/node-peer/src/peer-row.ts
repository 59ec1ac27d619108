// One peer's line of a status or verify report: its engine state, and when
// probed, a live ExchangeWatermarks compared stream by stream with ours.
import { ConnectError } from "@connectrpc/connect";
import type { PeerStatus, StreamState, SyncClient } from "@tidemark/engine";
import type { PeerRecord } from "./config/data-dir.js";
import { fromHex } from "./ids.js";
import { compareStreams, type PeerRow, watermarksOf } from "./status-report.js";

/** A failed call as one line: "[code] message". */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) return `[${err.code}] ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}

export type PeerRowInput = {
  readonly record: PeerRecord;
  readonly status: PeerStatus | undefined;
  readonly probe: boolean;
  readonly client: SyncClient;
  readonly libraryId: string;
  readonly deviceId: string;
  /** Our streams, read right before the call so both sides are as fresh as can be. */
  readonly ours: () => readonly StreamState[];
};

export async function peerRow(input: PeerRowInput): Promise<PeerRow> {
  const { record, status } = input;
  const base = {
    deviceId: record.deviceId,
    name: record.name,
    url: record.url,
    state: status?.state ?? ("unknown" as const),
    connected: status?.connected ?? false,
    lastExchangeAt:
      status?.lastExchangeAt === undefined ? null : new Date(status.lastExchangeAt).toISOString(),
    consecutiveFailures: status?.consecutiveFailures ?? 0,
  };
  if (!input.probe) return { ...base, reachable: null, error: null, inSync: null, streams: [] };
  try {
    const ours = input.ours();
    const answer = await input.client.exchangeWatermarks(
      {
        libraryId: fromHex(input.libraryId),
        deviceId: fromHex(input.deviceId),
        watermarks: watermarksOf(ours),
      },
      { timeoutMs: 5_000 },
    );
    const streams = compareStreams(ours, answer.watermarks);
    return {
      ...base,
      reachable: true,
      error: null,
      inSync: streams.every((s) => s.verdict === "equal"),
      streams,
    };
  } catch (err) {
    return { ...base, reachable: false, error: describeError(err), inSync: false, streams: [] };
  }
}
