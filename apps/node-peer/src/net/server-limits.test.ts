// The listener's bounds on a real HTTP/2 server on 127.0.0.1: each one is
// breached by a client that behaves as an attacker would, is counted, and
// the server still answers Hello afterwards.
import http2 from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { create } from "@bufbuild/protobuf";
import { HelloRequestSchema, SyncService } from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { type InProcessPeer, startInProcessPeer } from "../../test/support/in-process-peer.js";
import { fromHex } from "../ids.js";
import { createSyncClient } from "../transport.js";
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./server-limits.js";

let peer: InProcessPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

async function start(limits: Partial<ServerLimits>): Promise<InProcessPeer> {
  peer = await startInProcessPeer({ name: "limits", limits, security: "insecure-loopback" });
  return peer;
}

function breaches(p: InProcessPeer, limit: string): number {
  return p.node.hostMetrics.get("tidemark_server_limit_breaches_total", { limit });
}

async function helloAnswers(p: InProcessPeer): Promise<void> {
  const res = await createSyncClient(p.url).hello(
    create(HelloRequestSchema, {
      libraryId: fromHex(p.libraryId),
      deviceId: fromHex("22".repeat(16)),
      protocolVersion: 1,
    }),
    { timeoutMs: 5_000 },
  );
  expect(res.protocolVersion).toBe(1);
}

function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > end) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

function openSocket(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: "127.0.0.1", port: Number(port) }, () => resolve(s));
    s.on("error", reject);
  });
}

const HELLO = `/${SyncService.typeName}/Hello`;

/** Opens a Hello stream on a fresh session, writes `body` (not ending it), resolves with its reset code. */
function resetCodeOf(p: InProcessPeer, body?: Buffer): Promise<number> {
  const session = http2.connect(p.url);
  session.on("error", () => undefined);
  const req = session.request({
    ":method": "POST",
    ":path": HELLO,
    "content-type": "application/proto",
  });
  req.on("error", () => undefined);
  if (body !== undefined) req.write(body);
  return new Promise<number>((resolve) => {
    req.on("close", () => {
      session.destroy();
      resolve(req.rstCode);
    });
    req.resume();
  });
}

describe("HTTP/2 listener limits", () => {
  test("connections beyond the per-address cap are closed at accept", async () => {
    const p = await start({ maxConnectionsPerAddress: 5 });
    const sockets = await Promise.all(Array.from({ length: 8 }, () => openSocket(p.url)));
    let closed = 0;
    for (const s of sockets) {
      s.on("close", () => {
        closed++;
      });
    }
    await until("3 connections closed", () => closed === 3);
    expect(breaches(p, "max-connections-per-address")).toBe(3);
    for (const s of sockets) s.destroy();
    await until("sockets gone", () => p.server.connections() === 0);
    await helloAnswers(p);
  });

  test("connections beyond the total cap are closed at accept", async () => {
    const p = await start({ maxConnections: 4 });
    const sockets = await Promise.all(Array.from({ length: 6 }, () => openSocket(p.url)));
    await until("2 refused", () => breaches(p, "max-connections") === 2);
    for (const s of sockets) s.destroy();
    await until("sockets gone", () => p.server.connections() === 0);
    await helloAnswers(p);
  });

  test("a session that opens no stream is closed after the idle bound", async () => {
    const p = await start({ sessionIdleMs: 200 });
    const session = http2.connect(p.url);
    let goaway = false;
    session.on("goaway", () => {
      goaway = true;
    });
    session.on("error", () => undefined);
    await until("goaway", () => goaway || session.closed || session.destroyed);
    expect(breaches(p, "session-idle")).toBe(1);
    session.destroy();
    await helloAnswers(p);
  });

  test("a request that never finishes arriving is cancelled (slowloris)", async () => {
    const p = await start({ requestReadMs: 200, streamStallMs: 60_000 });
    expect(await resetCodeOf(p, Buffer.from([0x0a]))).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(breaches(p, "request-read")).toBe(1);
    await helloAnswers(p);
  });

  test("a stream on which nothing moves is cancelled", async () => {
    const p = await start({ requestReadMs: 60_000, streamStallMs: 200 });
    expect(await resetCodeOf(p)).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(breaches(p, "stream-stall")).toBe(1);
  });

  test("a body over the byte bound is reset before it is all read", async () => {
    const p = await start({ maxBodyBytes: 1024 });
    expect(await resetCodeOf(p, Buffer.alloc(8 * 1024))).toBe(
      http2.constants.NGHTTP2_ENHANCE_YOUR_CALM,
    );
    expect(breaches(p, "max-body-bytes")).toBe(1);
    await helloAnswers(p);
  });

  // An h2c connection that never became a working session (silent, or a
  // preface without SETTINGS) held close() for sessionIdleMs (120 s).
  test("close() ends connections that never became a session", async () => {
    const p = await start({});
    const silent = await openSocket(p.url);
    const prefaceOnly = await openSocket(p.url);
    prefaceOnly.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const ended = [silent, prefaceOnly].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.on("error", () => undefined);
          s.once("close", () => resolve());
        }),
    );
    await until("both connections accepted", () => p.server.connections() === 2);
    peer = undefined;
    await p.close();
    await Promise.all(ended);
    expect(p.server.connections()).toBe(0);
  }, 60_000);

  test("SETTINGS advertise the stream and header bounds", async () => {
    const p = await start({});
    const session = http2.connect(p.url);
    await new Promise((r) => session.once("remoteSettings", r));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(
      DEFAULT_SERVER_LIMITS.maxConcurrentStreams,
    );
    expect(session.remoteSettings.maxHeaderListSize).toBe(DEFAULT_SERVER_LIMITS.maxHeaderListBytes);
    session.destroy();
  });

  test("headers over the header bound are refused and the server keeps answering", async () => {
    const p = await start({});
    const session = http2.connect(p.url);
    session.on("error", () => undefined);
    await new Promise((r) => session.once("remoteSettings", r));
    const req = session.request({
      ":method": "POST",
      ":path": HELLO,
      "content-type": "application/proto",
      "x-pad": "x".repeat(DEFAULT_SERVER_LIMITS.maxHeaderListBytes * 2),
    });
    const outcome = await new Promise<string>((resolve) => {
      req.on("response", (h) => resolve(`status ${h[":status"]}`));
      req.on("error", (e: Error) => resolve(`error ${e.message}`));
      req.on("close", () => resolve(`closed ${req.rstCode}`));
      req.end();
    });
    expect(outcome).not.toMatch(/^status 200/);
    session.destroy();
    await helloAnswers(p);
  });
});
