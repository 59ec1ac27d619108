// What the operator gave the runner beyond SyncService: a TestControl URL
// (`--control`, docs/TESTCONTROL.md) and a command template that starts the
// target (`--peer-cmd`), which lets cases restart it. A case declares what
// it needs; without it the case is SKIPPED with the reason, never passed.
// A mutual-TLS target serves TestControl to paired devices only (node-peer:
// `serve --test-control` without --insecure-loopback): the runner calls it
// over TLS, pinned to the target's device id, as each case's @me.
import { type Client, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { TestControlService } from "@tidemark/protocol/test-control";
import { pinTarget, type TargetOptions, tlsOptions, type WireProtocol } from "../transport.js";
import { TargetProcess, type TargetProcessSpec } from "./target-process.js";

export type ControlClient = Client<typeof TestControlService>;

/** A TestControl client on its own HTTP/2 session, closed by `close()`. */
export type OwnControl = { readonly client: ControlClient; close(): void };

export const NEEDS = ["control", "restart", "backup"] as const;
export type Need = (typeof NEEDS)[number];

export type TargetHarness = {
  readonly control?: ControlClient;
  /**
   * Mutual TLS: TestControl as the device of these credentials (a case's
   * @me, which the target paired), on a session of its own.
   */
  readonly controlAs?: (creds: { readonly cert: string; readonly key: string }) => OwnControl;
  readonly process?: TargetProcess;
  close(): Promise<void>;
};

export type HarnessOptions = {
  /** TestControl's base URL (node-peer: the --target URL with `serve --test-control`). */
  readonly controlUrl?: string;
  readonly controlProtocol?: WireProtocol;
  /**
   * For an https:// control URL: the runner's TLS settings (--cert/--key,
   * --ca, --server-device-id); its url is ignored.
   */
  readonly controlTls?: Omit<TargetOptions, "url" | "protocol">;
  /** Start (and restart) the target from this template. */
  readonly peer?: TargetProcessSpec;
};

/** Starts the target when a template is given, and connects TestControl. */
export async function openHarness(opts: HarnessOptions): Promise<TargetHarness> {
  const proc = opts.peer === undefined ? undefined : new TargetProcess(opts.peer);
  await proc?.start();
  const baseUrl = opts.controlUrl;
  const own: OwnControl[] = [];
  let controlAs: TargetHarness["controlAs"];
  let control: ControlClient | undefined;
  if (baseUrl !== undefined && new URL(baseUrl).protocol === "https:") {
    const pinned = await pinTarget({
      ...opts.controlTls,
      url: baseUrl,
      protocol: opts.controlProtocol ?? "connect",
    });
    // Each case's client is closed when the case ends; whatever is left, with the harness.
    const open = (target: TargetOptions): OwnControl => {
      const c = controlClient(baseUrl, opts.controlProtocol, tlsOptions(target));
      own.push(c);
      return {
        client: c.client,
        close: () => {
          const i = own.indexOf(c);
          if (i >= 0) own.splice(i, 1);
          c.close();
        },
      };
    };
    control = open(pinned).client;
    controlAs = (creds) => open({ ...pinned, credentials: creds });
  } else if (baseUrl !== undefined) control = controlClient(baseUrl, opts.controlProtocol).client;
  return {
    ...(control === undefined ? {} : { control }),
    ...(controlAs === undefined ? {} : { controlAs }),
    ...(proc === undefined ? {} : { process: proc }),
    close: async () => {
      for (const c of own.splice(0)) c.close();
      await proc?.stop("term");
      proc?.dropBackups();
    },
  };
}

function controlClient(
  baseUrl: string,
  protocol: WireProtocol | undefined,
  nodeOptions: ReturnType<typeof tlsOptions> | Record<string, never> = {},
): OwnControl {
  const sessionManager = new Http2SessionManager(baseUrl, undefined, nodeOptions);
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl, sessionManager })
      : createConnectTransport({ baseUrl, httpVersion: "2", sessionManager });
  return {
    client: createClient(TestControlService, transport),
    close: () => sessionManager.abort(),
  };
}

const HOW: Record<Need, string> = {
  control: "needs TestControl: give --control URL (docs/TESTCONTROL.md)",
  restart: "needs to restart the target: give --peer-cmd TEMPLATE (the runner starts it)",
  backup:
    "needs to back up and restore the target's data: give --peer-cmd TEMPLATE and --peer-dir DIR",
};

/** Why a case cannot run with this harness, or undefined when it can. */
export function unmetNeeds(
  needs: readonly Need[] | undefined,
  h: TargetHarness | undefined,
): string | undefined {
  const missing = (needs ?? []).filter((n) =>
    n === "control"
      ? h?.control === undefined
      : n === "restart"
        ? h?.process === undefined
        : h?.process?.spec.dir === undefined,
  );
  return missing.length === 0 ? undefined : `skipped: ${missing.map((n) => HOW[n]).join("; ")}`;
}
