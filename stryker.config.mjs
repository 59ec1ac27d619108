// `pnpm mutation`: StrykerJS mutates the engine's core modules and judges
// every mutant with the simulator's property profile only
// (packages/simulator/src/mutation.profile.test.ts), never the engine's
// unit tests: the measure of how much the simulator catches by itself.
// Incremental: results are kept in reports/mutation/incremental.json and
// only changed code or tests are re-run; the simulator's sources are not
// "tests" to Stryker, so after changing a property pass --force. See
// packages/simulator/README.md.
/**
 * The engine modules issue 11 names: store apply/serve/closure/dep-buffer,
 * sync, hlc, reconcile. The closure is tree.ts since bug 11's fix replaced
 * the materialised closure table with a recursive view.
 */
export const CORE_MODULES = [
  "packages/engine/src/store/applier.ts",
  "packages/engine/src/store/serve.ts",
  "packages/engine/src/store/tree.ts",
  "packages/engine/src/store/dep-buffer.ts",
  "packages/engine/src/sync/decide.ts",
  "packages/engine/src/sync/recovery.ts",
  "packages/engine/src/sync/inbox.ts",
  "packages/engine/src/sync/outbox.ts",
  "packages/engine/src/sync/peer-sync.ts",
  "packages/engine/src/sync/backoff.ts",
  "packages/engine/src/hlc/hlc.ts",
  "packages/engine/src/reconcile/*.ts",
  "!packages/engine/src/reconcile/*.test.ts",
  "!packages/engine/src/reconcile/test-sets.ts",
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "packages/simulator/vitest.mutation.config.ts" },
  mutate: CORE_MODULES,
  // The sandbox gets its own install (pnpm's workspace links are relative, so
  // the simulator there imports the sandbox's mutated engine).
  symlinkNodeModules: false,
  buildCommand: "npx -y pnpm@10.34.9 install --frozen-lockfile --offline --silent",
  ignorePatterns: ["reports", ".test-results", ".turbo", "dist"],
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants) would re-run every test for each.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: "reports/mutation/incremental.json",
  concurrency: 2,
  timeoutMS: 60_000,
  timeoutFactor: 2,
  // The dry run is the whole profile (about 1 min quiet); Stryker's default
  // 5 min limit fails the run outright on a loaded 2-core box.
  dryRunTimeoutMinutes: 20,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
