// Lossless round trips of logs in every stamp shape the line reader knows,
// alone and mixed in one file, in blocks small enough to take the columnar form.
import { describe, expect, it } from "vitest";
import { compressBuffer, decompressBuffer } from "./tdlz.js";

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

// One stamp per shape for line i; the clock moves on and wraps as real logs do.
const SHAPES: readonly [string, (i: number) => string][] = [
  ["ISO T fraction zone", (i) => `2026-12-06T02:${pad(i % 60)}:03.${pad(i % 1000, 9)}+01:00`],
  ["ISO spaced offset", (i) => `2026-12-06 02:14:${pad(i % 60)} -0500`],
  ["bracketed log4j", (i) => `[2026-12-06 02:14:${pad(i % 60)},${pad(i % 1000, 3)}]`],
  ["Go", (i) => `2026/12/06 02:14:${pad(i % 60)}`],
  ["epoch seconds", (i) => `${1_796_523_243 + i}`],
  ["epoch micros", (i) => `${1_796_523_243_123_456 + i * 1_000_003}`],
  [
    "syslog rollover",
    (i) => (i < 150 ? `Dec 31 23:59:${pad(i % 60)}` : `Jan  1 00:00:${pad(i % 60)}`),
  ],
  ["glog", (i) => `I1206 02:14:${pad(i % 60)}.${pad(i, 6)}    ${40 + (i % 3)} main.go:${i}]`],
  ["Apache access", (i) => `10.0.0.${i % 256} - - [06/Dec/2026:02:14:${pad(i % 60)} +0000]`],
  ["Tomcat", (i) => `06-Dec-2026 02:14:${pad(i % 60)}.${pad(i % 1000, 3)} INFO [main]`],
  [
    "12-hour US",
    (i) => `12/06/2026 ${1 + (i % 12)}:14:${pad(i % 60)} ${i % 2 === 0 ? "AM" : "PM"}`,
  ],
  ["12-hour month name", (i) => `Dec ${1 + (i % 28)}, 2026 ${1 + (i % 12)}:14:${pad(i % 60)} p.m.`],
  ["French month", (i) => `déc. ${1 + (i % 28)} 02:14:${pad(i % 60)}`],
  ["RFC 2822", (i) => `Sun, 06 Dec 2026 02:14:${pad(i % 60)} +0000`],
];

const message = (i: number): string =>
  [`worker ${i % 7} finished job ${i} in ${i * 13} ms`, `retry ${i % 5} of 5 for 10.0.${i % 9}.1`][
    i % 2
  ] as string;

async function roundTrip(text: string, blockLines: number): Promise<string> {
  const data = Buffer.from(text, "utf8");
  const back = await decompressBuffer(await compressBuffer(data, { quality: 5, blockLines }));
  return Buffer.from(back).toString("utf8");
}

describe("tdlz round trips of stamped logs", { timeout: 120_000 }, () => {
  it.each(SHAPES)("round-trips a %s log byte for byte", async (_name, stamp) => {
    const text = `${Array.from({ length: 300 }, (_, i) => `${stamp(i)} ${message(i)}`).join("\n")}\n`;
    expect(await roundTrip(text, 100)).toBe(text);
  });

  it("round-trips one file whose lines switch between every shape, CRLF and no final newline", async () => {
    const lines = Array.from({ length: 600 }, (_, i) => {
      const [, stamp] = SHAPES[i % SHAPES.length] as [string, (i: number) => string];
      return `${stamp(i)} ${message(i)}${i % 11 === 0 ? "\r" : ""}`;
    });
    const text = lines.join("\n");
    expect(await roundTrip(text, 64)).toBe(text);
  });
});
