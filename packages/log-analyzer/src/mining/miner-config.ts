// Checks a miner block read from a config file: known keys only, each of
// its type and range, so `"similarity": "high"` or a misspelled key is an
// error instead of a silently different miner.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import type { MinerConfig } from "./template-miner.js";

type Tunable = Omit<MinerConfig, "masks">;

const NUMBERS: Record<string, { min: number; max: number; integer: boolean }> = {
  similarity: { min: 0, max: 1, integer: false },
  prefixDepth: { min: 0, max: 16, integer: true },
  maxChildren: { min: 2, max: 100_000, integer: true },
};
const FLAGS = ["routeLast", "matchValues", "stats", "collapseRuns"];

function invalid(message: string, key: string, value: unknown): LogAnalyzerError {
  return new LogAnalyzerError(LogErrorCode.InvalidConfig, message, { key, value });
}

/** Returns `raw` as miner settings; throws InvalidConfig naming the first bad key. */
export function checkMinerConfig(raw: unknown, where = "miner"): Partial<Tunable> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(`${where} must be an object`, where, raw);
  }
  for (const [key, value] of Object.entries(raw)) {
    const range = NUMBERS[key];
    if (range !== undefined) {
      const ok =
        typeof value === "number" &&
        value >= range.min &&
        value <= range.max &&
        (!range.integer || Number.isInteger(value));
      if (!ok) {
        const kind = range.integer ? "an integer" : "a number";
        throw invalid(
          `${where}.${key} must be ${kind} from ${range.min} to ${range.max}`,
          key,
          value,
        );
      }
    } else if (FLAGS.includes(key)) {
      if (typeof value !== "boolean")
        throw invalid(`${where}.${key} must be true or false`, key, value);
    } else {
      const known = [...Object.keys(NUMBERS), ...FLAGS].join(", ");
      throw invalid(`unknown key ${where}.${key} (known: ${known})`, key, value);
    }
  }
  return raw as Partial<Tunable>;
}
