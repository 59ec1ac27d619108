// One home for where the committed test data lives, so tests and the bench
// read the same files from a bare clone (nothing outside the repo).
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** The labelled loghub-2k sets; source, licence and file list in loghub-2k/README.md. */
export const LOGHUB_2K_DIR = join(import.meta.dirname, "loghub-2k");

/** The names of the sets present (one folder each), sorted; no code lists them by hand. */
export function loghubSets(dir = LOGHUB_2K_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The raw log of one set. */
export function loghubLog(name: string, dir = LOGHUB_2K_DIR): string {
  return join(dir, name, `${name}_2k.log`);
}
