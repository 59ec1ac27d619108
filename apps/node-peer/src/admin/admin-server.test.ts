// The admin API refuses everything a web page in the user's browser could
// send (issue 14): no token, a browser's Origin or Sec-Fetch headers, a
// rebound Host, a body that is not JSON. Real server on 127.0.0.1.
import { statSync } from "node:fs";
import http from "node:http";
import { createConnection, createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type InProcessPeer, startInProcessPeer } from "../../test/support/in-process-peer.js";
import { LocalApi } from "../local-api.js";
import { AdminClient } from "./admin-client.js";
import { type AdminServer, startAdminServer } from "./admin-server.js";
import { createAdminToken } from "./admin-token.js";

type Answer = { status: number; body: string };

function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

let peer: InProcessPeer;
let admin: AdminServer;
let token: string;
let auth: Record<string, string>;
beforeAll(async () => {
  peer = await startInProcessPeer({ name: "admin" });
  token = createAdminToken(peer.node.paths.adminToken);
  auth = { authorization: `Bearer ${token}` };
  admin = await startAdminServer({
    node: peer.node,
    api: new LocalApi(peer.node, true),
    port: 0,
    token,
    onShutdown: () => undefined,
  });
});
afterAll(async () => {
  await admin.close();
  await peer.close();
});

const json = { "content-type": "application/json" };

describe("admin API", () => {
  test("binds-only-the-loopback-address", async () => {
    expect(admin.address).toBe("127.0.0.1");
    // A wildcard bind would also answer on ::1 (dual stack) and on every interface.
    const viaIpv6 = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "::1", port: admin.port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    expect(viaIpv6).toBe(false);
  });

  test("writes its token to a file only the user can read", () => {
    expect(statSync(peer.node.paths.adminToken).mode & 0o777).toBe(0o600);
  });

  test("answers the client that read the token file", async () => {
    const client = new AdminClient(admin.port, peer.node.paths.adminToken);
    const status = await client.status({ probe: false });
    expect(status.library).toBe(peer.libraryId);
    expect(await client.metrics()).toContain("tidemark_");
  });

  test("refuses calls without the token, or with another one, and /metrics too", async () => {
    for (const headers of [json, { ...json, authorization: "Bearer nope" }]) {
      const r = await request(admin.port, "POST", "/admin/call/status", headers, "{}");
      expect(r.status).toBe(401);
      expect(r.body).not.toContain(peer.libraryId);
    }
    expect((await request(admin.port, "GET", "/metrics", {})).status).toBe(401);
  });

  test("refuses a browser's request even with the token: Origin, Sec-Fetch-*", async () => {
    for (const extra of [
      { origin: "http://evil.example" },
      { origin: `http://127.0.0.1:${admin.port}` },
      { "sec-fetch-site": "cross-site" },
    ]) {
      const r = await request(
        admin.port,
        "POST",
        "/admin/call/status",
        { ...json, ...auth, ...extra },
        "{}",
      );
      expect(r.status).toBe(403);
    }
  });

  test("refuses a Host that is not the admin API's own (DNS rebinding)", async () => {
    const r = await request(
      admin.port,
      "POST",
      "/admin/call/status",
      { ...json, ...auth, host: `evil.example:${admin.port}` },
      "{}",
    );
    expect(r.status).toBe(403);
  });

  test("refuses a body that is not JSON (a form or a simple cross-origin POST)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
      const r = await request(
        admin.port,
        "POST",
        "/admin/call/status",
        { ...auth, "content-type": type },
        "{}",
      );
      expect(r.status).toBe(415);
    }
  });

  test("counts and logs every refusal by reason", () => {
    const m = peer.node.hostMetrics;
    expect(m.get("tidemark_admin_refusals_total", { reason: "unauthorized" })).toBeGreaterThan(0);
    expect(m.get("tidemark_admin_refusals_total", { reason: "forbidden" })).toBeGreaterThan(0);
  });
});

describe("regression: a web page drives the admin API (issue 14)", () => {
  // What a page can send cross-origin without a preflight: a text/plain POST
  // with its Origin and no token.
  const page = { "content-type": "text/plain", origin: "http://evil.example" };

  test("admin-api-web-page-creates-tags-indexes-and-reads-library-id", async () => {
    const tag = await request(
      admin.port,
      "POST",
      "/admin/call/tag",
      page,
      JSON.stringify({ name: "pwned", entries: [] }),
    );
    const index = await request(
      admin.port,
      "POST",
      "/admin/call/index",
      page,
      JSON.stringify({ path: "/etc/ssh" }),
    );
    const status = await request(admin.port, "POST", "/admin/call/status", page, "{}");
    for (const r of [tag, index, status]) expect(r.status).toBeGreaterThanOrEqual(400);
    expect(status.body).not.toContain(peer.libraryId);
    expect(peer.node.library.tags()).toEqual([]);
    expect(peer.node.locations.all()).toEqual([]);
  });

  describe("admin-api-fetches-any-url-it-is-given", () => {
    let bait: Server;
    let contacted = 0;
    beforeAll(async () => {
      bait = createServer((s) => {
        contacted++;
        s.destroy();
      });
      await new Promise<void>((r) => bait.listen(0, "127.0.0.1", r));
    });
    afterAll(() => new Promise<void>((r) => bait.close(() => r())));

    test("no request without the token reaches the URL", async () => {
      const port = (bait.address() as { port: number }).port;
      const url = `http://127.0.0.1:${port}`;
      for (const body of [
        { url, waitMs: 1000 },
        { url, deviceId: "ab".repeat(16), name: "x" },
      ]) {
        const r = await request(
          admin.port,
          "POST",
          "/admin/call/addPeer",
          page,
          JSON.stringify(body),
        );
        expect(r.status).toBeGreaterThanOrEqual(400);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(contacted).toBe(0);
      expect(peer.node.peers()).toEqual([]);
    });
  });
});
