// HTTP/2 memory per session (SECURITY.md): a client that asks for responses
// and never reads them makes the server queue their bytes; past the
// session's bound nghttp2 refuses the session's new streams instead of
// buffering more. Raw frames, so the client's socket really stops reading
// (an http2 client would read and buffer on its own side). The server uses
// the listener's own options (`http2Options`), as serve does.
import http2 from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_SERVER_LIMITS, http2Options } from "./server-limits.js";

const RESPONSE_BYTES = 2 * 1024 * 1024;
const STREAMS = 24;
const body = Buffer.alloc(RESPONSE_BYTES, 0x61);

let server: http2.Http2Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** Preface, a 2^31-1 stream window and connection window: flow control never stops the server. */
function openingFrames(): Buffer {
  const settings = Buffer.alloc(6);
  settings.writeUInt16BE(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE
  settings.writeUInt32BE(2 ** 31 - 1, 2);
  const increment = Buffer.alloc(4);
  increment.writeUInt32BE(2 ** 31 - 1 - 65_535, 0);
  return Buffer.concat([
    Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    frame(0x4, 0, 0, settings),
    frame(0x8, 0, 0, increment),
  ]);
}

// HPACK: :method GET, :scheme http, :path /, :authority "a" (literal, not indexed).
const GET = Buffer.from([0x82, 0x86, 0x84, 0x41, 0x01, 0x61]);

async function listen(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const s = http2.createServer(http2Options(DEFAULT_SERVER_LIMITS));
  s.on("stream", (stream) => {
    accepted++;
    stream.on("error", () => undefined);
    stream.respond({ ":status": 200 });
    stream.end(body);
  });
  s.on("sessionError", () => undefined);
  server = s;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const address = s.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, accepted: () => accepted };
}

/** A session that requests STREAMS responses and never reads a byte. */
async function nonReadingSession(port: number): Promise<void> {
  const socket = netConnect({ host: "127.0.0.1", port });
  sockets.push(socket);
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.pause();
  const requests = Array.from({ length: STREAMS }, (_, i) => frame(0x1, 0x5, 1 + 2 * i, GET));
  socket.write(Buffer.concat([openingFrames(), ...requests]));
}

async function settle(check: () => number, ms: number): Promise<number> {
  // The count only grows; wait until it stops moving (bounded).
  let last = -1;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const now = check();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 500));
  }
  return check();
}

describe("HTTP/2 memory per session", { timeout: 30_000 }, () => {
  test("a session that stops reading has new streams refused past its memory bound", async () => {
    const { port, accepted } = await listen();
    await nonReadingSession(port);
    const first = await settle(accepted, 10_000);
    // 16 MiB of queued 2 MiB responses: a handful of streams, never all 24.
    const bound = Math.ceil(
      (DEFAULT_SERVER_LIMITS.maxSessionMemoryMiB * 1024 * 1024) / RESPONSE_BYTES,
    );
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(bound + 1);
    expect(first).toBeLessThan(STREAMS);

    // The bound is per session: a second attacker session gets its own, no more.
    await nonReadingSession(port);
    const both = await settle(accepted, 10_000);
    expect(both - first).toBeGreaterThan(0);
    expect(both - first).toBeLessThanOrEqual(bound + 1);
  });
});
