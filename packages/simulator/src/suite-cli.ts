// `pnpm sim:suite [--seed S] [--runs N] [--scenarios a,b] [--no-variants]`: the property
// suite against the implementation behind TIDEMARK_ENGINE_ADAPTER (default:
// the reference engine). One line per check; exit 1 if any fails.
import { parseArgs } from "node:util";
import { loadAdapter } from "./engine-binding.js";
import { runSuite } from "./suite.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "1" },
      runs: { type: "string", default: "10" },
      "no-variants": { type: "boolean", default: false },
      scenarios: { type: "string" },
    },
  });
  const adapter = await loadAdapter();
  console.log(`suite: ${adapter.name}, seed ${values.seed}`);
  const report = await runSuite(adapter, {
    seed: Number(values.seed),
    randomRuns: Number(values.runs),
    variants: !values["no-variants"],
    ...(values.scenarios === undefined ? {} : { scenarios: values.scenarios.split(",") }),
    onResult: (r) =>
      console.log(
        `${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}${r.ok || r.replay === "" ? "" : `\n     replay: ${r.replay}`}`,
      ),
  });
  console.log(report.ok ? "suite: every check passed" : "suite: FAILED");
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  },
);
