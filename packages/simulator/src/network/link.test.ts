import { describe, expect, test } from "vitest";
import { Prng } from "../prng.js";
import { CALM_LINK, Link } from "./link.js";

describe("link bandwidth", () => {
  test("a-lifted-bandwidth-limit-holds-nothing-back: freeAt agrees with when a new message departs", () => {
    const link = new Link(0, 1, { ...CALM_LINK, jitterMs: 0, bytesPerMs: 2 }, new Prng(1));
    const queued = link.plan(0, 20_000);
    expect(queued.kind === "deliver" && queued.arriveAt).toBe(10_000 + CALM_LINK.latencyMs);
    // Limited: the wire is busy with the queued bytes.
    expect(link.freeAt(100)).toBe(10_000);
    link.profile = { ...link.profile, bytesPerMs: undefined };
    // Lifted: a new message leaves at once, so a stream paced by freeAt may too.
    const next = link.plan(100, 20_000);
    expect(next.kind === "deliver" && next.arriveAt).toBe(100 + CALM_LINK.latencyMs);
    expect(link.freeAt(100)).toBe(100);
  });
});
