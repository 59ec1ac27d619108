// The vitest project StrykerJS runs for `pnpm mutation`: the simulator's
// mutation profile only (src/mutation.profile.test.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["src/mutation.profile.test.ts"],
    setupFiles: ["../../scripts/fast-check-seed.mjs"],
  },
});
