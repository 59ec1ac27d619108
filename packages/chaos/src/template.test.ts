import { describe, expect, test } from "vitest";
import { fillTemplate, shellQuote } from "./template.js";

describe("fillTemplate", () => {
  test("fills placeholders with shell-quoted values", () => {
    expect(fillTemplate("peer --data {dir} --port {port}", { dir: "/tmp/a b", port: 7400 })).toBe(
      "peer --data '/tmp/a b' --port 7400",
    );
  });
  test("an unknown placeholder is an error, not a literal", () => {
    expect(() => fillTemplate("peer {dri}", { dir: "/x" })).toThrow(/unknown placeholder \{dri\}/);
  });
  test("quotes single quotes", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
