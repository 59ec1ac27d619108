// A large synthetic log made by replaying the loghub-2k lines in a seeded
// random order with every digit redrawn (same lengths, so formats hold but
// ids, ports, sizes and times vary).
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { prng } from "../test/fixtures/prng.js";

/** Writes `count` lines replayed from the data sets `names` to `path`; returns the bytes written. */
export async function generateReplayLog(
  dataDir: string,
  names: readonly string[],
  path: string,
  count: number,
  seed = 1,
): Promise<number> {
  const source: string[] = [];
  for (const name of names) {
    const text = readFileSync(join(dataDir, name, `${name}_2k.log`), "utf8");
    for (const l of text.split("\n")) if (l.length > 0) source.push(l);
  }
  const rand = prng(seed);
  const out = createWriteStream(path);
  let bytes = 0;
  let chunk = "";
  for (let i = 0; i < count; i++) {
    const src = source[Math.floor(rand() * source.length)] as string;
    // Keep the first digit of each run so numbers keep their magnitude.
    const line = src.replace(/\d+/g, (m) => {
      let r = m[0] as string;
      for (let k = 1; k < m.length; k++) r += String.fromCharCode(48 + Math.floor(rand() * 10));
      return r;
    });
    chunk += `${line}\n`;
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = "";
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return bytes;
}
