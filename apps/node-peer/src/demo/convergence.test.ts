import { describe, expect, test } from "vitest";
import type { StatusReport, StreamRow } from "../status-report.js";
import { allConverged, judge } from "./convergence.js";

function row(
  origin: string,
  resource: string,
  cursor: string,
  count: string,
  fp: string,
  pulling = false,
): StreamRow {
  return {
    key: `${origin}/${resource}`,
    origin,
    resource,
    cursor,
    liveCount: count,
    fingerprint: fp,
    pulling,
    maxAppliedSeq: cursor,
    tombstoneHorizon: null,
  };
}

function report(device: string, streams: StreamRow[]): StatusReport {
  return {
    device,
    deviceName: device,
    library: "l",
    libraryName: "l",
    dataDir: "/x",
    logFile: "/x/logs/tidemark.log",
    serving: true,
    liveRows: streams.reduce((n, s) => n + BigInt(s.liveCount), 0n).toString(),
    streams,
    peers: [],
    metrics: {},
    wire: { bytesIn: 0, bytesOut: 0 },
    clockHolds: [],
    heldWrites: [],
    refused: [],
  };
}

describe("judge", () => {
  const a1 = row("a", "entry", "10", "10", "f1");
  const b1 = row("b", "entry", "5", "5", "f2");

  test("devices holding every stream as its origin does have converged", () => {
    const v = judge([report("a", [a1, b1]), report("b", [a1, b1]), report("c", [a1, b1])]);
    expect(v.every((x) => x.converged)).toBe(true);
    expect(allConverged(v)).toBe(true);
  });

  test("agreeing with another lagging device is not convergence: the origin is the reference", () => {
    const stale = row("a", "entry", "8", "8", "f0");
    const v = judge([report("a", [a1, b1]), report("b", [stale, b1]), report("c", [stale, b1])]);
    expect(v.map((x) => x.converged)).toEqual([true, false, false]);
    expect(v[1]?.differing).toEqual(["a/entry"]);
    expect(allConverged(v)).toBe(false);
  });

  test("a stream still being pulled is not converged, even at equal values", () => {
    const v = judge([report("a", [a1]), report("b", [{ ...a1, pulling: true }])]);
    expect(v[1]?.converged).toBe(false);
  });

  test("a missing stream is not converged", () => {
    const v = judge([report("a", [a1]), report("b", [b1]), report("c", [a1])]);
    expect(v[2]?.differing).toEqual(["b/entry"]);
  });
});
