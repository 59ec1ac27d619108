// One peer's line of a status or verify report: its engine state, and when
// probed, a live ExchangeWatermarks compared stream by stream with ours.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { PeerStatus, StreamState, SyncClient } from "@tidemark/engine";
import type { PeerRecord } from "./config/data-dir.js";
import { fromHex } from "./ids.js";
import {
  compareStreams,
  type PeerContact,
  type PeerRow,
  syncVerdict,
  watermarksOf,
} from "./status-report.js";

/** Codes that mean "no answer came back", as opposed to "the peer said no". */
const NO_ANSWER = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

/** A failed call as one line: "[code] message". */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) return `[${codeToString(err.code)}] ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}

/** Refused (the peer answered with an error) or unreachable (it did not answer). */
export function classifyFailure(err: unknown): { contact: PeerContact; code: string | null } {
  if (!(err instanceof ConnectError)) return { contact: "unreachable", code: null };
  return {
    contact: NO_ANSWER.has(err.code) ? "unreachable" : "refused",
    code: codeToString(err.code),
  };
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
  const finish = (
    contact: PeerContact,
    streams: PeerRow["streams"],
    error: string | null,
    errorCode: string | null,
  ): PeerRow => ({
    ...base,
    contact,
    error,
    errorCode,
    streams,
    ...syncVerdict({ ...base, contact, error, streams }),
  });
  if (!input.probe) return finish("not-probed", [], null, null);
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
    return finish("answered", compareStreams(ours, answer.watermarks), null, null);
  } catch (err) {
    const { contact, code } = classifyFailure(err);
    return finish(contact, [], describeError(err), code);
  }
}
