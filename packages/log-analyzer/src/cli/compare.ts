// Side-by-side sizes for `compress --compare` and the bench: gzip -9 and
// brotli 11 from Node's zlib, and `zstd -19` / `xz -9` from their real CLIs
// when they are installed (null otherwise, so callers can say so).
import { spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { constants, createBrotliCompress, createGzip } from "node:zlib";

async function streamSize(path: string, make: () => NodeJS.ReadWriteStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const z = make();
    z.on("data", (c: Buffer) => {
      size += c.length;
    });
    z.on("end", () => resolve(size));
    z.on("error", reject);
    createReadStream(path).on("error", reject).pipe(z);
  });
}

export function gzip9Size(path: string): Promise<number> {
  return streamSize(path, () => createGzip({ level: 9 }));
}

export function brotli11Size(path: string): Promise<number> {
  return streamSize(path, () =>
    createBrotliCompress({
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
    }),
  );
}

/** An external compressor measured at its documented command line. */
export interface ExternalCompressor {
  /** How reports name it, e.g. "zstd -19". */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
}

export const ZSTD_19: ExternalCompressor = {
  label: "zstd -19",
  command: "zstd",
  args: ["-19", "-q", "-c"],
};
export const XZ_9: ExternalCompressor = { label: "xz -9", command: "xz", args: ["-9", "-c"] };

const present = new Map<string, boolean>();

/** True when `command --version` runs (cached per process). */
export function hasTool(command: string): boolean {
  let ok = present.get(command);
  if (ok === undefined) {
    ok = spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
    present.set(command, ok);
  }
  return ok;
}

/** Output size of the compressor on `path`, or null when it is not installed. */
export function externalSize(c: ExternalCompressor, path: string): Promise<number | null> {
  if (!hasTool(c.command)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const p = spawn(c.command, [...c.args, path], { stdio: ["ignore", "pipe", "pipe"] });
    let size = 0;
    let stderr = "";
    p.stdout.on("data", (b: Buffer) => {
      size += b.length;
    });
    p.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(size) : reject(new Error(`${c.label} exited ${code}: ${stderr.trim()}`)),
    );
  });
}
