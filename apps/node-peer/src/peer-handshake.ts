// The peer-add handshake: call Hello at a URL the user typed to learn who
// answers there (device id, name) and check it is a peer of our library.
// It runs in the CLI process, before the user confirms; the admin API
// only records a peer it is given and never fetches a URL of a request.
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { CAPABILITIES } from "@tidemark/engine";
import {
  ErrorReason,
  HelloRequestSchema,
  PROTOCOL_VERSION,
  ProtocolError,
} from "@tidemark/protocol";
import type { DeviceConfig } from "./config/data-dir.js";
import { CliError, CliErrorCode, isCliError } from "./errors.js";
import { shortFormOf } from "./identity/device-identity.js";
import { fromHex, toHex } from "./ids.js";
import { type ClientCredentials, pinMismatchIn } from "./net/pinned-tls.js";
import { classifyFailure, describeError } from "./peer-row.js";
import { createSyncClient } from "./transport.js";

/** Who answered at a URL: what `peer add` records once the user confirms. */
export type PeerIdentity = {
  /** The URL's origin (scheme, host, port). */
  readonly url: string;
  readonly deviceId: string;
  readonly name: string;
};

/** Our Hello, as any caller of a peer sends it: with our full capabilities (HE-4). */
export function helloRequestOf(self: DeviceConfig) {
  return create(HelloRequestSchema, {
    libraryId: fromHex(self.libraryId),
    deviceId: fromHex(self.deviceId),
    protocolVersion: PROTOCOL_VERSION,
    capabilities: [...CAPABILITIES],
    deviceName: self.deviceName,
  });
}

/** `url`'s origin, when it is an http(s) URL; a CliError otherwise. */
export function peerOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `not a URL: "${url}"`,
      "e.g. https://192.168.1.20:7400",
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(CliErrorCode.InvalidArgument, `not an http(s) URL: "${url}"`);
  }
  return parsed.origin;
}

/** How the peer at a URL took our Hello. */
export type HandshakeContact =
  /** It answered: its id, library and name are known. */
  | "answered"
  /** It proved the pinned id but refused us: it has not paired this device yet. */
  | "not-paired-yet"
  /** Nothing answered within the wait (it may not serve yet). */
  | "unreachable";

export type HandshakeResult = PeerIdentity & {
  readonly contact: HandshakeContact;
  readonly detail: string;
};

/** This device's TLS credentials and the device id the peer must prove. */
export type HandshakePin = {
  readonly credentials: ClientCredentials;
  /** Hex device id. */
  readonly expect: string;
};

function notPaired(err: unknown): boolean {
  return (
    err instanceof ConnectError &&
    ProtocolError.fromConnectError(err).reason === ErrorReason.NOT_PAIRED
  );
}

/**
 * Calls Hello at `url` until it answers (or fails for another reason than
 * no answer) or `waitMs` ends; refuses a peer of another library, this
 * device itself and, with a pin, a server that proves another device. With
 * a pin, a peer that has not paired us yet or does not answer yet is
 * reported as such (the pin alone is enough to record it).
 */
export async function peerHandshake(
  url: string,
  waitMs: number,
  self: DeviceConfig,
  pin?: HandshakePin,
): Promise<HandshakeResult> {
  const base = peerOrigin(url);
  if (base.startsWith("https:") && pin === undefined) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${base}: pairing over https needs the peer's device id`,
      "add --device-id ID (shown by `tidemark id` on that device)",
    );
  }
  const deadline = Date.now() + waitMs;
  const client = createSyncClient(
    base,
    pin === undefined ? {} : { credentials: pin.credentials, expectDevice: pin.expect },
  );
  const pinnedOnly = (contact: HandshakeContact, detail: string): HandshakeResult => ({
    url: base,
    deviceId: pin?.expect ?? "",
    name: shortFormOf(pin?.expect ?? "").slice(0, 7),
    contact,
    detail,
  });
  for (;;) {
    try {
      const hello = await client.hello(helloRequestOf(self), { timeoutMs: 5_000 });
      const deviceId = toHex(hello.deviceId);
      const library = toHex(hello.libraryId);
      if (library !== self.libraryId) {
        throw new CliError(
          CliErrorCode.InvalidArgument,
          `peer ${deviceId} is in library ${library}, this device in ${self.libraryId}`,
        );
      }
      if (deviceId === self.deviceId) {
        throw new CliError(CliErrorCode.InvalidArgument, `${base} is this device itself`);
      }
      if (pin !== undefined && deviceId !== pin.expect) {
        throw new CliError(
          CliErrorCode.InvalidArgument,
          `${base} says it is device ${deviceId}, its certificate proves ${pin.expect}: refused`,
        );
      }
      return { url: base, deviceId, name: hello.deviceName, contact: "answered", detail: "" };
    } catch (err) {
      if (isCliError(err)) throw err;
      const mismatch = pinMismatchIn(err);
      if (mismatch !== undefined) {
        throw new CliError(
          CliErrorCode.InvalidArgument,
          mismatch.rawMessage,
          "check the device id and the URL",
          {
            cause: err,
          },
        );
      }
      if (pin !== undefined && notPaired(err))
        return pinnedOnly("not-paired-yet", describeError(err));
      const { contact } = classifyFailure(err);
      if (contact === "unreachable" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (contact === "unreachable" && pin !== undefined) {
        return pinnedOnly("unreachable", describeError(err));
      }
      throw new CliError(
        CliErrorCode.PeerUnavailable,
        `peer at ${base} ${contact === "refused" ? "refused" : "did not answer"} Hello: ${describeError(err)}`,
        contact === "refused"
          ? "is it a peer of the same library?"
          : "is `tidemark serve` running there?",
        { cause: err },
      );
    }
  }
}
