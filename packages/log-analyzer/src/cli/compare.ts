// Side-by-side sizes for `compress --compare`: gzip -9 (zlib, same deflate
// level), brotli 11 (zlib) and `zstd -19` when the CLI is installed.
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

/** True when a `zstd` binary is on PATH. */
export function hasZstd(): boolean {
  const r = spawnSync("zstd", ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

/** Size of `zstd -19 -c path`, or null when zstd is not installed. */
export function zstd19Size(path: string, level = 19): Promise<number | null> {
  if (!hasZstd()) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const p = spawn("zstd", [`-${level}`, "-q", "-c", path], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let size = 0;
    p.stdout.on("data", (c: Buffer) => {
      size += c.length;
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(size) : reject(new Error(`zstd exited ${code}`)),
    );
  });
}
