// The devices a case plays and the connections they call over. Against an
// h2c target (claimed callers) a device is only a key and every call goes
// over the runner's shared clients; against a mutual-TLS target each device
// is an identity the target paired, and each caller kind connects with its
// own certificate (or none), on sessions closed when the case ends.
import { createPrivateKey } from "node:crypto";
import type { ChangeSigner } from "@tidemark/engine";
import type { Caller, Case } from "./cases.js";
import {
  type CaseIdentity,
  type IdentitySource,
  strangerIdentity,
  usesSecondDevice,
} from "./identities.js";
import { newDeviceKey } from "./signing.js";
import { ecdsaCredentials, ed25519Certificate } from "./tls/certificate.js";
import {
  openClients,
  type SyncClient,
  type TargetOptions,
  type WireProtocol,
} from "./transport.js";

export type CaseDevice = {
  readonly id: Uint8Array;
  readonly signer: ChangeSigner;
  /** Its certificate and key (PEM), for a mutual-TLS target. */
  readonly creds?: { readonly cert: string; readonly key: string };
};

/** How one caller reaches the target: its clients and its TLS settings. */
export type Connection = {
  readonly clients: Readonly<Record<WireProtocol, SyncClient>>;
  readonly target: TargetOptions;
};

export class CallerError extends Error {
  override readonly name = "CallerError";
}

const keyDevice = (): CaseDevice => {
  const k = newDeviceKey();
  return { id: k.id, signer: k.signer };
};

export class CaseCallers {
  private readonly open = new Map<Caller, Promise<Connection>>();
  /** The case's unpaired device, made when a step first calls as "stranger". */
  private stranger: Promise<CaseIdentity> | undefined;
  private readonly closers: (() => void)[] = [];

  private constructor(
    readonly me: CaseDevice,
    readonly me2: CaseDevice,
    private readonly target: TargetOptions,
    private readonly shared: Connection,
    private readonly authenticated: boolean,
  ) {}

  /** The case's devices: fresh keys (claimed), or identities from the pool (mutual TLS). */
  static async forCase(
    c: Case,
    target: TargetOptions,
    clients: Readonly<Record<WireProtocol, SyncClient>>,
    identities: IdentitySource | undefined,
  ): Promise<CaseCallers> {
    const shared = { clients, target };
    if (identities === undefined)
      return new CaseCallers(keyDevice(), keyDevice(), target, shared, false);
    const take = async (): Promise<CaseDevice> => {
      const who = await identities.take();
      return { id: who.id, signer: who.signer, creds: { cert: who.certPem, key: who.keyPem } };
    };
    const me = await take();
    const me2 = usesSecondDevice(c) ? await take() : keyDevice();
    return new CaseCallers(me, me2, target, shared, true);
  }

  connection(who: Caller): Promise<Connection> {
    if (!this.authenticated) {
      if (who === "me" || who === "me2") return Promise.resolve(this.shared);
      throw new CallerError(`caller "${who}" needs a mutual-TLS target`);
    }
    let conn = this.open.get(who);
    if (conn === undefined) {
      conn = this.connect(who);
      this.open.set(who, conn);
    }
    return conn;
  }

  /** The certificate and key `who` presents, or "none". */
  async credentials(who: Caller): Promise<{ cert: string; key: string } | "none"> {
    const device = who === "me2" ? this.me2 : this.me;
    switch (who) {
      case "me":
      case "me2":
        if (device.creds === undefined) throw new CallerError(`${who} has no certificate`);
        return device.creds;
      case "anonymous":
        return "none";
      case "stranger": {
        this.stranger ??= strangerIdentity();
        const s = await this.stranger;
        return { cert: s.certPem, key: s.keyPem };
      }
      case "me-odd-cert": {
        const key = this.me.creds?.key;
        if (key === undefined) throw new CallerError("me has no key");
        return { cert: await ed25519Certificate(createPrivateKey(key), "odd"), key };
      }
      case "not-ed25519":
        return ecdsaCredentials();
    }
  }

  private async connect(who: Caller): Promise<Connection> {
    const target = { ...this.target, credentials: await this.credentials(who) };
    const { clients, close } = openClients(target);
    this.closers.push(close);
    return { clients, target };
  }

  /**
   * The device id a request of `who` carries by default: its own (the
   * stranger's, once connected), else @me's.
   */
  async deviceIdOf(who: Caller): Promise<Uint8Array> {
    if (who === "me2") return this.me2.id;
    if (who === "stranger" && this.stranger !== undefined) return (await this.stranger).id;
    return this.me.id;
  }

  /** Closes the case's own sessions. */
  close(): void {
    for (const c of this.closers.splice(0)) c();
  }
}
