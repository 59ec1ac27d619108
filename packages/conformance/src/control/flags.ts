// `run --control URL --peer-cmd TEMPLATE --peer-dir DIR`: the harness the
// CLI builds from its flags. The target's output under --peer-cmd goes to a
// temp log, removed after a passing run and kept (path printed) otherwise.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hexToBytes } from "../runner.js";
import type { WireProtocol } from "../transport.js";
import { openHarness, type TargetHarness } from "./harness.js";

export type HarnessFlags = {
  readonly target: string;
  readonly library: string;
  readonly control?: string;
  readonly controlProtocol: WireProtocol;
  readonly peerCmd?: string;
  readonly peerDir?: string;
  /** Mutual TLS (https:// --target / --control): the runner's TLS flags. */
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly serverDeviceId?: string;
};

/** The TLS settings the harness reaches an https:// target (and its TestControl) with. */
function tlsOf(f: HarnessFlags) {
  return {
    ...(f.cert === undefined ? {} : { certFile: resolve(f.cert) }),
    ...(f.key === undefined ? {} : { keyFile: resolve(f.key) }),
    ...(f.ca === undefined ? {} : { caFile: resolve(f.ca) }),
    ...(f.serverDeviceId === undefined ? {} : { serverDeviceId: f.serverDeviceId }),
  };
}

export type CliHarness = TargetHarness & { keepLog: boolean };

export async function harnessFromFlags(
  f: HarnessFlags,
  say: (s: string) => void,
): Promise<CliHarness> {
  const logDir =
    f.peerCmd === undefined ? undefined : mkdtempSync(join(tmpdir(), "tidemark-conformance-"));
  const logFile = logDir === undefined ? "" : join(logDir, "target.log");
  if (f.peerCmd !== undefined) say(`  starting the target: ${f.peerCmd} (output: ${logFile})`);
  let inner: TargetHarness;
  try {
    inner = await openHarness({
      ...(f.control === undefined ? {} : { controlUrl: f.control }),
      controlProtocol: f.controlProtocol,
      controlTls: tlsOf(f),
      ...(f.peerCmd === undefined
        ? {}
        : {
            peer: {
              template: f.peerCmd,
              url: f.target,
              ...(f.peerDir === undefined ? {} : { dir: resolve(f.peerDir) }),
              library: hexToBytes(f.library, "--library"),
              logFile,
              readyMs: 90_000,
              ...(new URL(f.target).protocol === "https:" ? { tls: tlsOf(f) } : {}),
            },
          }),
    });
  } catch (err) {
    say(`  the target's output is kept in ${logFile}`);
    throw err;
  }
  const h: CliHarness = {
    ...inner,
    keepLog: false,
    close: async () => {
      await inner.close();
      if (logDir === undefined) return;
      if (h.keepLog) say(`  the target's output is kept in ${logFile}`);
      else rmSync(logDir, { recursive: true, force: true });
    },
  };
  return h;
}
