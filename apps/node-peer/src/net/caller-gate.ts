// Who is calling, per request, on a mutual-TLS listener: the device id the
// client certificate proves (cached per HTTP/2 session). A call from no
// certificate, or from a device this one has not paired, is refused before
// the service sees it (nothing read, nothing written), logged with the
// offending id and counted; the service gets the paired caller's id as
// `authenticatedDevice` to authorize each request against.
import type { Http2ServerRequest, Http2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import { Code, type ConnectError, type ContextValues, createContextKey } from "@connectrpc/connect";
import type { RefusalReason as EngineRefusalReason } from "@tidemark/engine";
import { authenticatedDevice, ErrorReason, ProtocolError } from "@tidemark/protocol";
import { deviceIdOfCertificate } from "../identity/certificate.js";
import { fromHex } from "../ids.js";

/** What the TLS layer saw of one caller. */
export type TransportCaller =
  | { readonly kind: "insecure-loopback" }
  | { readonly kind: "no-certificate"; readonly address: string }
  | { readonly kind: "not-ed25519"; readonly address: string }
  | { readonly kind: "device"; readonly deviceId: string; readonly address: string };

/**
 * Why a caller was refused: the engine's reasons (one spelling, kebab-case,
 * for its service-layer refusals too) and the listener's own TLS handshakes.
 */
export type RefusalReason = EngineRefusalReason | "tls-handshake";

export type Refusal = {
  readonly reason: RefusalReason;
  readonly address: string;
  /** The device id its certificate proves, when it presented one. */
  readonly deviceId?: string;
  readonly method: string;
};

/** What the listener asks its host: is this device paired, and here is a refusal. */
export type CallerGate = {
  isPaired(deviceId: string): boolean;
  refused(refusal: Refusal): void;
};

export const transportCaller = createContextKey<TransportCaller>(
  { kind: "insecure-loopback" },
  { description: "tidemark transport caller" },
);

const bySession = new WeakMap<Http2Session, TransportCaller>();

/** The caller of a request on a TLS listener (cached per session). */
export function callerOfRequest(req: Http2ServerRequest): TransportCaller {
  const session = req.stream.session;
  const cached = session === undefined ? undefined : bySession.get(session);
  if (cached !== undefined) return cached;
  const socket = req.socket as unknown as TLSSocket;
  const address = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
  const cert =
    typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate(false) : null;
  let caller: TransportCaller;
  if (cert === null || cert.raw === undefined) caller = { kind: "no-certificate", address };
  else {
    const deviceId = deviceIdOfCertificate(cert.raw);
    caller =
      deviceId === undefined
        ? { kind: "not-ed25519", address }
        : { kind: "device", deviceId, address };
  }
  if (session !== undefined) bySession.set(session, caller);
  return caller;
}

/** The context values of a request: the caller, and the authenticated device once paired. */
export function contextValuesOf(caller: TransportCaller, gate: CallerGate | undefined) {
  return (values: ContextValues): ContextValues => {
    values.set(transportCaller, caller);
    if (caller.kind === "device" && gate?.isPaired(caller.deviceId) === true) {
      values.set(authenticatedDevice, fromHex(caller.deviceId));
    }
    return values;
  };
}

/**
 * The refusal of a call from `caller` to `method` unless it is a paired
 * device (TLS listeners only), recorded with the gate; undefined when it
 * may go on. The listener asks before it reads the request, so no byte of
 * a stranger's request is parsed (PROTOCOL.md AU-3).
 */
export function gateRefusal(
  gate: CallerGate,
  caller: TransportCaller,
  method: string,
): ConnectError | undefined {
  if (caller.kind === "insecure-loopback") return undefined;
  if (caller.kind !== "device") {
    gate.refused({ reason: "unauthenticated", address: caller.address, method });
    return new ProtocolError(
      ErrorReason.UNAUTHENTICATED,
      caller.kind === "no-certificate"
        ? "no client certificate: a Tidemark peer accepts only paired devices over mutual TLS"
        : "the client certificate holds no ed25519 key, so it proves no device id",
      { code: Code.Unauthenticated },
    ).toConnectError();
  }
  if (gate.isPaired(caller.deviceId)) return undefined;
  gate.refused({
    reason: "not-paired",
    address: caller.address,
    deviceId: caller.deviceId,
    method,
  });
  return new ProtocolError(
    ErrorReason.NOT_PAIRED,
    `device ${caller.deviceId} is not paired with this device`,
    { code: Code.PermissionDenied },
  ).toConnectError();
}
