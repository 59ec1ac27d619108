// tidemark-logs: template mining, timelines, anomalies, diffs, condensed
// logs and lossless .tdlz compression for sync test runs and any text log.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { DEFAULT_QUALITY } from "../codec/tdlz.js";
import { isLogAnalyzerError, LogAnalyzerError, LogErrorCode } from "../errors.js";
import { removeUnfinishedOutputs } from "../io/atomic-file.js";
import type { ParserOptions } from "../mining/log-parser.js";
import {
  analyzeCommand,
  anomaliesCommand,
  compressCommand,
  condenseCommand,
  decompressCommand,
  diffCommand,
  type Output,
  timelineCommand,
} from "./commands.js";
import { loadConfig, parserOptions } from "./config.js";
import { userPath } from "./paths.js";

const abs = (p: string): string => userPath(p);

function num(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("not a number");
  return n;
}

// Option values that make no sense (a negative gap, 1.5 templates) are refused, not used.
const above =
  (min: number) =>
  (v: string): number => {
    const n = num(v);
    if (n <= min) throw new InvalidArgumentError(`must be above ${min}`);
    return n;
  };
const atLeast =
  (min: number) =>
  (v: string): number => {
    const n = num(v);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`must be a whole number from ${min}`);
    }
    return n;
  };

interface Globals {
  json?: boolean;
  html?: string | boolean;
  format?: string;
  config?: string;
  detect?: boolean;
  times?: boolean;
  year?: number;
}

function setup(cmd: Command): { out: Output; parser: ParserOptions } {
  const g = cmd.optsWithGlobals<Globals>();
  const out: Output = {
    json: g.json === true,
    html:
      g.html === undefined || g.html === false ? undefined : g.html === true ? "-" : abs(g.html),
    write: (s) => process.stdout.write(s),
    progress: (s) => process.stderr.write(`${s}\n`),
  };
  const cfg = g.config === undefined ? {} : loadConfig(abs(g.config));
  // --no-detect: mine text lines whole unless a format is given.
  const format = g.format ?? (g.detect === false ? "<Content>" : undefined);
  const parser = {
    ...parserOptions(cfg, format),
    ...(g.times === false ? { detectTime: false } : {}),
    ...(g.year === undefined ? {} : { assumedYear: g.year }),
  };
  return { out, parser };
}

