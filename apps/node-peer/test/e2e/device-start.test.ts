// A demo/e2e device picks its ports free, but another socket can take one
// before `serve` binds it: the first start moves to new free ports.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { Cluster } from "./cluster.js";

const E2E_MS = 120_000;

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}

describe("device start", () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  test(
    "a-first-start-whose-ports-were-taken-serves-on-new-free-ports",
    async () => {
      cluster = new Cluster();
      const d = await cluster.add("A");
      const taken = [d.port, d.adminPort];
      const squatters = await Promise.all(taken.map(hold));
      try {
        await d.start();
        expect(d.running).toBe(true);
        expect(d.port).not.toBe(taken[0]);
        expect(d.adminPort).not.toBe(taken[1]);
        expect((await d.admin.metrics()).length).toBeGreaterThan(0);
      } finally {
        for (const s of squatters) s.close();
      }
    },
    E2E_MS,
  );
});
