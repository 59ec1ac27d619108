// Test harness for cases that need TestControl or a restart: a node-peer
// data dir initialised here, then started BY THE RUNNER from a command
// template (`serve --insecure-loopback --test-control`, the chaos runner's
// convention and parser), as an operator's --peer-cmd would; TestControl on
// the same port (docs/TESTCONTROL.md §1).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@tidemark/chaos";
import { fillTemplate, shellQuote } from "@tidemark/chaos/template";
import { openHarness, type TargetHarness } from "../src/control/harness.js";
import { tidemarkCommand } from "./node-peer.js";

export type HarnessedPeer = {
  readonly url: string;
  readonly library: string;
  /** Its data dir (for `tidemark --data DIR peer add`). */
  readonly dir: string;
  readonly template: string;
  readonly harness: TargetHarness;
  stop(): Promise<void>;
};

/** Small buffer bounds (Info reports them), so the PC-2 and RF-2 cases fill a buffer with a few rows. */
const BUFFER_FLAGS = "--pending-buffer-max 16 --dependency-buffer-max 16";

export type HarnessOptions = {
  /**
   * `--exchange-interval-ms` (Info reports it): EW-8 needs it short and is
   * skipped past 10 s. Unset, the default 60 s: the known-bad client
   * scenarios assume no periodic exchange cuts in mid-scenario.
   */
  readonly exchangeIntervalMs?: number;
};

/** `node <tidemark or a known-bad variant>`, quoted for a template. */
export function runnerFor(variant?: string): string {
  return [process.execPath, ...tidemarkCommand(variant)].map(shellQuote).join(" ");
}

/** A fresh initialised node-peer data dir (under `root`) and the template that serves it. */
export function initNodePeer(
  variant?: string,
  opts: HarnessOptions = {},
): {
  root: string;
  data: string;
  library: string;
  template: string;
} {
  const root = mkdtempSync(join(tmpdir(), "tidemark-conformance-control-"));
  const library = randomBytes(16).toString("hex");
  const runner = runnerFor(variant);
  const initCmd = `${runner} --data {dir} init --library conformance --library-id {library} --name target`;
  const interval =
    opts.exchangeIntervalMs === undefined
      ? ""
      : ` --exchange-interval-ms ${opts.exchangeIntervalMs}`;
  const template = `${runner} --data {dir} --log-level warn serve --port {port} --insecure-loopback --test-control ${BUFFER_FLAGS}${interval}`;
  const data = join(root, "data");
  const r = spawnSync("sh", ["-c", fillTemplate(initCmd, { dir: data, library })], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`tidemark init failed (${r.status}): ${r.stderr}`);
  }
  return { root, data, library, template };
}

/** Starts of a template peer whose port another socket took first, before giving up. */
const PORT_ATTEMPTS = 3;

export async function startHarnessedPeer(
  variant?: string,
  opts: HarnessOptions = {},
): Promise<HarnessedPeer> {
  const { root, data, library, template } = initNodePeer(variant, opts);
  let url = "";
  let harness: TargetHarness | undefined;
  // The template needs its port ahead ({port}); it may be taken before serve binds it.
  for (let attempt = 1; harness === undefined; attempt++) {
    url = `http://127.0.0.1:${await freePort()}`;
    try {
      harness = await openHarness({
        controlUrl: url,
        peer: {
          template,
          url,
          dir: data,
          library: new Uint8Array(Buffer.from(library, "hex")),
          logFile: join(root, "target.log"),
          readyMs: 90_000,
        },
      });
    } catch (err) {
      if (attempt < PORT_ATTEMPTS && /EADDRINUSE|in use/.test(String(err))) continue;
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    url,
    library,
    dir: data,
    template,
    harness,
    stop: async () => {
      await harness.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
