// Vitest setup: one fixed fast-check seed for `pnpm test` (issue 11, S12),
// so every property test draws the same cases on every run and a catch is
// never luck; @fast-check/vitest prints it in each property's name
// ("with seed=…"). TIDEMARK_FC_SEED=N picks another seed; =random draws a
// fresh one per run, as soak runs do. A test that names its own seed keeps it.
import fc from "fast-check";

const DEFAULT_SEED = 20_251_204;
const env = process.env.TIDEMARK_FC_SEED;
const seed =
  env === "random"
    ? (Date.now() ^ (process.pid << 8)) | 0
    : env === undefined
      ? DEFAULT_SEED
      : Number(env);
if (!Number.isSafeInteger(seed))
  throw new Error(`TIDEMARK_FC_SEED must be an integer or "random", got ${env}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
