// The CLI's closed set of failures, each with its process exit code, so
// scripts (and the demo) can tell "not initialised" from "peer down".

/** Process exit codes of `tidemark`. 0 is success; commander's usage errors exit 2. */
export enum ExitCode {
  Ok = 0,
  /** Anything unexpected. */
  Failure = 1,
  /** Bad flags or arguments. */
  Usage = 2,
  /** The data dir is missing, not initialised, already initialised, or busy. */
  DataDir = 3,
  /** A peer could not be reached or answered with an error. */
  PeerUnavailable = 4,
  /** verify/demo found replicas that differ. */
  NotConverged = 5,
  /** A bounded wait ran out. */
  Timeout = 6,
}

export enum CliErrorCode {
  NotInitialised = "not-initialised",
  AlreadyInitialised = "already-initialised",
  InvalidArgument = "invalid-argument",
  PeerUnavailable = "peer-unavailable",
  UnknownPeer = "unknown-peer",
  UnknownEntry = "unknown-entry",
  DataDirBusy = "data-dir-busy",
  NotConverged = "not-converged",
  Timeout = "timeout",
  ServeRunning = "serve-running",
  /** The admin API was called without its token. */
  Unauthorized = "unauthorized",
  /** The admin API refused a caller that looks like a browser or another host. */
  Forbidden = "forbidden",
  Internal = "internal",
}

const EXIT: Readonly<Record<CliErrorCode, ExitCode>> = {
  [CliErrorCode.NotInitialised]: ExitCode.DataDir,
  [CliErrorCode.AlreadyInitialised]: ExitCode.DataDir,
  [CliErrorCode.InvalidArgument]: ExitCode.Usage,
  [CliErrorCode.PeerUnavailable]: ExitCode.PeerUnavailable,
  [CliErrorCode.UnknownPeer]: ExitCode.Usage,
  [CliErrorCode.UnknownEntry]: ExitCode.Usage,
  [CliErrorCode.DataDirBusy]: ExitCode.DataDir,
  [CliErrorCode.NotConverged]: ExitCode.NotConverged,
  [CliErrorCode.Timeout]: ExitCode.Timeout,
  [CliErrorCode.ServeRunning]: ExitCode.DataDir,
  [CliErrorCode.Unauthorized]: ExitCode.DataDir,
  [CliErrorCode.Forbidden]: ExitCode.DataDir,
  [CliErrorCode.Internal]: ExitCode.Failure,
};

/** A user-facing failure: `message` is the sentence printed, `hint` the next step. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: CliErrorCode;
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): ExitCode {
    return EXIT[this.code];
  }

  /** Passes CliErrors through; wraps anything else as Internal. */
  static from(reason: unknown): CliError {
    if (isCliError(reason)) return reason;
    const message = reason instanceof Error ? reason.message : String(reason);
    return new CliError(CliErrorCode.Internal, message, undefined, { cause: reason });
  }
}

/** Type guard by name, so it works across duplicated module copies. */
export function isCliError(value: unknown): value is CliError {
  return value instanceof Error && value.name === "CliError" && "code" in value;
}
