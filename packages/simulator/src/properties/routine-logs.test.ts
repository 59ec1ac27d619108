import { describe, expect, test } from "vitest";
import type { LoudRecord } from "../log-sink.js";
import { routineLogsQuiet } from "./routine-logs.js";

const loud = (event: string, decision?: string): LoudRecord => ({
  device: 1,
  level: "warn",
  event,
  decision,
  at: 1_500,
});

describe("routine-logs-quiet", () => {
  test("trouble said at warn passes: a backoff, a limit, an origin rewind", () => {
    expect(
      routineLogsQuiet([
        loud("backoff"),
        loud("limit-reached"),
        loud("sync-decision", "origin-rewind"),
      ]),
    ).toBe(undefined);
  });

  test("a pull decision said at warn fails, naming the device and decision", () => {
    expect(routineLogsQuiet([loud("sync-decision", "pull")])?.detail).toContain(
      'd1 said "sync-decision" (a pull decision) at warn at 1500 ms',
    );
  });

  test("a page served said at warn fails", () => {
    expect(routineLogsQuiet([loud("pull-page")])?.property).toBe("routine-logs-quiet");
  });
});
