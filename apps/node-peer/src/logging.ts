// Host logging: pino JSON lines to a file in the data dir (what the log
// analyzer reads) and pretty lines on the terminal (what a person reads).
import { mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";

export type LoggingOptions = {
  /** JSON lines go here; its directory is created. */
  readonly file: string;
  readonly fileLevel?: pino.Level;
  /** Pretty terminal output on stderr; "silent" turns it off. */
  readonly terminalLevel?: pino.Level | "silent";
  readonly base?: Record<string, string>;
};

export type HostLogger = {
  readonly pino: PinoLogger;
  /** The log file only: long lists (every skipped file) that would flood a terminal. */
  readonly fileOnly: PinoLogger;
  readonly file: string;
  /** Flushes the file stream; call before exit. */
  flush(): void;
};

export function createHostLogger(options: LoggingOptions): HostLogger {
  mkdirSync(dirname(options.file), { recursive: true });
  // Open the fd synchronously: an async open would not be "ready" when a
  // short command exits, and pino's exit flush would throw.
  const file = pino.destination({ dest: openSync(options.file, "a"), sync: false });
  const streams: pino.StreamEntry[] = [{ level: options.fileLevel ?? "info", stream: file }];
  const terminalLevel = options.terminalLevel ?? "info";
  if (terminalLevel !== "silent") {
    streams.push({
      level: terminalLevel,
      stream: pretty({
        colorize: process.stderr.isTTY === true,
        destination: 2,
        sync: true,
        ignore: "pid,hostname,device,library",
        translateTime: "HH:MM:ss.l",
        singleLine: true,
      }),
    });
  }
  const logger = pino(
    {
      level: "debug",
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
  const fileOnly = pino(
    {
      level: options.fileLevel ?? "info",
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    file,
  );
  return {
    pino: logger,
    fileOnly,
    file: options.file,
    flush: () => {
      try {
        file.flushSync();
      } catch {
        // Not yet open (nothing written): nothing to flush.
      }
    },
  };
}
