// This device's identity on disk: its ed25519 key pair (private key 0600)
// and self-signed certificate in the data dir (0700). The device id is
// derived from the key, so a data dir whose id is not (made before
// identities) is refused with the way out rather than served half-trusted.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { deviceIdShortForm } from "@tidemark/protocol";
import { selfSignedCertificate } from "@tidemark/protocol/certificate";
import type { DataDirPaths } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { fromHex } from "../ids.js";
import { deviceIdOfCertificate, deviceIdOfKey } from "./certificate.js";

export type DeviceIdentity = {
  /** Hex device id: SHA-256 of the key's SubjectPublicKeyInfo, first 16 bytes. */
  readonly deviceId: string;
  /** The human short form (PROTOCOL.md "Transport and identity"). */
  readonly shortForm: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PEM of the private key and certificate, as TLS takes them. */
  readonly keyPem: string;
  readonly certPem: string;
};

/** The short form of a hex device id. */
export function shortFormOf(deviceIdHex: string): string {
  return deviceIdShortForm(fromHex(deviceIdHex, "device id"));
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

async function identityOf(paths: DataDirPaths, privateKey: KeyObject): Promise<DeviceIdentity> {
  const publicKey = createPublicKey(privateKey);
  const deviceId = deviceIdOfKey(publicKey);
  let certPem = existsSync(paths.certificate) ? readFileSync(paths.certificate, "utf8") : "";
  const certId =
    certPem === "" ? undefined : deviceIdOfCertificate(new X509Certificate(certPem).raw);
  if (certId !== deviceId) {
    // Missing, or not of this key: the certificate is derived data, remade freely.
    certPem = await selfSignedCertificate(privateKey);
    writeAtomic(paths.certificate, certPem, 0o644);
  }
  return {
    deviceId,
    shortForm: shortFormOf(deviceId),
    privateKey,
    publicKey,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certPem,
  };
}

/** Makes the key pair (private key 0600) and certificate of a new device. */
export async function createIdentity(paths: DataDirPaths): Promise<DeviceIdentity> {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  writeAtomic(
    paths.privateKey,
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    0o600,
  );
  writeAtomic(paths.publicKey, publicKey.export({ type: "spki", format: "pem" }).toString(), 0o644);
  return identityOf(paths, privateKey);
}

const NEW_DEVICE_HINT =
  "make a new device in another data dir: `tidemark --data NEW_DIR init --join URL --device-id ID` (URL and ID of a device of this library), pair it there, and the library syncs back to it";

/**
 * Loads the identity of an initialised device and checks `deviceId` (from
 * config.json) is the one its key proves. Refuses a private key others can
 * read, as ssh does.
 */
export async function loadIdentity(paths: DataDirPaths, deviceId: string): Promise<DeviceIdentity> {
  if (!existsSync(paths.privateKey)) {
    throw new CliError(
      CliErrorCode.NotInitialised,
      `${paths.root} has no device key (${paths.privateKey}): it was made by a Tidemark without device identities`,
      NEW_DEVICE_HINT,
    );
  }
  if (process.platform !== "win32" && (statSync(paths.privateKey).mode & 0o077) !== 0) {
    throw new CliError(
      CliErrorCode.NotInitialised,
      `${paths.privateKey} can be read by other users of this machine`,
      `chmod 600 ${paths.privateKey}`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(paths.privateKey, "utf8"));
  } catch (cause) {
    throw new CliError(
      CliErrorCode.NotInitialised,
      `cannot read the device key ${paths.privateKey}`,
      undefined,
      { cause },
    );
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new CliError(CliErrorCode.NotInitialised, `${paths.privateKey} is not an ed25519 key`);
  }
  const identity = await identityOf(paths, privateKey);
  if (identity.deviceId !== deviceId) {
    throw new CliError(
      CliErrorCode.NotInitialised,
      `device id ${deviceId} in ${paths.config} is not derived from its key (which proves ${identity.deviceId}): the data dir predates device identities`,
      NEW_DEVICE_HINT,
    );
  }
  return identity;
}
