// One home for where the committed test data lives, so tests and the bench
// read the same files from a bare clone (nothing outside the repo).
import { join } from "node:path";

/** The labelled loghub-2k sets; source, licence and file list in loghub-2k/README.md. */
export const LOGHUB_2K_DIR = join(import.meta.dirname, "loghub-2k");
