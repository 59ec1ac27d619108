import { describe, expect, test } from "vitest";
import { pickSource, type SourceCandidate } from "./source.js";

const cand = (peer: string, cursor: bigint | undefined, usable = true): SourceCandidate => ({
  peer,
  cursor,
  usable,
});
const need = { origin: "o", asked: "r", localCursor: 10n, pulling: false, maxAppliedSeq: 10n };

describe("pickSource", () => {
  test("prefers the origin when it is as far ahead as the peer that asked", () => {
    expect(pickSource([cand("r", 20n), cand("o", 20n)], need)).toBe("o");
    expect(pickSource([cand("r", 20n), cand("o", 25n)], need)).toBe("o");
  });

  test("relays from the peer furthest ahead when the origin is behind, away or unusable", () => {
    expect(pickSource([cand("r", 20n), cand("o", 15n)], need)).toBe("r");
    expect(pickSource([cand("r", 20n), cand("x", 30n)], need)).toBe("x");
    expect(pickSource([cand("r", 20n), cand("o", 30n, false)], need)).toBe("r");
  });

  test("ties between relays go to the peer that asked", () => {
    expect(pickSource([cand("x", 20n), cand("r", 20n)], need)).toBe("r");
  });

  test("nobody ahead, nobody with a cursor: no source", () => {
    expect(pickSource([cand("r", 10n), cand("o", undefined)], need)).toBeUndefined();
    expect(pickSource([], need)).toBeUndefined();
  });

  test("an unfinished pull only finishes against a peer holding what it applied", () => {
    const pulling = { ...need, pulling: true, maxAppliedSeq: 18n };
    expect(pickSource([cand("r", 17n), cand("x", 18n)], pulling)).toBe("x");
    expect(pickSource([cand("r", 17n)], pulling)).toBeUndefined();
  });

  test("a-pull-resumes-from-the-source-its-resume-point-holds-with", () => {
    // Elsewhere it would restart at its gap-free point (BF-19).
    const pulling = {
      ...need,
      pulling: true,
      maxAppliedSeq: 18n,
      resumeSource: { peer: "x", cursor: 25n },
    };
    expect(pickSource([cand("r", 30n), cand("o", 30n), cand("x", 25n)], pulling)).toBe("x");
    // Its cursor went back (a restored copy), or it is unusable: as before.
    expect(pickSource([cand("o", 30n), cand("x", 24n)], pulling)).toBe("o");
    expect(pickSource([cand("o", 30n), cand("x", 25n, false)], pulling)).toBe("o");
    // A pull not under way has no resume point.
    expect(pickSource([cand("o", 30n), cand("x", 30n)], { ...pulling, pulling: false })).toBe("o");
  });

  test("a stream we hold nothing of can come from anyone with a cursor", () => {
    expect(
      pickSource([cand("r", 1n)], { ...need, localCursor: undefined, maxAppliedSeq: undefined }),
    ).toBe("r");
  });
});
