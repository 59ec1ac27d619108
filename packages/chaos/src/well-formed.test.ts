// A real Connect server behind the proxy on 127.0.0.1, called by real
// Connect and gRPC clients: the proxy reads each call's error code from
// what it forwards (a unary body, a stream's end message, gRPC trailers),
// and requests-well-formed fails a run in which a peer refused another's
// request as malformed, naming the call and the refusal's message.
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { type Client, type ConnectRouter, createClient } from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createConnectTransport,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import {
  ErrorReason,
  ExchangeWatermarksResponseSchema,
  ProtocolError,
  SyncService,
} from "@tidemark/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { codeName } from "./call-error.js";
import { LinkTable } from "./link-faults.js";
import { FaultProxy } from "./proxy.js";
import { Recorder } from "./recorder.js";
import { requestsWellFormed, WELL_FORMED } from "./well-formed.js";

const MESSAGE = "watermarks[0].cursor is required in a notice";
const malformed = () => new ProtocolError(ErrorReason.MISSING_FIELD, MESSAGE).toConnectError();

let server: Http2Server;
let proxy: FaultProxy;
let recorder: Recorder;

beforeEach(async () => {
  const routes = (router: ConnectRouter) =>
    router.service(SyncService, {
      exchangeWatermarks: () => create(ExchangeWatermarksResponseSchema, {}),
      notifyDataAvailable: () => {
        throw malformed();
      },
      // biome-ignore lint/correctness/useYield: refused before its first page, as a validator does
      async *backfill() {
        throw malformed();
      },
    });
  server = createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  recorder = new Recorder();
  proxy = new FaultProxy({
    peers: 2,
    links: new LinkTable(2, 7),
    recorder,
    targetPort: () => port,
  });
  await proxy.start();
}, 60_000);

afterEach(async () => {
  await proxy.close();
  await new Promise((r) => server.close(r));
}, 60_000);

function clients(): Record<string, Client<typeof SyncService>> {
  const baseUrl = proxy.urlFor(0, 1);
  return {
    connect: createClient(SyncService, createConnectTransport({ baseUrl, httpVersion: "2" })),
    grpc: createClient(SyncService, createGrpcTransport({ baseUrl })),
  };
}

const sent = () => recorder.records().filter((r) => r.k === "send");

describe("the proxy reads each call's error", () => {
  test.each(["connect", "grpc"])(
    "over %s: unary and streaming refusals, and none on success",
    async (protocol) => {
      const client = clients()[protocol];
      if (client === undefined) throw new Error(protocol);
      await client.exchangeWatermarks({});
      await expect(client.notifyDataAvailable({})).rejects.toThrow(MESSAGE);
      const pages = async () => {
        for await (const _ of client.backfill({})) {
          // no page comes
        }
      };
      await expect(pages()).rejects.toThrow(MESSAGE);
      expect(sent().map((r) => [r.rpc, r.code ?? null, r.error ?? null])).toEqual([
        ["ExchangeWatermarks", null, null],
        ["NotifyDataAvailable", "invalid_argument", MESSAGE],
        ["Backfill", "invalid_argument", MESSAGE],
      ]);
    },
  );
});

describe("requests-well-formed", () => {
  test("fails on a call refused as malformed, naming both peers, the call and the message", async () => {
    const client = clients().connect;
    await client?.notifyDataAvailable({}).catch(() => undefined);
    await client?.notifyDataAvailable({}).catch(() => undefined);
    expect(requestsWellFormed(recorder.records())).toEqual({
      property: WELL_FORMED,
      devices: [0, 1],
      detail: `d1 refused d0's NotifyDataAvailable as malformed: ${MESSAGE} (2 calls in all)`,
    });
  });

  test("holds when calls succeed or fail for other reasons", () => {
    const records = [
      { t: 1, k: "send", from: 0, to: 1, rpc: "Hello", part: "200" },
      { t: 2, k: "send", from: 1, to: 0, rpc: "Backfill", code: "unavailable", error: "gone" },
      { t: 3, k: "drop", from: 0, to: 1, rpc: "PushChanges", part: "partition (request)" },
    ];
    expect(requestsWellFormed(records)).toBeUndefined();
  });

  test("code numbers read in Connect's spelling", () => {
    expect([3, 9, 14, 16].map(codeName)).toEqual([
      "invalid_argument",
      "failed_precondition",
      "unavailable",
      "unauthenticated",
    ]);
  });
});
