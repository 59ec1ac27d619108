// Test vectors for rules a peer applies locally, where no exchange on the
// wire shows whether it got them right (the short form of a device id):
// data files an implementation loads into its own unit tests.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const VECTORS_DIR = join(import.meta.dirname, "..", "vectors");

/** What every vector file declares; the rest of the file is its vectors. */
export type VectorFile = {
  readonly file: string;
  readonly rules: readonly string[];
  readonly title: string;
};

/** The vector files of `dir`, each with the rule ids it pins. */
export function loadVectorFiles(dir = VECTORS_DIR): VectorFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const parsed = JSON.parse(readFileSync(join(dir, f), "utf8")) as Partial<VectorFile>;
      const rules = parsed.rules ?? [];
      if (rules.length === 0 || typeof parsed.title !== "string") {
        throw new Error(`${f}: a vector file names its rules and a title`);
      }
      return { file: join(dir, f), rules, title: parsed.title };
    });
}

/** Rule ids pinned by vector files. */
export function vectorRules(dir = VECTORS_DIR): string[] {
  return loadVectorFiles(dir).flatMap((v) => v.rules);
}
