// Checks miner settings, from a config file's miner block or from code, so
// `"similarity": "high"` or a misspelled key is an error instead of a
// silently different miner. The rules are the schema's (src/config/schema.ts).
import { checkValue, type ObjectSpec, type Problem } from "../config/fields.js";
import { MINER_FIELDS, type MinerFileOptions } from "../config/schema.js";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

const MINER_SPEC: ObjectSpec = { kind: "object", fields: MINER_FIELDS };

/** Returns `raw` as miner settings; throws InvalidConfig listing every problem. */
export function checkMinerConfig(raw: unknown, where = "miner"): Partial<MinerFileOptions> {
  const problems: Problem[] = [];
  checkValue(raw, MINER_SPEC, where, problems);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join("; ");
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, list, { where, problems });
  }
  return raw as Partial<MinerFileOptions>;
}
