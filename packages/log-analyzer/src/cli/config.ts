// CLI config file: optional miner settings, masks and a header format,
// checked against src/config/schema.ts when it is read.
import { readFileSync } from "node:fs";
import type { CliConfig } from "../config/schema.js";
import { validateConfig } from "../config/validate.js";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import type { ParserOptions } from "../mining/log-parser.js";

export type { CliConfig };

/** Reads and checks a config file; InvalidConfig names every problem. */
export function loadConfig(path: string): CliConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new LogAnalyzerError(
      LogErrorCode.InvalidConfig,
      `cannot read config ${path}`,
      { path },
      err,
    );
  }
  return validateConfig(raw, path);
}

/** Parser options from a config plus CLI overrides. */
export function parserOptions(cfg: CliConfig, format: string | undefined): ParserOptions {
  const fmt = format ?? cfg.format;
  return {
    miner: { ...cfg.miner, masks: cfg.masks ?? [] },
    ...(fmt === undefined ? {} : { format: fmt }),
  };
}
