// Public surface of @tidemark/log-analyzer.

export {
  AnomalyCollector,
  type AnomalyOptions,
  type AnomalyReport,
} from "./analysis/anomalies.js";
export { CondenseCollector, type CondensedEntry } from "./analysis/condense.js";
export { DiffCollector, type DiffReport, type DiffRow } from "./analysis/diff.js";
export {
  type Collector,
  displayTemplate,
  fileLineTime,
  type RunEvent,
  type ScanOptions,
  scanFiles,
} from "./analysis/scan.js";
export {
  ErrorCounter,
  type TemplatesReport,
  templatesReport,
} from "./analysis/templates-report.js";
export {
  TimelineCollector,
  type TimelineOptions,
  type TimelineReport,
} from "./analysis/timeline.js";
export {
  type BlockCounts,
  type CompressOptions,
  type CompressStats,
  compressBuffer,
  compressFile,
  DEFAULT_QUALITY,
  decompressBuffer,
  decompressFile,
  type OutputOptions,
} from "./codec/tdlz.js";
export type { CliConfig as ConfigFile } from "./config/schema.js";
export { validateConfig } from "./config/validate.js";
export { isLogAnalyzerError, LogAnalyzerError, LogErrorCode } from "./errors.js";
export { readLineArrays, readLineBatches, readLines } from "./io/line-reader.js";
export {
  type Cluster,
  DEFAULT_DRAIN_OPTIONS,
  type DrainOptions,
  WILDCARD,
} from "./mining/drain-tree.js";
export { detectLogFormat } from "./mining/header-detect.js";
export {
  detectLineTime,
  LINE_TIME_FORMATS,
  LineTimeReader,
  type LineTimeSpec,
  type StampAt,
} from "./mining/line-time.js";
export {
  applyLogFormat,
  compileLogFormat,
  type FormatMatch,
  type LogFormat,
} from "./mining/log-format.js";
export {
  type LogEvent,
  LogParser,
  type ParseResult,
  type ParserOptions,
  parse,
} from "./mining/log-parser.js";
export type { MaskRuleSpec } from "./mining/mask-rules.js";
export { BUILTIN_PLACEHOLDERS, maskToken } from "./mining/masker.js";
export { monthNumber } from "./mining/month-name.js";
export type { ParamSummary } from "./mining/param-stats.js";
export { type FieldValue, levelName, parseStructuredLine, timeMs } from "./mining/pino-line.js";
export {
  CONTINUATION,
  DEFAULT_MINER_CONFIG,
  type MinerConfig,
  type Template,
  TemplateMiner,
  templateText,
} from "./mining/template-miner.js";
export { joinTokens, type TokenizedLine, tokenize } from "./mining/tokenize.js";
export { classifyWord } from "./mining/word-class.js";
