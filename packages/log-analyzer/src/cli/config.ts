// CLI config file: optional miner settings, masks and a header format.
import { readFileSync } from "node:fs";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import type { ParserOptions } from "../mining/log-parser.js";
import type { MaskRuleSpec } from "../mining/mask-rules.js";
import { checkMinerConfig } from "../mining/miner-config.js";
import type { MinerConfig } from "../mining/template-miner.js";

/** Shape of `--config FILE` (JSON). */
export interface CliConfig {
  readonly miner?: Partial<Omit<MinerConfig, "masks">>;
  readonly masks?: readonly MaskRuleSpec[];
  readonly format?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads and checks a config file. */
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
  if (!isRecord(raw))
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, "config must be a JSON object");
  const masks = raw.masks;
  if (
    masks !== undefined &&
    (!Array.isArray(masks) ||
      !masks.every((m) => isRecord(m) && typeof m.name === "string" && typeof m.regex === "string"))
  ) {
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, "config.masks must be [{name, regex}]");
  }
  if (raw.format !== undefined && typeof raw.format !== "string") {
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, "config.format must be a string");
  }
  if (raw.miner !== undefined) checkMinerConfig(raw.miner, "config.miner");
  return raw as CliConfig;
}

/** Parser options from a config plus CLI overrides. */
export function parserOptions(cfg: CliConfig, format: string | undefined): ParserOptions {
  const fmt = format ?? cfg.format;
  return {
    miner: { ...cfg.miner, masks: cfg.masks ?? [] },
    ...(fmt === undefined ? {} : { format: fmt }),
  };
}
