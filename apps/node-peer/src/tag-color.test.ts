import { describe, expect, test } from "vitest";
import { isCliError } from "./errors.js";
import { normaliseColor } from "./tag-color.js";

describe("normaliseColor", () => {
  test("hex in either length and names are stored as lowercase #rrggbb", () => {
    expect(normaliseColor("#FFAA00")).toBe("#ffaa00");
    expect(normaliseColor("#f80")).toBe("#ff8800");
    expect(normaliseColor(" Blue ")).toBe("#0000ff");
  });

  test("anything else is refused with the accepted forms", () => {
    for (const bad of ["bluish", "#12345", "#ggg", "ff8800", "", "rgb(1,2,3)"]) {
      let err: unknown;
      try {
        normaliseColor(bad);
      } catch (e) {
        err = e;
      }
      expect(isCliError(err), bad).toBe(true);
      expect((err as Error).message).toContain("invalid colour");
    }
  });
});
