// The bench's generated files: each run gets its own directory and leaves nothing behind.
import { existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { buildCorpus } from "../bench/corpus.js";

describe("bench corpus", { timeout: 60_000 }, () => {
  it("the bench's temp file was a fixed shared path: each run writes into its own directory and removes it", () => {
    const a = buildCorpus(() => {}, { simulatorRuns: [] });
    const b = buildCorpus(() => {}, { simulatorRuns: [] });
    try {
      expect(a.dir).not.toBe(b.dir);
      expect(a.dir.startsWith(tmpdir())).toBe(true);
      const written = a.files.filter((f) => f.group !== "loghub" && f.group !== "data");
      expect(written.length).toBeGreaterThan(4);
      for (const f of written) expect(f.path.startsWith(a.dir)).toBe(true);
      expect(statSync(a.files.find((f) => f.name === "random-1MiB.bin")?.path ?? "").size).toBe(
        1 << 20,
      );
      expect(readdirSync(a.dir).length).toBe(written.length);
    } finally {
      a.cleanup();
      b.cleanup();
    }
    expect(existsSync(a.dir) || existsSync(b.dir)).toBe(false);
  });
});
