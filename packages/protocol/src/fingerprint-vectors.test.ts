// The fingerprint test vectors of docs/PROTOCOL.md §6.2, recomputed here
// from the definition with node:crypto (the protocol package has no
// fingerprint code of its own; the engine's is tested against the same
// values).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const doc = readFileSync(
  resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/PROTOCOL.md"),
  "utf8",
);
const h = (idHex: string, seq: bigint) => {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  return createHash("sha256")
    .update(Buffer.concat([Buffer.from(idHex, "hex"), seqBytes]))
    .digest("hex")
    .slice(0, 32);
};
const sum = (...hex: string[]) =>
  (hex.reduce((a, x) => a + BigInt(`0x${x}`), 0n) % 2n ** 128n).toString(16).padStart(32, "0");
// Biome pads table cells, so compare rows with runs of spaces collapsed.
const rows = doc.replace(/ {2,}/g, " ");
const row = (input: string, output: string) => `| ${input} | \`${output}\` |`;

describe("fingerprint test vectors in PROTOCOL.md §6.2", () => {
  const id = "000102030405060708090a0b0c0d0e0f";
  it("item hashes", () => {
    expect(rows).toContain(row(`h(\`${id}\`, 1)`, h(id, 1n)));
    expect(rows).toContain(row(`h(\`${id}\`, 2)`, h(id, 2n)));
    expect(rows).toContain(row(`h(\`${"00".repeat(16)}\`, 0)`, h("00".repeat(16), 0n)));
    const max = 2n ** 64n - 1n;
    expect(rows).toContain(row(`h(\`${"ff".repeat(16)}\`, ${max})`, h("ff".repeat(16), max)));
  });
  it("sums mod 2^128", () => {
    expect(doc).toContain(
      row(`fingerprint {(\`${id}\`, 1), (\`${id}\`, 2)}`, sum(h(id, 1n), h(id, 2n))),
    );
    expect(sum("ff".repeat(16), `${"00".repeat(15)}01`)).toBe("00".repeat(16));
  });
});
