// Held pushes of an origin restored from a backup (PROTOCOL §3.7, §8's note
// on held batches): whether the backup predates the pushes or the stream
// itself, the receiver drops what the old incarnation pushed and the run
// converges on the restored origin's rows. The earlier backup is the
// regression of a leak: the restored origin listed no such stream, the
// held batches stayed (`buffers-bounded`: "d1 still holds 13 realtime
// changes after healing") and could be drained over its new chain.
import { describe, expect, test } from "vitest";
import { describeFailure } from "../properties/index.js";
import { runScenario } from "../simulation.js";
import { engine } from "../test-support.js";
import { SCENARIOS } from "./index.js";

async function failure(name: string, seed: number): Promise<string> {
  const make = SCENARIOS[name];
  if (make === undefined) throw new Error(`no scenario ${name}`);
  const r = await runScenario(make({ seed }), { adapter: await engine() });
  return r.failure === undefined ? "ok" : describeFailure(r.failure);
}

describe("held pushes of a restored origin", () => {
  for (const name of ["restore-while-held", "restore-before-stream-while-held"])
    test(`${name}: dropped, and the run converges (seeds 1-3)`, async () => {
      for (const seed of [1, 2, 3]) expect(await failure(name, seed), `seed ${seed}`).toBe("ok");
    }, 120_000);
});
