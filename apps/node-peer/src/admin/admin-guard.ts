// Who may call the admin API: a local program that read the token file.
// Everything a browser would do differently is refused before the route
// runs: a foreign Host (DNS rebinding), any Origin or Sec-Fetch-* header
// (a page's fetch or form), a body that is not JSON (a form or "simple"
// cross-origin POST is text/plain or form-encoded), a missing token.
import type { IncomingMessage } from "node:http";
import { CliError, CliErrorCode } from "../errors.js";
import { tokenMatches } from "./admin-token.js";

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

/** The refusal of `req`, or undefined when it may proceed. */
export function refusal(req: IncomingMessage, token: string, port: number): CliError | undefined {
  const host = (req.headers.host ?? "").toLowerCase();
  if (!LOOPBACK_HOSTS.some((h) => host === `${h}:${port}`)) {
    return new CliError(CliErrorCode.Forbidden, `Host "${host}" is not this admin API`);
  }
  const browser = Object.keys(req.headers).find(
    (h) => h === "origin" || h.startsWith("sec-fetch-"),
  );
  if (browser !== undefined) {
    return new CliError(CliErrorCode.Forbidden, `requests with ${browser} are refused`);
  }
  const auth = req.headers.authorization ?? "";
  const presented = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length).trim() : undefined;
  if (!tokenMatches(presented, token)) {
    return new CliError(
      CliErrorCode.Unauthorized,
      "missing or wrong admin token",
      "send `Authorization: Bearer TOKEN` with the token in DATA_DIR/admin-token",
    );
  }
  if (req.method === "POST") {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      return new CliError(CliErrorCode.InvalidArgument, "the body must be application/json");
    }
  }
  return undefined;
}
