// A real Connect server behind the proxy on 127.0.0.1, called by real
// Connect (binary and JSON) and gRPC clients: the proxy reads each call's
// error code from what it forwards (a unary body, a stream's end message,
// gRPC trailers) and checks each request against the message rules itself,
// and requests-well-formed fails a run in which a peer sent a malformed
// request (even one a lax peer accepted) or refused one as malformed.
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
  Resource,
  SyncService,
} from "@tidemark/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { codeName } from "./call-error.js";
import { LinkTable } from "./link-faults.js";
import { FaultProxy } from "./proxy.js";
import { Recorder } from "./recorder.js";
import { requestsWellFormed, WELL_FORMED } from "./well-formed.js";

const MESSAGE = "watermarks[0].cursor is required in a notice";
const LIBRARY = new Uint8Array(16).fill(7);
const DEVICE = new Uint8Array(16).fill(9);

/** A notice of one stream, with its cursor or (malformed, NT-3) without. */
const notice = (withCursor: boolean) => ({
  libraryId: LIBRARY,
  deviceId: DEVICE,
  watermarks: [
    {
      stream: { origin: DEVICE, resource: Resource.ENTRY },
      ...(withCursor ? { cursor: 3n } : {}),
      liveCount: 0n,
      fingerprint: new Uint8Array(16),
    },
  ],
});
const malformed = () => new ProtocolError(ErrorReason.MISSING_FIELD, MESSAGE).toConnectError();

let server: Http2Server;
let proxy: FaultProxy;
let recorder: Recorder;

beforeEach(async () => {
  const routes = (router: ConnectRouter) =>
    router.service(SyncService, {
      exchangeWatermarks: () => create(ExchangeWatermarksResponseSchema, {}),
      // Lax: takes any notice (the proxy's own check must catch a bad one).
      notifyDataAvailable: () => ({}),
      reconcile: () => {
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
    libraryId: LIBRARY,
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
    "connect-json": createClient(
      SyncService,
      createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: false }),
    ),
    grpc: createClient(SyncService, createGrpcTransport({ baseUrl })),
  };
}

const sent = () => recorder.records().filter((r) => r.k === "send");

describe("the proxy reads each call's error", () => {
  test.each(["connect", "connect-json", "grpc"])(
    "over %s: unary and streaming refusals, and none on success",
    async (protocol) => {
      const client = clients()[protocol];
      if (client === undefined) throw new Error(protocol);
      await client.exchangeWatermarks({});
      await expect(client.reconcile({})).rejects.toThrow(MESSAGE);
      const pages = async () => {
        for await (const _ of client.backfill({})) {
          // no page comes
        }
      };
      await expect(pages()).rejects.toThrow(MESSAGE);
      expect(sent().map((r) => [r.rpc, r.code ?? null, r.error ?? null])).toEqual([
        ["ExchangeWatermarks", null, null],
        ["Reconcile", "invalid_argument", MESSAGE],
        ["Backfill", "invalid_argument", MESSAGE],
      ]);
    },
  );
});

describe("the proxy checks each request itself", () => {
  test.each(["connect", "connect-json", "grpc"])(
    "over %s: a notice without a cursor is caught though the peer took it",
    async (protocol) => {
      const client = clients()[protocol];
      if (client === undefined) throw new Error(protocol);
      await client.notifyDataAvailable(notice(true));
      await client.notifyDataAvailable(notice(false));
      expect(sent().map((r) => [r.code ?? null, r.bad ?? null, r.badWhy ?? null])).toEqual([
        [null, null, null],
        [null, "MISSING_FIELD", MESSAGE],
      ]);
      expect(requestsWellFormed(recorder.records())?.detail).toBe(
        `d0 sent d1 a malformed NotifyDataAvailable (MISSING_FIELD: ${MESSAGE}), which d1 accepted`,
      );
    },
  );
});

describe("requests-well-formed", () => {
  const call = (fields: Record<string, string>) => ({
    t: 1,
    k: "send",
    from: 0,
    to: 1,
    rpc: "PushChanges",
    part: "200",
    ...fields,
  });

  test("fails on a call refused as malformed, naming both peers, the call and the message", () => {
    const refused = call({ code: "invalid_argument", error: MESSAGE });
    expect(requestsWellFormed([refused, refused])).toEqual({
      property: WELL_FORMED,
      devices: [0, 1],
      detail: `d1 refused d0's PushChanges as malformed: ${MESSAGE} (2 calls in all)`,
    });
  });

  test("names the rule a request broke, and how the peer answered it", () => {
    const bad = call({ bad: "MALFORMED", badWhy: "bad bounds", code: "invalid_argument" });
    expect(requestsWellFormed([bad])?.detail).toBe(
      "d0 sent d1 a malformed PushChanges (MALFORMED: bad bounds), which d1 answered invalid_argument",
    );
  });

  test("holds when calls succeed or fail for other reasons", () => {
    const records = [
      call({}),
      call({ code: "unavailable", error: "gone" }),
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
