import { create } from "@bufbuild/protobuf";
import type { StreamState } from "@tidemark/engine";
import { Resource, StreamWatermarkSchema } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { fromHex } from "./ids.js";
import {
  clockHoldLines,
  compareStreams,
  heldWriteLines,
  syncVerdict,
  watermarksOf,
} from "./status-report.js";

const A = "0192f0c0aaaa7000800000000000000a";
const B = "0192f0c0bbbb7000800000000000000b";
const fp = (n: number) => new Uint8Array(16).fill(n);

function state(
  origin: string,
  resource: Resource,
  cursor: bigint | undefined,
  count: bigint,
  f: number,
  pulling = false,
): StreamState {
  return {
    stream: { origin, resource },
    cursor,
    liveCount: count,
    fingerprint: fp(f),
    tombstoneHorizon: undefined,
    maxAppliedSeq: cursor,
    resumeAfterSeq: undefined,
    resumeSource: undefined,
    gaplessSeq: undefined,
    headSeq: undefined,
    pulling,
  };
}

function wm(
  origin: string,
  resource: Resource,
  cursor: bigint | undefined,
  count: bigint,
  f: number,
) {
  return create(StreamWatermarkSchema, {
    stream: { origin: fromHex(origin), resource },
    ...(cursor === undefined ? {} : { cursor }),
    liveCount: count,
    fingerprint: fp(f),
  });
}

describe("compareStreams", () => {
  test("equal cursors and fingerprints are equal; equal cursors with other fingerprints diverged", () => {
    const out = compareStreams(
      [state(A, Resource.ENTRY, 10n, 5n, 1), state(B, Resource.ENTRY, 7n, 7n, 2)],
      [wm(A, Resource.ENTRY, 10n, 5n, 1), wm(B, Resource.ENTRY, 7n, 7n, 3)],
    );
    expect(out.map((s) => s.verdict)).toEqual(["equal", "diverged"]);
    expect(out.map((s) => s.fingerprints)).toEqual(["equal", "differ"]);
  });

  test("equal counts with different rows are caught by the fingerprint (seed bug B2)", () => {
    const [s] = compareStreams(
      [state(A, Resource.TAG, 4n, 3n, 8)],
      [wm(A, Resource.TAG, 4n, 3n, 9)],
    );
    expect(s?.verdict).toBe("diverged");
  });

  test("a peer ahead gives a lag; a missing cursor is its own state, not 0 or max (B4)", () => {
    const out = compareStreams(
      [state(A, Resource.ENTRY, 10n, 5n, 1), state(B, Resource.VOLUME, undefined, 0n, 0)],
      [
        wm(A, Resource.ENTRY, 25n, 9n, 4),
        wm(B, Resource.VOLUME, 3n, 1n, 5),
        wm(B, Resource.LOCATION, 2n, 1n, 6),
      ],
    );
    const byKey = new Map(out.map((s) => [s.key.split("/")[1], s]));
    expect(byKey.get("entry")).toMatchObject({ verdict: "peer-ahead", lag: "15" });
    expect(byKey.get("volume")).toMatchObject({
      verdict: "missing-here",
      ourCursor: null,
      lag: "3",
    });
    expect(byKey.get("location")).toMatchObject({ verdict: "missing-here", ourCount: "0" });
  });

  test("we ahead, and a stream the peer lacks, have zero lag", () => {
    const out = compareStreams(
      [state(A, Resource.ENTRY, 30n, 5n, 1), state(A, Resource.TAG, 2n, 1n, 1)],
      [wm(A, Resource.ENTRY, 25n, 9n, 4)],
    );
    expect(out.map((s) => [s.verdict, s.lag])).toEqual([
      ["we-ahead", "0"],
      ["missing-there", "0"],
    ]);
  });

  test("watermarksOf keeps an absent cursor absent", () => {
    const [w] = watermarksOf([state(A, Resource.ENTRY, undefined, 0n, 0)]);
    expect(w?.cursor).toBeUndefined();
    expect(w?.stream?.resource).toBe(Resource.ENTRY);
  });

  test("watermarksOf tells the peer which streams are mid-pull", () => {
    const [idle, pulling] = watermarksOf([
      state(A, Resource.ENTRY, 5n, 5n, 1),
      state(B, Resource.ENTRY, 5n, 7n, 2, true),
    ]);
    expect(idle?.pulling).toBe(false);
    expect(pulling?.pulling).toBe(true);
  });
});

