import type { SyncClient } from "@tidemark/engine";
import { afterEach, describe, expect, test } from "vitest";
import { PeerMonitor } from "./peer-monitor.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let monitor: PeerMonitor | undefined;
afterEach(() => monitor?.close());

/** A probe whose answers are scripted: true = Hello answers, false = it fails. */
function scripted(answers: boolean[]) {
  const events: string[] = [];
  let i = 0;
  monitor = new PeerMonitor({
    clientOf: () => ({}) as SyncClient,
    hello: async () => {
      const ok = answers[Math.min(i++, answers.length - 1)];
      if (ok !== true) throw new Error("refused");
    },
    onUp: (p) => events.push(`up ${p}`),
    onDown: (p) => events.push(`down ${p}`),
    upIntervalMs: 5,
    downIntervalMs: 5,
    failuresToDown: 3,
  });
  monitor.watch("p");
  return { events, probes: () => i };
}

describe("PeerMonitor", () => {
  test("reports a peer up once, and down only after 3 consecutive failed probes", async () => {
    const { events, probes } = scripted([
      true,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
    while (probes() < 9) await sleep(5);
    await sleep(20);
    expect(events).toEqual(["up p", "down p", "up p"]);
  });

  test("a peer that never answers is never reported up", async () => {
    const { events, probes } = scripted([false]);
    while (probes() < 5) await sleep(5);
    expect(events).toEqual([]);
    expect(monitor?.isUp("p")).toBe(false);
  });
});
