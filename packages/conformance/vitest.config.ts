import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The conformance runs start real node-peer processes: build the CLI once first.
    globalSetup: ["./test/build.global-setup.ts"],
    // known-bad.test.ts: 8 variants at once, not 5. Each owns its process and
    // ports and mostly waits out scenario timeouts; longest first, the two
    // slowest set the pace instead of the sum of the rest.
    maxConcurrency: 8,
  },
});
