// Ports for peers started before they bind (a peer's address is in its
// peers' flags) and bound again after a restart: chosen outside the
// ephemeral range, where an outgoing connection can take a port the OS
// just handed out.
import { randomInt } from "node:crypto";
import { createServer } from "node:net";

/**
 * Below every OS's default ephemeral range (Linux 32768–60999, macOS and
 * Windows 49152–65535): outgoing connections never take these as their
 * local port, so a peer that is down for a restart finds its port free.
 */
const FIRST = 20_000;
const LAST = 32_767;
const TRIES = 64;

/** Resolves true if `port` on 127.0.0.1 can be bound now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 free now, outside the ephemeral range (released before use). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < TRIES; i++) {
    const port = randomInt(FIRST, LAST + 1);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port among ${TRIES} tries in ${FIRST}–${LAST} on 127.0.0.1`);
}

/** `n` distinct free ports (parallel freePort calls could pick the same one). */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n && i < n * TRIES; i++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`found only ${ports.size} of ${n} distinct free ports`);
  return [...ports];
}
