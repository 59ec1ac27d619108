// Every refusal carries an ErrorDetail on every protocol (PROTOCOL.md §10),
// and unreadable requests are invalid_argument / MALFORMED — on a real
// HTTP/2 listener, with the bytes no Connect client would send.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorReason, SyncService } from "@tidemark/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type InProcessPeer, startInProcessPeer } from "../../test/support/in-process-peer.js";
import { CONTENT_TYPE, envelope, errorOf, rawPost } from "../../test/support/raw-h2.js";
import { type WireProtocol, withErrorDetail } from "./wire-errors.js";

const PROTOCOLS: readonly WireProtocol[] = ["connect-unary", "connect-stream", "grpc", "grpc-web"];
const RPCS = SyncService.methods.map((m) => ({
  name: m.name,
  path: `/${SyncService.typeName}/${m.name}`,
  streaming: m.methodKind === "server_streaming",
}));

/** Which protocol serves an RPC of this kind (Connect splits unary and streaming). */
function applies(protocol: WireProtocol, streaming: boolean): boolean {
  if (protocol === "connect-unary") return !streaming;
  if (protocol === "connect-stream") return streaming;
  return true;
}

function framed(protocol: WireProtocol, message: Uint8Array): Uint8Array {
  return protocol === "connect-unary" ? message : envelope(message);
}

function reasonOf(err: ConnectError | undefined): ErrorReason | undefined {
  return err?.findDetails(ErrorDetailSchema)[0]?.reason;
}

let peer: InProcessPeer;
beforeAll(async () => {
  peer = await startInProcessPeer({ name: "wire", security: "insecure-loopback" });
});
afterAll(() => peer.close());

// A length-delimited field whose length runs past the end, a field with
// wire type 7, and a varint that never ends.
const UNREADABLE: readonly [string, Uint8Array][] = [
  ["truncated length", Uint8Array.of(0x0a, 0xff, 0xff, 0xff)],
  ["bad wire type", Uint8Array.of(0x0f, 0x01)],
  ["endless varint", Uint8Array.of(0x08, ...new Array<number>(11).fill(0xff))],
];

describe("unreadable requests are invalid_argument with a MALFORMED detail", () => {
  for (const protocol of PROTOCOLS) {
    for (const rpc of RPCS.filter((r) => applies(protocol, r.streaming))) {
      test(`${protocol} ${rpc.name}`, async () => {
        const cases: [string, Uint8Array][] = [
          ...UNREADABLE.map(([n, b]): [string, Uint8Array] => [n, framed(protocol, b)]),
        ];
        if (protocol !== "connect-unary") {
          cases.push(["truncated envelope", Uint8Array.of(0, 0, 0, 0, 9, 1)]);
          // Not one message: nothing, or two.
          cases.push(["no message", new Uint8Array(0)]);
          cases.push([
            "two messages",
            Buffer.concat([envelope(new Uint8Array(0)), envelope(new Uint8Array(0))]),
          ]);
        }
        for (const [what, body] of cases) {
          const answer = await rawPost(peer.url, rpc.path, CONTENT_TYPE[protocol], body);
          const err = errorOf(protocol, answer);
          expect({ what, code: err?.code }).toEqual({ what, code: Code.InvalidArgument });
          expect({ what, reason: reasonOf(err) }).toEqual({ what, reason: ErrorReason.MALFORMED });
        }
      });
    }
  }

  test("JSON that is not JSON, on Connect unary", async () => {
    const answer = await rawPost(
      peer.url,
      `/${SyncService.typeName}/Hello`,
      "application/json",
      Buffer.from("{bad"),
    );
    const err = errorOf("connect-unary", answer);
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(reasonOf(err)).toBe(ErrorReason.MALFORMED);
  });
});

describe("refusals by the handlers keep their code and detail on every protocol", () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol}: an empty request is MISSING_FIELD or a library mismatch`, async () => {
      const rpc = RPCS.find(
        (r) => r.name === (protocol === "connect-stream" ? "Backfill" : "Hello"),
      );
      // An empty message decodes (every field absent); the handler refuses it.
      const answer = await rawPost(
        peer.url,
        rpc?.path ?? "",
        CONTENT_TYPE[protocol],
        framed(protocol, new Uint8Array(0)),
      );
      const err = errorOf(protocol, answer);
      expect(err).toBeInstanceOf(ConnectError);
      expect(reasonOf(err)).not.toBeUndefined();
      expect(reasonOf(err)).not.toBe(ErrorReason.UNSPECIFIED);
    });
  }
});

describe("a message over MAX_MESSAGE_BYTES", () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol} is resource_exhausted with MESSAGE_TOO_LARGE`, async () => {
      const rpc = protocol === "connect-stream" ? "Backfill" : "PushChanges";
      // A bytes field (tag 1) of 5 MiB: well-formed protobuf, too large.
      const big = Buffer.concat([
        Buffer.from([0x0a, 0x80, 0x80, 0xc0, 0x02]),
        Buffer.alloc(5 << 20),
      ]);
      const answer = await rawPost(
        peer.url,
        `/${SyncService.typeName}/${rpc}`,
        CONTENT_TYPE[protocol],
        framed(protocol, big),
      );
      const err = errorOf(protocol, answer);
      expect(err?.code).toBe(Code.ResourceExhausted);
      expect(reasonOf(err)).toBe(ErrorReason.MESSAGE_TOO_LARGE);
    });
  }
});

describe("withErrorDetail", () => {
  test("leaves transport failures without a detail", () => {
    for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]) {
      const err = new ConnectError("x", code);
      expect(withErrorDetail(err)).toBe(err);
    }
  });

  test("keeps an error that already has a detail", async () => {
    const answer = await rawPost(
      peer.url,
      `/${SyncService.typeName}/Hello`,
      "application/proto",
      new Uint8Array(0),
    );
    const err = errorOf("connect-unary", answer) as ConnectError;
    expect(withErrorDetail(err)).toBe(err);
  });

  test("gives anything else a detail and keeps its code", () => {
    const out = withErrorDetail(
      new ConnectError("server does not support br2", Code.Unimplemented),
    );
    expect(out.code).toBe(Code.Unimplemented);
    expect(reasonOf(out)).toBe(ErrorReason.UNSPECIFIED);
  });
});
