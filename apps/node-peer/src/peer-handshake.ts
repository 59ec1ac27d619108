// The peer-add handshake: call Hello at a URL the user typed to learn who
// answers there (device id, name) and check it is a peer of our library.
// It runs in the CLI process, before the user confirms; the admin API
// only records a peer it is given and never fetches a URL of a request.
import { create } from "@bufbuild/protobuf";
import { CAPABILITIES } from "@tidemark/engine";
import { HelloRequestSchema, PROTOCOL_VERSION } from "@tidemark/protocol";
import type { DeviceConfig } from "./config/data-dir.js";
import { CliError, CliErrorCode, isCliError } from "./errors.js";
import { fromHex, toHex } from "./ids.js";
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
      "e.g. http://127.0.0.1:7400",
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(CliErrorCode.InvalidArgument, `not an http(s) URL: "${url}"`);
  }
  return parsed.origin;
}

/**
 * Calls Hello at `url` until it answers (or fails for another reason than
 * no answer) or `waitMs` ends; refuses a peer of another library and this
 * device itself.
 */
export async function peerHandshake(
  url: string,
  waitMs: number,
  self: DeviceConfig,
): Promise<PeerIdentity> {
  const base = peerOrigin(url);
  const deadline = Date.now() + waitMs;
  const client = createSyncClient(base);
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
      return { url: base, deviceId, name: hello.deviceName };
    } catch (err) {
      if (isCliError(err)) throw err;
      const { contact } = classifyFailure(err);
      if (contact === "unreachable" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
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
