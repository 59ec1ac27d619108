// TestControl lets anyone who reaches it write rows and rewire peers, so a
// peer serves it only on a loopback address (docs/TESTCONTROL.md §1).
import { isIP } from "node:net";

/** True for localhost, 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h.startsWith("::ffff:127.");
  return false;
}
