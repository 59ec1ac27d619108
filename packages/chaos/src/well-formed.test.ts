// A real Connect server behind the proxy on 127.0.0.1, called by real
// Connect (binary and JSON) and gRPC clients: the proxy reads each call's
// error code from what it forwards (a unary body, a stream's end message,
// gRPC trailers) and checks each request against the message rules itself,
// and requests-well-formed fails a run in which a peer sent a malformed
// request (even one a lax peer accepted) or refused one as malformed.
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { create } from "@bufbuild/protobuf";
import { type Client, type ConnectRouter, createClient } from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createConnectTransport,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import {
  BackfillResponseSchema,
  ErrorReason,
  ExchangeWatermarksResponseSchema,
  MAX_MESSAGE_BYTES,
  PageStatus,
  ProtocolError,
  Resource,
  SyncService,
} from "@tidemark/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { codeName } from "./call-error.js";
import { LinkTable } from "./link-faults.js";
import { FaultProxy } from "./proxy.js";
import { Recorder } from "./recorder.js";
import { answersWellFormed, requestsWellFormed, WELL_FORMED } from "./well-formed.js";
import { inflate, messageOf } from "./wire-framing.js";

const MESSAGE = "watermarks[0].cursor is required in a notice";
const LIBRARY = new Uint8Array(16).fill(7);
const DEVICE = new Uint8Array(16).fill(9);
/** A caller whose first id byte is this gets lies back. */
const LIAR = 0x11;

function liarWatermarks() {
  return Array.from({ length: 40 }, (_, i) => ({
    stream: { origin: new Uint8Array(i === 39 ? 15 : 16).fill(i), resource: Resource.TAG },
    cursor: 1n,
    liveCount: 1n,
    fingerprint: new Uint8Array(16),
  }));
}

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
      // Lies when asked for a stream of LIAR: far too many streams (over 1 KiB, so sent compressed), one id short.
      exchangeWatermarks: (req) =>
        create(ExchangeWatermarksResponseSchema, {
          deviceId: DEVICE,
          watermarks: req.deviceId[0] === LIAR ? liarWatermarks() : [],
        }),
      // Answers a page of a stream nobody asked for.
      async *backfill(req) {
        if (req.deviceId[0] !== LIAR) throw malformed();
        yield create(BackfillResponseSchema, {
          stream: { origin: new Uint8Array(16).fill(1), resource: Resource.TAG },
          status: PageStatus.OK,
          streamDone: true,
          completeThrough: 1n,
        });
      },
      // Lax: takes any notice (the proxy's own check must catch a bad one).
      notifyDataAvailable: () => ({}),
      reconcile: () => {
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

describe("the proxy checks each answer against its request", () => {
  const liar = new Uint8Array(16).fill(LIAR);
  test.each(["connect", "connect-json", "grpc"])(
    "over %s: a page of a stream not asked for, a compressed list with a short id",
    async (protocol) => {
      const client = clients()[protocol];
      if (client === undefined) throw new Error(protocol);
      const stream = { origin: DEVICE, resource: Resource.TAG };
      for await (const _ of client.backfill({
        libraryId: LIBRARY,
        deviceId: liar,
        streams: [{ stream }],
      })) {
        // the caller takes what comes; the proxy judges it
      }
      await client.exchangeWatermarks({ libraryId: LIBRARY, deviceId: liar });
      await client.exchangeWatermarks({ libraryId: LIBRARY, deviceId: DEVICE });
      const judged = sent().map((r) => [r.rpc, r.answerChecked ?? null, r.badAnswer ?? null]);
      expect(judged).toEqual([
        ["Backfill", true, expect.any(String)],
        ["ExchangeWatermarks", true, "INVALID_ID"],
        ["ExchangeWatermarks", true, null],
      ]);
      expect(answersWellFormed(recorder.records())?.detail).toMatch(
        /^d1 answered d0's Backfill with a malformed message \(\w+: .*stream.*\) \(2 calls in all\)$/,
      );
    },
  );

  test("a gzip or brotli body is read inflated, and one past the message bound is not read at all", () => {
    const framing = { enveloped: false, json: true, encoding: "gzip" } as const;
    expect(Buffer.from(messageOf(gzipSync("{}"), framing) ?? []).toString()).toBe("{}");
    expect(Buffer.from(inflate(brotliCompressSync("ok"), "br") ?? []).toString()).toBe("ok");
    expect(inflate(gzipSync(Buffer.alloc(MAX_MESSAGE_BYTES + 2)), "gzip")).toBeUndefined();
  });
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
