import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The conformance runs start real node-peer processes: build the CLI once first.
    globalSetup: ["./test/build.global-setup.ts"],
  },
});
