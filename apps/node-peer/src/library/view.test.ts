import { describe, expect, test } from "vitest";
import { likePattern, looksLikeId } from "./view.js";

describe("find patterns", () => {
  test("without globs a pattern is a substring; * and ? are globs; LIKE's own wildcards are literal", () => {
    expect(likePattern("holiday")).toBe("%holiday%");
    expect(likePattern("*.jpg")).toBe("%.jpg");
    expect(likePattern("IMG_20??.*")).toBe("IMG\\_20__.%");
    expect(likePattern("100%")).toBe("%100\\%%");
  });

  test("ids are 32 hex digits, dashes allowed", () => {
    expect(looksLikeId("0192f0c0aaaa7000800000000000000a")).toBe(true);
    expect(looksLikeId("0192f0c0-aaaa-7000-8000-00000000000a")).toBe(true);
    expect(looksLikeId("photos/a.jpg")).toBe(false);
    expect(looksLikeId("0192f0c0")).toBe(false);
  });
});
