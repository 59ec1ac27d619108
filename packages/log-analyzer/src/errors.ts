/** Closed set of failure codes; every error the package throws carries one. */
export enum LogErrorCode {
  /** A CLI argument or option is missing or malformed. */
  InvalidArgument = "invalid_argument",
  /** A config file could not be read or does not have the expected shape. */
  InvalidConfig = "invalid_config",
  /** An input file could not be opened or read. */
  InputUnreadable = "input_unreadable",
  /** The output file exists and overwriting it was not asked for (`--force`). */
  OutputExists = "output_exists",
  /** The output file could not be created or written. */
  OutputUnwritable = "output_unwritable",
  /** A .tdlz container is truncated, has a bad magic/version, or fails its checks. */
  CorruptContainer = "corrupt_container",
  /** Anything else; `cause` holds the original. */
  Internal = "internal",
}

/** The one error class of the package: a code, optional details, optional cause. */
export class LogAnalyzerError extends Error {
  override readonly name = "LogAnalyzerError";
  readonly code: LogErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: LogErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }

  /** Normalises anything thrown into a LogAnalyzerError (code Internal unless it already is one). */
  static from(err: unknown): LogAnalyzerError {
    if (isLogAnalyzerError(err)) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new LogAnalyzerError(LogErrorCode.Internal, message, {}, err);
  }
}

/** Type guard by name, so errors crossing module copies are still recognised. */
export function isLogAnalyzerError(err: unknown): err is LogAnalyzerError {
  return err instanceof Error && err.name === "LogAnalyzerError" && "code" in err;
}
