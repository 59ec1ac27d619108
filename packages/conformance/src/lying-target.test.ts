// A target whose answer matches what a case expects but breaks the message
// rules for its request fails the case: the runner holds every answer to
// the protocol's response validators, not only to the case's expectations.

import { randomBytes } from "node:crypto";
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  ExchangeWatermarksResponseSchema,
  HelloResponseSchema,
  PROTOCOL_VERSION,
  Resource,
  SyncService,
} from "@tidemark/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Case } from "./cases.js";
import { runConformance } from "./runner.js";

const library = randomBytes(16);
const device = randomBytes(16);
let server: Http2Server;
const sessions = new Set<ServerHttp2Session>();
let url: string;
/** Whether the target lists a stream whose origin id is one byte short. */
let lies = false;

beforeEach(async () => {
  lies = false;
  const routes = (router: ConnectRouter) =>
    router.service(SyncService, {
      hello: () =>
        create(HelloResponseSchema, {
          libraryId: library,
          deviceId: device,
          protocolVersion: PROTOCOL_VERSION,
          deviceName: "liar",
        }),
      exchangeWatermarks: () =>
        create(ExchangeWatermarksResponseSchema, {
          deviceId: device,
          watermarks: [
            {
              stream: { origin: new Uint8Array(lies ? 15 : 16), resource: Resource.TAG },
              cursor: 1n,
              liveCount: 1n,
              fingerprint: new Uint8Array(16),
            },
          ],
        }),
    });
  server = createServer(connectNodeAdapter({ routes }));
  // The runner keeps its HTTP/2 sessions open: closed with the server.
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  const closed = new Promise((r) => server.close(r));
  for (const session of sessions) session.destroy();
  await closed;
});

/** A case that only asks for watermarks and expects any answer. */
const exchange: Case = {
  id: "any-watermarks",
  rules: ["EW-1"],
  title: "an exchange answers",
  file: "test",
  steps: [{ call: "ExchangeWatermarks", request: { watermarks: [] }, expect: { response: {} } }],
};

async function verdict() {
  const report = await runConformance({
    target: { url, protocol: "connect" },
    library: library.toString("hex"),
    cases: [exchange],
  });
  return report.results.map((r) => [r.verdict, r.detail ?? null]);
}

describe("answers held to the message rules", () => {
  it("an answer the case's expectation matches still fails when it breaks a rule", async () => {
    lies = true;
    expect(await verdict()).toEqual([
      [
        "fail",
        expect.stringMatching(
          /^steps\[0\] ExchangeWatermarks: the answer breaks the message rules: INVALID_ID: /,
        ),
      ],
    ]);
  });

  it("a well-formed answer passes", async () => {
    expect(await verdict()).toEqual([["pass", null]]);
  });
});
