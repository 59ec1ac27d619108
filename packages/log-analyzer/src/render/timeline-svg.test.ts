import { describe, expect, it } from "vitest";
import type { TimelineReport } from "../analysis/timeline.js";
import { stateColours, timelineSvg } from "./timeline-svg.js";

/** sRGB of "#rrggbb" or "hsl(h, s%, l%)". */
function rgb(c: string): [number, number, number] {
  if (c.startsWith("#"))
    return [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
  const [h, s, l] = (c.match(/[\d.]+/g) ?? []).map(Number) as [number, number, number];
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function closest(colours: string[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      const [a, b] = [rgb(colours[i] as string), rgb(colours[j] as string)];
      min = Math.min(min, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
    }
  }
  return min;
}

describe("timeline colours", () => {
  it("two timeline states got almost the same colour: states get clearly different colours", () => {
    // "syncing" and "connecting" hashed to hues 223 and 224.
    const states = ["syncing", "connecting", "paused", "in-sync", "online", "ready", "backoff"];
    const map = stateColours(states);
    expect(new Set(map.values()).size).toBe(states.length);
    expect(closest([...map.values()])).toBeGreaterThan(25);
    const twelve = stateColours(Array.from({ length: 12 }, (_, i) => `state-${i}`));
    expect(closest([...twelve.values()])).toBeGreaterThan(25);
  });

  it("stays distinct past the palette, and the same state has the same colour everywhere", () => {
    const many = stateColours(Array.from({ length: 40 }, (_, i) => `s${i}`));
    expect(new Set(many.values()).size).toBe(40);
    const report: TimelineReport = {
      unit: "ms",
      clock: "event times",
      untimed: 0,
      start: 0,
      end: 100,
      gapThreshold: 100,
      lanes: ["a", "b"].map((lane) => ({
        lane,
        events: 2,
        errors: 0,
        warnings: 0,
        start: 0,
        end: 100,
        gaps: [],
        gapThreshold: 100,
        points: [],
        phases: [
          { state: "syncing", start: 0, end: 50, events: 1 },
          { state: "connecting", start: 50, end: 100, events: 1 },
        ],
      })),
    };
    const svg = timelineSvg(report);
    const fills = [...svg.matchAll(/class="phase"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(fills).toEqual([fills[0], fills[1], fills[0], fills[1]]);
    expect(fills[0]).not.toBe(fills[1]);
  });
});
