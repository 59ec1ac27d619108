// Our node-peer started with each engine known-bad variant fails exactly
// the cases and client scenarios the package README's table says, so the
// table is checked, not hand-kept. Two processes per variant: the server
// cases run on one while the client scenarios run on the other.
// The target serves h2c (claimed callers): the client scenarios need it to
// dial the runner's h2c peer, and the signature cases that catch
// unverifiedChanges need claimed callers (over mutual TLS, SG-8 lets an
// origin's own pushes skip the check); the mutual-TLS cases are then not
// applicable.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadCases } from "../src/cases.js";
import { runClientScenarios } from "../src/client-mode/run.js";
import { runConformance } from "../src/runner.js";
import { tidemarkCommand } from "./node-peer.js";
import { startHarnessedPeer } from "./node-peer-harness.js";

type Row = { variant: string; server: string[]; client: string[]; rules: string[] };

/** The rows of the table between the known-bad markers of README.md. */
function readmeTable(): Row[] {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
  const block = /<!-- known-bad:start -->([\s\S]*?)<!-- known-bad:end -->/.exec(readme)?.[1] ?? "";
  const list = (cell: string | undefined) =>
    (cell ?? "")
      .replace(/`|—/g, "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .sort();
  return block
    .split("\n")
    .filter((l) => /^\| `/.test(l))
    .map((l) => l.split("|").map((c) => c.trim()))
    .map((c) => ({
      variant: (c[1] ?? "").replace(/`/g, ""),
      server: list(c[3]),
      client: list(c[4]),
      rules: list(c[5]),
    }));
}

// Longest first, so the slowest variants do not start last: each expected
// failure waits out its timeout, the client scenarios' most of all.
const cost = (r: Row) => 10 * r.client.length + r.server.length;
const rows = readmeTable()
  .filter((r) => r.server.length + r.client.length > 0)
  .sort((a, b) => cost(b) - cost(a));
const cases = loadCases();
describe("known-bad variants fail the cases of their rules", () => {
  it("the README names the seed's bugs the kit catches, the regressions and the lying-relay variants", () => {
    expect(rows.map((r) => r.variant).sort()).toEqual([
      "countLessThanOnly",
      "missingWatermarkAsMax",
      "noParentsById",
      "ownCommitsNeverHeld",
      "ownershipFilterEmpty",
      "pruneShadowingDeletes",
      "relayClaimsBelieved",
      "repeatsAfterSkip",
      "resumePastMissingPages",
      "symbolsWithoutFallback",
      "symmetricRecovery",
      "timestampWatermark",
      "trustsFalseDecode",
      "unverifiedChanges",
      "unverifiedHeads",
    ]);
  });

  // Concurrently (vitest.config.ts: maxConcurrency): most of a variant's
  // time is scenarios waiting out their timeout.
  it.concurrent.each(rows)(
    "$variant",
    async (row) => {
      // Two peers of the variant, each started by the runner with TestControl
      // (the cases that need them run too): the server cases on one, the
      // client scenarios on the other, at once. Each run still has a peer of
      // its own from its first step to its last, as with one peer in turn.
      const started = await Promise.allSettled([
        startHarnessedPeer(row.variant),
        startHarnessedPeer(row.variant),
      ]);
      const peers = started.flatMap((p) => (p.status === "fulfilled" ? [p.value] : []));
      try {
        const [target, client] = started.map((p) => {
          if (p.status === "rejected") throw p.reason;
          return p.value;
        });
        if (target === undefined || client === undefined) throw new Error("no peer started");
        const control = client.harness.control;
        // Both to their end before either's error is thrown: neither outlives the test.
        const runs = await Promise.allSettled([
          runConformance({
            target: { url: target.url, protocol: "connect" },
            library: target.library,
            cases,
            harness: target.harness,
          }),
          runClientScenarios({
            ...(control === undefined ? {} : { control }),
            clientUrl: client.url,
            library: client.library,
            protocol: "connect",
            // Short: a variant that never pulls fails most scenarios by waiting this long.
            // Counted in polling rounds (scenario-kit waitFor), so a loaded machine
            // stretches it rather than failing a passing scenario.
            timeoutMs: 6_000,
            addPeer: async (url) => {
              await promisify(execFile)(
                process.execPath,
                [
                  ...tidemarkCommand(row.variant),
                  "--data",
                  client.dir,
                  "peer",
                  "add",
                  url,
                  "--yes",
                ],
                { timeout: 60_000 },
              );
            },
          }),
        ] as const);
        if (runs[0].status === "rejected") throw runs[0].reason;
        if (runs[1].status === "rejected") throw runs[1].reason;
        const [server, scenarios] = [runs[0].value, runs[1].value];
        const failing = (rs: typeof server.results) =>
          rs
            .filter((r) => r.verdict === "fail")
            .map((r) => r.id)
            .sort();
        // On a mismatch, say why each unexpected case failed (e.g. a target that died).
        for (const r of [...server.results, ...scenarios.results]) {
          const expected = [...row.server, ...row.client].includes(r.id);
          if ((r.verdict === "fail") !== expected)
            console.error(`${row.variant}: ${r.id} ${r.verdict}: ${r.detail ?? ""}`);
        }
        expect(failing(server.results)).toEqual(row.server);
        expect(failing(scenarios.results)).toEqual(row.client);
        const rules = new Set(
          [...server.results, ...scenarios.results]
            .filter((r) => r.verdict === "fail")
            .flatMap((r) => r.rules),
        );
        expect([...rules].sort()).toEqual(row.rules);
      } finally {
        await Promise.all(peers.map((p) => p.stop()));
      }
    },
    // A variant that never pulls waits out every pull scenario (about 4 minutes
    // measured at load 17), and waits stretch on a loaded machine: a bound.
    600_000,
  );
});
