// The runner's TLS options against node-peer's mutual-TLS serve (no
// --insecure-loopback): the handshake works with the runner's certificate,
// a --server-device-id the server's certificate does not prove is refused
// before any call, and an unpaired runner is refused by the target; a run
// with no identity pool, or too small a pool, is refused with the way out.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "../src/cases.js";
import { addIdentities, IdentityPool } from "../src/identities.js";
import { runConformance } from "../src/runner.js";
import { type RunningPeer, startNodePeer, tidemarkCommand } from "./node-peer.js";

const all = loadCases();
const cases = all.slice(0, 1);

describe("an mTLS node-peer target", () => {
  let peer: RunningPeer;
  let deviceId: string;
  beforeAll(async () => {
    peer = await startNodePeer({ serveFlags: [] });
    const id = spawnSync(process.execPath, [...tidemarkCommand(), "--data", peer.dir, "id"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    deviceId = /^[0-9a-f]{32}/.exec(id.stdout)?.[0] ?? "";
    expect(deviceId, id.stderr).toMatch(/^[0-9a-f]{32}$/);
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  // The target's own key pair stands in for a runner certificate it never paired.
  const target = (serverDeviceId: string) => ({
    url: peer.url,
    protocol: "connect" as const,
    certFile: join(peer.dir, "device-cert.pem"),
    keyFile: join(peer.dir, "device-key.pem"),
    serverDeviceId,
  });

  it("refuses a server whose certificate is not the pinned device, before any call", async () => {
    await expect(
      runConformance({ target: target("00".repeat(16)), library: peer.library, cases }),
    ).rejects.toThrow(`server certificate is device ${deviceId}, expected ${"00".repeat(16)}`);
  }, 60_000);

  it("completes the handshake with the pinned server and is refused as unpaired", async () => {
    await expect(
      runConformance({ target: target(deviceId), library: peer.library, cases }),
    ).rejects.toThrow(/did not answer Hello .*permission_denied/);
  }, 60_000);

  it("a paired runner without --identities is told how to make and pair them; a small pool is refused before any call", async () => {
    const dir = join(peer.dir, "pool");
    await addIdentities(dir, 1);
    const pair = spawnSync(
      process.execPath,
      [
        ...tidemarkCommand(),
        "--data",
        peer.dir,
        "peer",
        "add",
        "--ids-file",
        join(dir, "device-ids.txt"),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(pair.status, pair.stderr).toBe(0);
    const runner = {
      ...target(deviceId),
      certFile: join(dir, "0000-cert.pem"),
      keyFile: join(dir, "0000-key.pem"),
    };
    await expect(runConformance({ target: runner, library: peer.library, cases })).rejects.toThrow(
      /authenticates every caller.*tidemark-conformance identities --dir D.*--identities D/,
    );
    await expect(
      runConformance({
        target: runner,
        library: peer.library,
        cases: all,
        identities: new IdentityPool(dir),
      }),
    ).rejects.toThrow(/need \d+ unused identities, the pool has 1/);
  }, 60_000);
});
