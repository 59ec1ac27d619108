import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The mutation profile runs under `pnpm mutation` only (its cases are run here anyway).
    exclude: ["src/mutation.profile.test.ts", "**/node_modules/**"],
    // One fixed fast-check seed unless TIDEMARK_FC_SEED says otherwise (S12).
    setupFiles: ["../../scripts/fast-check-seed.mjs"],
  },
});
