// What the operator gave the runner beyond SyncService: a TestControl URL
// (`--control`, docs/TESTCONTROL.md) and a command template that starts the
// target (`--peer-cmd`), which lets cases restart it. A case declares what
// it needs; without it the case is SKIPPED with the reason, never passed.
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { TestControlService } from "@tidemark/protocol/test-control";
import type { WireProtocol } from "../transport.js";
import { TargetProcess, type TargetProcessSpec } from "./target-process.js";

export type ControlClient = Client<typeof TestControlService>;

export const NEEDS = ["control", "restart", "backup"] as const;
export type Need = (typeof NEEDS)[number];

export type TargetHarness = {
  readonly control?: ControlClient;
  readonly process?: TargetProcess;
  close(): Promise<void>;
};

export type HarnessOptions = {
  /** TestControl's base URL (node-peer: the --target URL with `serve --test-control`). */
  readonly controlUrl?: string;
  readonly controlProtocol?: WireProtocol;
  /** Start (and restart) the target from this template. */
  readonly peer?: TargetProcessSpec;
};

/** Starts the target when a template is given, and connects TestControl. */
export async function openHarness(opts: HarnessOptions): Promise<TargetHarness> {
  const proc = opts.peer === undefined ? undefined : new TargetProcess(opts.peer);
  await proc?.start();
  const baseUrl = opts.controlUrl;
  const control =
    baseUrl === undefined
      ? undefined
      : createClient(
          TestControlService,
          opts.controlProtocol === "grpc"
            ? createGrpcTransport({ baseUrl })
            : createConnectTransport({ baseUrl, httpVersion: "2" }),
        );
  return {
    ...(control === undefined ? {} : { control }),
    ...(proc === undefined ? {} : { process: proc }),
    close: async () => {
      await proc?.stop("term");
      proc?.dropBackups();
    },
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
