// The admin API's credential: 32 random bytes (hex) written by the owning
// process to a file only its user can read (0600), required on every call.
// A web page the user visits cannot read the file, so it cannot call.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

/** Creates a fresh token at `file` (mode 0600, replacing an old one) and returns it. */
export function createAdminToken(file: string): string {
  const token = randomBytes(32).toString("hex");
  rmSync(file, { force: true });
  // "wx": never follow a planted file or link; the mode applies at creation.
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  return token;
}

/** The token at `file`, or undefined when there is none (no owner runs). */
export function readAdminToken(file: string): string | undefined {
  try {
    const t = readFileSync(file, "utf8").trim();
    return t === "" ? undefined : t;
  } catch {
    return undefined;
  }
}

export function removeAdminToken(file: string): void {
  rmSync(file, { force: true });
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
