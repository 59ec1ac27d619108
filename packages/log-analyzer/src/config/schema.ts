// What a config file may say (`--config FILE`, the bench's dataset file):
// the miner's options, masks and a header format. A new miner option must be
// declared in MINER_FIELDS, or this file does not compile.
import type { MaskRuleSpec } from "../mining/mask-rules.js";
import type { MinerConfig } from "../mining/template-miner.js";
import type { ObjectSpec, Schema } from "./fields.js";

/** Miner options a config may set (masks are a top-level key). */
export type MinerFileOptions = Omit<MinerConfig, "masks">;

export const MINER_FIELDS: Schema<MinerFileOptions> = {
  similarity: { kind: "number", min: 0, max: 1 },
  prefixDepth: { kind: "number", min: 0, max: 16, integer: true },
  maxChildren: { kind: "number", min: 2, max: 100_000, integer: true },
  routeLast: { kind: "boolean" },
  matchValues: { kind: "boolean" },
  stats: { kind: "boolean" },
  collapseRuns: { kind: "boolean" },
};

export const MASK_FIELDS: Schema<MaskRuleSpec> = {
  name: { kind: "string" },
  regex: { kind: "string" },
};

/** Shape of `--config FILE` (JSON). */
export interface CliConfig {
  readonly miner?: Partial<MinerFileOptions>;
  readonly masks?: readonly MaskRuleSpec[];
  readonly format?: string;
}

export const CONFIG_SPEC: ObjectSpec = {
  kind: "object",
  fields: {
    miner: { kind: "object", fields: MINER_FIELDS },
    masks: {
      kind: "list",
      of: { kind: "object", fields: MASK_FIELDS, required: ["name", "regex"] },
    },
    format: { kind: "string" },
  } satisfies Schema<CliConfig>,
};
