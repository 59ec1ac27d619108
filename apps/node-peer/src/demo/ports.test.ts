import { createServer } from "node:net";
import { describe, expect, test } from "vitest";
import { freePort, freePorts } from "./ports.js";

describe("freePort", () => {
  test("gives a bindable port below the ephemeral range outgoing connections use", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => resolve());
    });
    await new Promise((resolve) => srv.close(resolve));
  });

  test("freePorts gives distinct ports", async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
  });
});
