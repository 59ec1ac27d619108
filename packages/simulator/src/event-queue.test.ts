import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  test("pops by time, then by insertion order (stable ties)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue();
        for (const t of times) q.push(t, () => {});
        const out: [number, number][] = [];
        for (let ev = q.pop(); ev !== undefined; ev = q.pop()) out.push([ev.time, ev.seq]);
        const expected = times
          .map((t, i) => [t, i] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(out).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  test("cancelled events are skipped", () => {
    const q = new EventQueue();
    const a = q.push(1, () => {});
    q.push(2, () => {});
    q.cancel(a);
    expect(q.peekTime()).toBe(2);
    expect(q.pop()?.time).toBe(2);
    expect(q.pop()).toBeUndefined();
  });
});
