import { defineConfig } from "vitest/config";

// One vitest run over every package; each package's own vitest.config.ts
// says where its tests live.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
