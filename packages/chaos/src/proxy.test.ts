// The proxy against a real HTTP/2 server on 127.0.0.1: calls pass through
// whole; a partition cuts the request (the server never sees it); a
// one-way partition back cuts only the response (the server did the work);
// an armed Backfill reset cuts the stream after N chunks. Each is recorded.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { LinkTable } from "./link-faults.js";
import { FaultProxy } from "./proxy.js";
import { Recorder } from "./recorder.js";

const CHUNKS = 5;
let server: http2.Http2Server;
let served = 0;
let proxy: FaultProxy;
let links: LinkTable;
let recorder: Recorder;

beforeEach(async () => {
  served = 0;
  server = http2.createServer();
  server.on("stream", (stream) => {
    served++;
    stream.respond({ ":status": 200, "content-type": "application/connect+proto" });
    let i = 0;
    const tick = () => {
      if (stream.destroyed) return;
      if (i++ < CHUNKS) {
        stream.write(Buffer.from(`chunk${i};`));
        setTimeout(tick, 5);
      } else stream.end();
    };
    tick();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  links = new LinkTable(2, 7);
  recorder = new Recorder();
  proxy = new FaultProxy({ peers: 2, links, recorder, targetPort: () => port });
  await proxy.start();
}, 60_000);

afterEach(async () => {
  await proxy.close();
  await new Promise((r) => server.close(r));
}, 60_000);

/** One call from peer 0 to peer 1 through the proxy: the body received, or the error. */
function call(rpc: string): Promise<{ body: string; error?: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(proxy.urlFor(0, 1));
    session.on("error", () => undefined);
    const req = session.request({
      ":method": "POST",
      ":path": `/tidemark.sync.v1.SyncService/${rpc}`,
    });
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    const finish = (error?: string) => {
      session.close();
      resolve(error === undefined ? { body } : { body, error });
    };
    req.on("end", () => finish());
    req.on("error", (e) => finish(e.message));
    req.end("request");
  });
}

// Real sockets on a loaded machine: generous bounds, never timing assertions.
describe("FaultProxy", { timeout: 60_000 }, () => {
  test("forwards a call whole and records it", async () => {
    const r = await call("Backfill");
    expect(r.error).toBeUndefined();
    expect(r.body).toBe("chunk1;chunk2;chunk3;chunk4;chunk5;");
    expect(recorder.records().find((x) => x.k === "send")).toMatchObject({
      from: 0,
      to: 1,
      rpc: "Backfill",
      part: "200",
      chunks: CHUNKS,
    });
  });

  test("a partition cuts the request before the server sees it", async () => {
    links.get(0, 1).blocked = true;
    const r = await call("PushChanges");
    expect(r.error, r.error).toMatch(/NGHTTP2_REFUSED_STREAM/);
    expect(served).toBe(0);
    expect(recorder.records().find((x) => x.k === "drop")?.part).toBe("partition (request)");
  });

  test("a one-way partition back cuts only the response: the server did the work", async () => {
    links.get(1, 0).blocked = true;
    const r = await call("PushChanges");
    expect(r.error).toBeDefined();
    expect(served).toBe(1);
    expect(recorder.records().find((x) => x.k === "drop")?.part).toBe("partition (response)");
  });

  test("an armed reset cuts the next Backfill after N chunks, once", async () => {
    links.get(1, 0).resetBackfillAfter = 2;
    const cut = await call("Backfill");
    expect(cut.error).toBeDefined();
    expect(cut.body).toBe("chunk1;chunk2;");
    const next = await call("Backfill");
    expect(next.error).toBeUndefined();
  });
});
