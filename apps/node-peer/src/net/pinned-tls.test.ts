// A pin mismatch is told by its code, never by its text: callers (init
// --join, peer add, the transport) test isPinMismatch and show rawMessage.
// A real TLS 1.3 server on 127.0.0.1 presents device A's certificate while
// the client pins device C.
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testDevice } from "../../test/support/signing.js";
import { createSyncClient } from "../transport.js";
import { fetchLibraryInfo } from "./library-info.js";
import {
  isPinMismatch,
  PIN_MISMATCH,
  PinMismatchError,
  pinMismatchIn,
  probePeerCertificate,
  TLS_SETTINGS,
} from "./pinned-tls.js";

const server = testDevice("pin-server");
const caller = testDevice("pin-caller");
const pinned = testDevice("pin-expected");
let tls: Server;
let port = 0;

beforeAll(async () => {
  const { keyPem, certPem } = await server.credentials();
  tls = createServer({
    key: keyPem,
    cert: certPem,
    requestCert: true,
    rejectUnauthorized: false,
    ...TLS_SETTINGS,
  });
  // The client hangs up after reading the certificate: a reset is no failure here.
  tls.on("secureConnection", (socket) => socket.on("error", () => {}));
  tls.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  port = (tls.address() as AddressInfo).port;
}, 30_000);

afterAll(async () => {
  await new Promise<void>((resolve) => tls.close(() => resolve()));
});

describe("pin mismatch", () => {
  test("a-server-proving-another-device-is-refused-with-the-pin-mismatch-code", async () => {
    const err = await probePeerCertificate(
      "127.0.0.1",
      port,
      await caller.credentials(),
      pinned.hex,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPinMismatch(err)).toBe(true);
    const mismatch = err as PinMismatchError;
    expect(mismatch.code).toBe(PIN_MISMATCH);
    expect(mismatch.presented).toBe(server.hex);
    expect(mismatch.rawMessage).toBe(mismatch.message);
    expect(mismatch.rawMessage).toContain(`is device ${server.hex}`);
    expect(mismatch.rawMessage).toContain(`not the pinned ${pinned.hex}`);
  }, 30_000);

  test("the-transport-refuses-with-permission-denied-and-the-mismatch-as-its-cause", async () => {
    const client = createSyncClient(`https://127.0.0.1:${port}`, {
      credentials: await caller.credentials(),
      expectDevice: pinned.hex,
    });
    const err = await client.hello({}, { timeoutMs: 10_000 }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).toBe(Code.PermissionDenied);
    const mismatch = pinMismatchIn(err);
    expect(mismatch?.presented).toBe(server.hex);
    // The user-facing sentence is the mismatch's own.
    expect(err?.rawMessage).toBe(mismatch?.rawMessage);
  }, 30_000);

  test("init-join-s-library-info-request-answers-a-pin-mismatch-by-its-code", async () => {
    const answer = await fetchLibraryInfo(
      `https://127.0.0.1:${port}`,
      await caller.credentials(),
      pinned.hex,
    );
    expect(answer.kind === "error" && isPinMismatch(answer.error)).toBe(true);
  }, 30_000);

  test("an-error-that-only-reads-like-a-pin-mismatch-is-none", () => {
    const real = new PinMismatchError("127.0.0.1:1", pinned.hex, server.hex);
    const lookalike = new Error(real.message);
    lookalike.name = "PinMismatchError";
    expect(isPinMismatch(lookalike)).toBe(false);
    expect(pinMismatchIn(new Error("wrapped", { cause: lookalike }))).toBeUndefined();
    expect(pinMismatchIn(new Error("wrapped", { cause: real }))).toBe(real);
  });
});
