// reconcile-when-due's rule on its own: PROTOCOL §4.2 rows 5, 8 and 9.
import { describe, expect, test } from "vitest";
import { reconcileNotDue, type Side } from "./repairs.js";

const side = (cursor: bigint | undefined, more: Partial<Side> = {}): Side => ({
  cursor,
  horizon: undefined,
  pulling: false,
  liveCount: 0n,
  ...more,
});

describe("reconcileNotDue", () => {
  test("equal cursors call for a reconcile (row 9)", () => {
    expect(reconcileNotDue(side(5n), side(5n))).toBeUndefined();
  });

  test("a peer ahead with us strictly below its horizon calls for a full resync (row 5)", () => {
    expect(reconcileNotDue(side(3n), side(9n, { horizon: 4n }))).toBeUndefined();
  });

  test("a peer ahead with us at or above its horizon calls for a pull, not a reconcile", () => {
    expect(reconcileNotDue(side(4n), side(9n, { horizon: 4n }))).toMatch(/cursors 4 vs 9/);
    expect(reconcileNotDue(side(3n), side(9n))).toMatch(/horizon none/);
  });

  test("a peer behind, or either side without a cursor, calls for none", () => {
    expect(reconcileNotDue(side(9n), side(3n, { horizon: 1n }))).toBeDefined();
    expect(reconcileNotDue(side(undefined), side(3n))).toBeDefined();
    expect(reconcileNotDue(side(3n), side(undefined))).toBeDefined();
  });

  test("a peer that announced it is pulling is never reconciled with (row 8)", () => {
    expect(reconcileNotDue(side(5n), side(5n, { pulling: true }))).toMatch(/pulling/);
  });
});