describe("syncVerdict: 'in sync' only when the peer answered, every stream is equal and sync is healthy", () => {
  const equal = compareStreams(
    [state(A, Resource.ENTRY, 3n, 3n, 1)],
    [wm(A, Resource.ENTRY, 3n, 3n, 1)],
  );
  const base = { state: "ready" as const, consecutiveFailures: 0, error: null, streams: equal };

  test("equal streams with a reachable, healthy peer", () => {
    expect(syncVerdict({ ...base, contact: "answered" })).toEqual({
      inSync: true,
      reason: "in sync",
    });
  });

  test("equal streams while in backoff are not in sync (regression: 'state=backoff … in sync ✓')", () => {
    const v = syncVerdict({
      ...base,
      contact: "answered",
      state: "backoff",
      consecutiveFailures: 1,
    });
    expect(v.inSync).toBe(false);
    expect(v.reason).toContain("backoff after 1 failed");
  });

  test("unreachable and refused say so, with the error", () => {
    expect(
      syncVerdict({
        ...base,
        contact: "unreachable",
        error: "[unavailable] ECONNREFUSED",
        streams: [],
      }),
    ).toEqual({
      inSync: false,
      reason: "unreachable: [unavailable] ECONNREFUSED",
    });
    expect(
      syncVerdict({
        ...base,
        contact: "refused",
        error: "[resource_exhausted] too big",
        streams: [],
      }).reason,
    ).toBe("refused the exchange: [resource_exhausted] too big");
  });

  test("differing streams are counted by verdict; not probing is not a verdict", () => {
    const streams = compareStreams(
      [state(A, Resource.ENTRY, 3n, 3n, 1), state(B, Resource.ENTRY, 9n, 3n, 1)],
      [wm(A, Resource.ENTRY, 5n, 4n, 2), wm(B, Resource.ENTRY, 9n, 3n, 1)],
    );
    expect(syncVerdict({ ...base, contact: "answered", streams }).reason).toBe(
      "1 of 2 streams differ (1 peer-ahead)",
    );
    expect(syncVerdict({ ...base, contact: "not-probed" }).inSync).toBeNull();
  });

  test("fingerprints at different cursors are not compared (regression: '✗ … equal' rows)", () => {
    const [s] = compareStreams(
      [state(A, Resource.ENTRY, 3n, 3n, 1)],
      [wm(A, Resource.ENTRY, 5n, 4n, 2)],
    );
    expect(s?.fingerprints).toBe("not-compared");
  });
});

describe("clockHoldLines", () => {
  test("names the held stream, the peer and how far ahead its HLC is", () => {
    const [line] = clockHoldLines([
      {
        stream: { origin: A, resource: Resource.TAG },
        peer: B,
        aheadMs: 600_400,
        maxOffsetMs: 300_000,
        since: 0,
      },
    ]);
    expect(line).toContain(`${A}/tag held (from ${B.slice(0, 8)})`);
    expect(line).toContain("600 s ahead of this clock (max 300 s)");
  });
});

describe("heldWriteLines", () => {
  const laptop = "ab".repeat(16);
  const phone = "cd".repeat(16);
  const names = (id: string) => (id === laptop ? "laptop" : "phone");

  test("names each paired peer own writes wait on, why, and the way out", () => {
    const lines = heldWriteLines(
      {
        confirmed: false,
        awaitingPeers: [laptop],
        waits: [
          { peer: laptop, reason: "not-heard-from" },
          { peer: phone, reason: "peer-pulling", stream: `${"ee".repeat(16)}/4` },
        ],
        unconfirmedSeqs: 12n,
      },
      names,
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("12 own change(s) kept here, not sent yet");
    expect(lines[0]).toContain("laptop abababab, which has not answered since this device started");
    expect(lines[0]).toContain("tidemark peer remove");
    expect(lines[1]).toContain("phone cdcdcdcd, which is still pulling our stream");
  });

  test("nothing when own writes are confirmed or none are held", () => {
    const own = { confirmed: true, awaitingPeers: [], waits: [], unconfirmedSeqs: 0n };
    expect(heldWriteLines(own, names)).toEqual([]);
    expect(heldWriteLines({ ...own, confirmed: false }, names)).toEqual([]);
  });
});
