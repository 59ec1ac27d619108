// Checks a parsed config value and turns every problem into one
// InvalidConfig error that lists them all with their paths.
import { isLogAnalyzerError, LogAnalyzerError, LogErrorCode } from "../errors.js";
import { compileLogFormat } from "../mining/log-format.js";
import { compileMaskRules } from "../mining/mask-rules.js";
import { checkValue, type Problem } from "./fields.js";
import { type CliConfig, CONFIG_SPEC } from "./schema.js";

// Masks and formats are also compiled, so a bad regex is reported with the rest.
function compileProblems(cfg: CliConfig, out: Problem[]): void {
  const attempt = (path: string, compile: () => unknown): void => {
    try {
      compile();
    } catch (err) {
      const message = isLogAnalyzerError(err) || err instanceof Error ? err.message : String(err);
      out.push({ path, message });
    }
  };
  cfg.masks?.forEach((m, i) => {
    attempt(`masks[${i}]`, () => compileMaskRules([m]));
  });
  if (cfg.format !== undefined) attempt("format", () => compileLogFormat(cfg.format as string));
}

/**
 * Returns `raw` as a config when it is one; else throws InvalidConfig listing
 * every problem (wrong types, out-of-range values, unknown or misspelled keys,
 * masks that do not compile). `source` names the file in the message.
 */
export function validateConfig(raw: unknown, source: string): CliConfig {
  const problems: Problem[] = [];
  checkValue(raw, CONFIG_SPEC, "", problems);
  if (problems.length === 0) compileProblems(raw as CliConfig, problems);
  if (problems.length > 0) {
    const list = problems.map((p) => (p.path === "" ? p.message : `${p.path} ${p.message}`));
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, `config ${source}: ${list.join("; ")}`, {
      source,
      problems,
    });
  }
  return raw as CliConfig;
}
