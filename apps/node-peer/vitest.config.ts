import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // One fixed fast-check seed unless TIDEMARK_FC_SEED says otherwise (S12).
    setupFiles: ["../../scripts/fast-check-seed.mjs"],
    globalSetup: ["./test/build.global-setup.ts"],
  },
});
