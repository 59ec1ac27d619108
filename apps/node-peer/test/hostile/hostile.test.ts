// The hostile-peer suite, bounded for `pnpm test` (a longer run:
// `pnpm --filter @tidemark/node-peer soak:hostile`). Prints how many cases
// were tried and the seed to replay them (HOSTILE_SEED).
import { expect, test } from "vitest";
import { runHostileSuite } from "./hostile-suite.js";

test("hostile messages and bytes on every RPC: typed answers, bounded victim, honest sync goes on", async () => {
  const seed = process.env.HOSTILE_SEED === undefined ? 14 : Number(process.env.HOSTILE_SEED);
  const report = await runHostileSuite({
    messages: 120,
    bytes: 200,
    lies: 8,
    maxList: 300,
    convergeEvery: 20,
    seed,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`hostile suite: ${JSON.stringify(report)}\n`);
  expect(report.cases).toBe(328);
}, 480_000);
