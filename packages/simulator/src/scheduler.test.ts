import { describe, expect, test } from "vitest";
import { Scheduler } from "./scheduler.js";

describe("Scheduler", () => {
  test("async continuations of an event settle before virtual time advances", async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(10, () => {
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        seen.push(`continuation@${s.now}`);
      })();
    });
    s.at(20, () => seen.push(`event@${s.now}`));
    await s.run({ until: 100 });
    expect(seen).toEqual(["continuation@10", "event@20"]);
  });

  test("events scheduled by events run in order and time ends at the limit", async () => {
    const s = new Scheduler();
    const seen: number[] = [];
    s.at(5, () => {
      seen.push(s.now);
      s.after(5, () => seen.push(s.now));
    });
    expect(await s.run({ until: 50 })).toBe("empty");
    expect(seen).toEqual([5, 10]);
    s.at(100, () => {});
    expect(await s.run({ until: 60 })).toBe("until");
    expect(s.now).toBe(60);
  });

  test("a throwing event is recorded, not lost, and the run goes on", async () => {
    const s = new Scheduler();
    let after = false;
    s.at(1, () => {
      throw new Error("boom");
    });
    s.at(2, () => {
      after = true;
    });
    await s.run({ until: 10 });
    expect(after).toBe(true);
    expect(String(s.takeErrors()[0])).toContain("boom");
  });
});
