// peer-transitions-documented judges the peer-state log records: levels by
// severity, and the only ways out of backoff and out of failed.
import { describe, expect, test } from "vitest";
import type { PeerStateRecord } from "../log-sink.js";
import { peerTransitionsDocumented } from "./peer-transitions.js";

const rec = (
  from: string,
  to: string,
  reason: string,
  level: PeerStateRecord["level"],
): PeerStateRecord => ({ device: 1, from, to, reason, level });

describe("peer-transitions-documented", () => {
  test("the engine README's machine at its levels passes", () => {
    const ok = [
      rec("uninitialized", "backfilling", "recovery-started", "info"),
      rec("backfilling", "backoff", "push-failed", "warn"),
      rec("backoff", "catching-up", "backoff-elapsed", "info"),
      rec("catching-up", "ready", "catching-up-done", "info"),
      rec("ready", "failed", "exchange-fatal", "error"),
      rec("failed", "ready", "reconnected", "info"),
      rec("backoff", "uninitialized", "reconnected", "info"),
    ];
    expect(peerTransitionsDocumented(ok)).toBeUndefined();
  });

  test("a transition naming no reason fails", () => {
    for (const reason of ["", "pull done", "Done"])
      expect(
        peerTransitionsDocumented([rec("catching-up", "ready", reason, "info")])?.detail,
      ).toContain("names no reason");
  });

  test("a parked peer said below error, or a healthy transition said as an alarm, fails", () => {
    const quiet = peerTransitionsDocumented([rec("ready", "failed", "exchange-fatal", "warn")]);
    expect(quiet?.detail).toContain("said at warn, expected error");
    const loud = peerTransitionsDocumented([rec("ready", "catching-up", "x", "error")]);
    expect(loud?.detail).toContain("expected info or debug");
  });

  test("ready straight out of backoff, or out of failed, without a reconnect fails", () => {
    const early = peerTransitionsDocumented([rec("backoff", "ready", "backfilling-done", "info")]);
    expect(early?.detail).toContain("left backoff");
    const unparked = peerTransitionsDocumented([
      rec("failed", "ready", "catching-up-done", "info"),
    ]);
    expect(unparked?.detail).toContain("left failed");
  });
});
