import { defineConfig } from "vitest/config";

// One vitest run over every package; each package's own vitest.config.ts
// says where its tests live.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    // Vitest's default is cores - 1: one file at a time on a 2-core CI box,
    // where the longest files (real peers, timeouts, known-bad variants)
    // mostly wait. Two files at once keep both cores busy.
    maxWorkers: 2,
  },
});