export function buildProgram(): Command {
  const program = new Command()
    .name("tidemark-logs")
    // Usage errors exit 2 like every other bad argument (main), not commander's 1.
    .exitOverride()
    .description("Template mining, timelines, anomalies, diffs and lossless compression of logs")
    .option("--json", "print the report as JSON")
    .option("--html [file]", "write one self-contained HTML page (to stdout without a file)")
    .option(
      "--format <format>",
      'header format for text lines, e.g. "<Date> <Time> <Level>: <Content>" (default: detected)',
    )
    .option("--no-detect", "do not detect a header format; mine text lines whole")
    .option("--no-times", "do not read text lines' own time stamps (the timeline counts lines)")
    .option(
      "--year <yyyy>",
      "year for stamps without one, e.g. syslog (default: this year)",
      atLeast(1970),
    )
    .option("--config <file>", "JSON config: { miner, masks: [{name, regex}], format }")
    .showHelpAfterError();

  program
    .command("analyze")
    .description("templates with counts, first/last seen and parameter statistics")
    .argument("<files...>")
    .option("--top <n>", "templates to show in tables", atLeast(1), 50)
    .option(
      "--gap <n>",
      "minimum silent gap for the timeline (ms, or lines for text logs)",
      above(0),
    )
    .action(async (files: string[], o: { top: number; gap?: number }, cmd: Command) => {
      const { out, parser } = setup(cmd);
      await analyzeCommand(
        files.map(abs),
        parser,
        o.top,
        o.gap === undefined ? {} : { gap: o.gap },
        out,
      );
    });

  program
    .command("timeline")
    .description("per-device lanes, phases from state transitions, gaps in activity")
    .argument("<files...>")
    .option("--gap <n>", "minimum silent gap (ms, or lines for text logs)", above(0))
    .option("--lane <field>", "field that names the lane", "device")
    .action(async (files: string[], o: { gap?: number; lane: string }, cmd: Command) => {
      const { out, parser } = setup(cmd);
      await timelineCommand(
        files.map(abs),
        parser,
        { laneField: o.lane, ...(o.gap === undefined ? {} : { gap: o.gap }) },
        out,
      );
    });

  program
    .command("anomalies")
    .description(
      "rare templates, error bursts, retry loops; with --baseline, templates only in the failed run",
    )
    .argument("<file>", "the run to inspect (the failed one)")
    .option("--baseline <files...>", "passing run(s) to compare against")
    .option("--rare <n>", "rare = at most this many lines", atLeast(1))
    .option("--burst-count <n>", "fewest errors in a burst", atLeast(1), 5)
    .option("--burst-factor <x>", "a burst's error rate over the run's own, at least", above(0), 3)
    .option(
      "--burst-window <n>",
      "largest gap between a burst's errors (ms, or lines without times; default: half the run's mean gap)",
      above(0),
    )
    .option("--loop-repeats <n>", "cycle repetitions that make a retry loop", atLeast(2), 4)
    .action(
      async (
        file: string,
        o: {
          baseline?: string[];
          rare?: number;
          burstCount: number;
          burstFactor: number;
          burstWindow?: number;
          loopRepeats: number;
        },
        cmd: Command,
      ) => {
        const { out, parser } = setup(cmd);
        await anomaliesCommand(
          abs(file),
          (o.baseline ?? []).map(abs),
          parser,
          {
            burstCount: o.burstCount,
            burstFactor: o.burstFactor,
            ...(o.burstWindow === undefined ? {} : { burstWindow: o.burstWindow }),
            loopRepeats: o.loopRepeats,
            ...(o.rare === undefined ? {} : { rareMax: o.rare }),
          },
          out,
        );
      },
    );

  program
    .command("diff")
    .description("template frequency deltas between two runs")
    .argument("<runA>")
    .argument("<runB>")
    .option("--min-ratio <x>", "rate change that counts as changed", above(1), 1.5)
    .option("--all", "also list templates whose rate did not change")
    .action(async (a: string, b: string, o: { minRatio: number; all?: boolean }, cmd: Command) => {
      const { out, parser } = setup(cmd);
      await diffCommand(abs(a), abs(b), parser, o.minRatio, o.all === true, out);
    });

  program
    .command("condense")
    .description("the log with runs of one template collapsed into a line and a count")
    .argument("<files...>")
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const { out, parser } = setup(cmd);
      await condenseCommand(files.map(abs), parser, out);
    });

  program
    .command("compress")
    .description("lossless FILE → FILE.tdlz (templates + columnar values + brotli)")
    .argument("<file>")
    .option("-o, --output <file>", "output path (default FILE.tdlz)")
    .option("--quality <q>", "brotli quality 0-11 (lower is faster)", num, DEFAULT_QUALITY)
    .option("--compare", "also measure gzip -9, brotli 11, zstd -19 and xz -9 of the same file")
    .option("-f, --force", "overwrite the output file if it exists")
    .action(
      async (
        file: string,
        o: { output?: string; quality: number; compare?: boolean; force?: boolean },
        cmd: Command,
      ) => {
        const { out } = setup(cmd);
        if (!Number.isInteger(o.quality) || o.quality < 0 || o.quality > 11) {
          throw new LogAnalyzerError(
            LogErrorCode.InvalidArgument,
            "--quality must be an integer 0..11",
          );
        }
        const options = {
          quality: o.quality,
          compare: o.compare === true,
          overwrite: o.force === true,
        };
        await compressCommand(abs(file), abs(o.output ?? `${file}.tdlz`), options, out);
      },
    );

  program
    .command("decompress")
    .description("FILE.tdlz → the original bytes (checksum verified; nothing written on error)")
    .argument("<file>")
    .option("-o, --output <file>", "output path (default: FILE without .tdlz)")
    .option("-f, --force", "overwrite the output file if it exists")
    .action(async (file: string, o: { output?: string; force?: boolean }, cmd: Command) => {
      const { out } = setup(cmd);
      const dest = o.output ?? (file.endsWith(".tdlz") ? file.slice(0, -5) : `${file}.out`);
      await decompressCommand(abs(file), abs(dest), o.force === true, out);
    });
  return program;
}

// An interrupted compress/decompress leaves no temporary file behind.
function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      removeUnfinishedOutputs();
      process.exit(code);
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  cleanUpOnSignals();
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    // Commander has printed its own message (bad option, --help, --version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const e = isLogAnalyzerError(err) ? err : LogAnalyzerError.from(err);
    process.stderr.write(`tidemark-logs: ${e.message} [${e.code}]\n`);
    if (e.cause instanceof Error && e.code !== LogErrorCode.Internal)
      process.stderr.write(`  cause: ${e.cause.message}\n`);
    return e.code === LogErrorCode.InvalidArgument || e.code === LogErrorCode.InvalidConfig ? 2 : 1;
  }
}

// `tidemark-logs condense big.log | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

// Run when executed directly (tsx src/cli/main.ts … or the bin).
const entry = process.argv[1] ?? "";
if (entry.endsWith("main.ts") || entry.endsWith("main.js")) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
