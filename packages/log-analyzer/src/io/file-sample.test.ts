import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectLogFormat } from "../mining/header-detect.js";
import { detectLineTime } from "../mining/line-time.js";
import { fileSample } from "./file-sample.js";

const dir = mkdtempSync(join(tmpdir(), "la-sample-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fileSample", { timeout: 60_000 }, () => {
  it("a short file is sampled whole, in order", async () => {
    const path = join(dir, "short.log");
    writeFileSync(path, "a\nb\nc\n");
    expect(await fileSample(path, 400)).toEqual(["a", "b", "c"]);
  });

  it("a-long-banner-does-not-decide-the-format: the stamp and header of most of the file win", async () => {
    const path = join(dir, "banner.log");
    const banner = Array.from(
      { length: 3000 },
      (_, i) => `  -Dprop.${i}=/opt/app/lib/jar-${i}.jar`,
    );
    const body = Array.from(
      { length: 30_000 },
      (_, i) =>
        `2026-12-06 02:${String(10 + (i % 50))}:03,${String(100 + (i % 900))} INFO [main] org.x.Worker: job ${i} done`,
    );
    writeFileSync(path, `${[...banner, ...body].join("\n")}\n`);
    const sample = await fileSample(path, 400);
    expect(sample.length).toBe(400);
    // The first 400 lines are all banner: they alone would find no stamp at all.
    expect(detectLineTime(banner.slice(0, 400))).toBeNull();
    expect(detectLineTime(sample)).toEqual({ stamp: "iso", lead: 0 });
    expect(detectLogFormat(sample)).toBe("<Date> <Time> <Level> [<Thread>] <Component>: <Content>");
  });
});
