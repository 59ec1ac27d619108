import { describe, expect, test } from "vitest";
import { PEER_DEFAULTS, parsePeerArgs } from "../../bench/peer-args.js";

describe("peer bench arguments", () => {
  test("defaults: 200 singles, a 10,000-change burst, 10K and 100K backfills, 2..8 devices", () => {
    expect(parsePeerArgs(["--peers", "--json"])).toEqual(PEER_DEFAULTS);
  });

  test("--1m adds the 1,000,000-row backfill after the others", () => {
    expect(parsePeerArgs(["--peers", "--1m"]).backfillRows).toEqual([10_000, 100_000, 1_000_000]);
  });

  test("sizes and lists are read as given", () => {
    const a = parsePeerArgs([
      "--singles",
      "5",
      "--burst",
      "50",
      "--backfill-rows",
      "300,100",
      "--devices",
      "2,3",
    ]);
    expect(a).toEqual({
      singles: 5,
      burst: 50,
      burstPerCommit: 1,
      burstInFlight: 1,
      backfillRows: [100, 300],
      devices: [2, 3],
    });
    expect(parsePeerArgs(["--burst-per-commit", "10"]).burstPerCommit).toBe(10);
    expect(parsePeerArgs(["--burst-in-flight", "8"]).burstInFlight).toBe(8);
  });

  test("a size that is not a positive integer is refused, naming the flag", () => {
    expect(() => parsePeerArgs(["--burst", "ten"])).toThrow(/--burst takes a positive integer/);
    expect(() => parsePeerArgs(["--backfill-rows", "10,0"])).toThrow(/--backfill-rows/);
    expect(() => parsePeerArgs(["--devices", "1,2"])).toThrow(/at least 2 devices/);
    expect(() => parsePeerArgs(["--singles"])).toThrow(/--singles takes a positive integer/);
  });
});
