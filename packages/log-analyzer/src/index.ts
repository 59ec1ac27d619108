// Public surface of @tidemark/log-analyzer.
export { isLogAnalyzerError, LogAnalyzerError, LogErrorCode } from "./errors.js";
export {
  type Cluster,
  DEFAULT_DRAIN_OPTIONS,
  type DrainOptions,
  WILDCARD,
} from "./mining/drain-tree.js";
export { compileLogFormat, type LogFormat } from "./mining/log-format.js";
export {
  type LogEvent,
  LogParser,
  type ParseResult,
  type ParserOptions,
  parse,
} from "./mining/log-parser.js";
export type { MaskRuleSpec } from "./mining/mask-rules.js";
export { BUILTIN_PLACEHOLDERS, classifyWord, maskToken } from "./mining/masker.js";
export type { ParamSummary } from "./mining/param-stats.js";
export { type FieldValue, levelName, parseStructuredLine, timeMs } from "./mining/pino-line.js";
export {
  DEFAULT_MINER_CONFIG,
  type MinerConfig,
  type Template,
  TemplateMiner,
  templateText,
} from "./mining/template-miner.js";
export { joinTokens, type TokenizedLine, tokenize } from "./mining/tokenize.js";
