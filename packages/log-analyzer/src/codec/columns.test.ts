import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter } from "./bytes.js";
import { ColumnKind, chooseKind, readColumn, writeColumn } from "./columns.js";

function roundTrip(values: string[]): string[] {
  const w = new ByteWriter();
  writeColumn(w, values);
  return readColumn(new ByteReader(w.finish()), values.length);
}

describe("columns", () => {
  it("picks integer, fixed-width, constant and string encodings", () => {
    expect(chooseKind(["1", "-20", "300"])).toBe(ColumnKind.Integers);
    expect(chooseKind(["007", "123", "000"])).toBe(ColumnKind.FixedDigitsPlain);
    expect(chooseKind(["x", "x"])).toBe(ColumnKind.Constant);
    expect(chooseKind(["1", "01"])).toBe(ColumnKind.Strings);
    expect(chooseKind(["-0", "1"])).toBe(ColumnKind.Strings);
    expect(chooseKind(["9999999999999999", "1"])).toBe(ColumnKind.Strings);
  });

  it("stores counters and timestamps as deltas, scattered values (ports, sizes) plainly", () => {
    expect(chooseKind(["1700000000123", "1700000000125", "1700000000190"])).toBe(
      ColumnKind.Integers,
    );
    expect(chooseKind(["0941", "0942", "0943"])).toBe(ColumnKind.FixedDigits);
    expect(chooseKind(["22", "50123", "443", "61002", "8080"])).toBe(ColumnKind.IntegersPlain);
  });

  test.prop(
    [
      fc.array(
        fc.oneof(
          fc.integer().map(String),
          fc.stringMatching(/^[0-9]{1,16}$/),
          fc.string({ unit: "binary-ascii" }),
          fc.constantFrom("-0", "0", "-", "", "00"),
        ),
        { maxLength: 40 },
      ),
    ],
    { numRuns: 300 },
  )("round-trips any column exactly", (values) => {
    expect(roundTrip(values)).toEqual(values);
  });
});
