// Interop with a client nobody here wrote: `buf curl` (from @bufbuild/buf)
// calls a live `serve` with the Connect protocol over HTTP/2 and JSON, over
// mutual TLS as a paired device (its --cert/--key), the server pinned by
// its own certificate (--cacert, name "tidemark"), as README shows.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { dataDirPaths } from "../../src/config/data-dir.js";
import { Cluster } from "./cluster.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const require = createRequire(join(repoRoot, "package.json"));
const buf = join(dirname(require.resolve("@bufbuild/buf/package.json")), "bin", "buf");

function b64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/** A paired device's key and certificate, and the server's certificate to pin. */
type Tls = { readonly cert: string; readonly key: string; readonly serverCert: string };

function bufCurl(
  url: string,
  method: string,
  body: unknown,
  tls?: Tls,
): { code: number; json: unknown; stderr: string; stdout: string } {
  const r = spawnSync(
    buf,
    [
      "curl",
      ...(tls === undefined
        ? ["--insecure"]
        : [
            "--cert",
            tls.cert,
            "--key",
            tls.key,
            "--cacert",
            tls.serverCert,
            "--servername",
            "tidemark",
          ]),
      "--protocol",
      "connect",
      "--schema",
      join(repoRoot, "proto"),
      "--data",
      JSON.stringify(body),
      `${url}/tidemark.sync.v1.SyncService/${method}`,
    ],
    { encoding: "utf8", timeout: 60_000, cwd: repoRoot },
  );
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? 1, json, stderr: r.stderr, stdout: r.stdout };
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

describe("buf curl against a live serve", () => {
  test("Hello and ExchangeWatermarks answer the documented JSON over mutual TLS", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const tree = cluster.tree("a", 50);
    await cluster.startMesh();
    await a.admin.index({ path: tree });
    const library = cluster.libraryId ?? "";
    // buf curl speaks as B: B's key and certificate, A's certificate pinned.
    const caller = b.deviceId;
    const tls: Tls = {
      cert: dataDirPaths(b.dataDir).certificate,
      key: dataDirPaths(b.dataDir).privateKey,
      serverCert: dataDirPaths(a.dataDir).certificate,
    };

    const anonymous = bufCurl(a.url, "Hello", { libraryId: b64(library), deviceId: b64(caller) });
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toContain("unauthenticated");

    const hello = bufCurl(
      a.url,
      "Hello",
      {
        libraryId: b64(library),
        deviceId: b64(caller),
        protocolVersion: 1,
        deviceName: "buf-curl",
      },
      tls,
    );
    expect(hello.stderr).toBe("");
    expect(hello.code).toBe(0);
    expect(hello.json).toMatchObject({
      libraryId: b64(library),
      deviceId: b64(a.deviceId),
      protocolVersion: 1,
      deviceName: "A",
    });

    const ex = bufCurl(
      a.url,
      "ExchangeWatermarks",
      { libraryId: b64(library), deviceId: b64(caller), watermarks: [] },
      tls,
    );
    expect(ex.code).toBe(0);
    const answer = ex.json as {
      deviceId: string;
      watermarks: {
        stream: { origin: string; resource: string };
        cursor?: string;
        liveCount?: string;
      }[];
    };
    expect(answer.deviceId).toBe(b64(a.deviceId));
    const entry = answer.watermarks.find((w) => w.stream.resource === "RESOURCE_ENTRY");
    expect(entry?.stream.origin).toBe(b64(a.deviceId));
    // 50 files + their directories + the root; uint64 is a JSON string.
    expect(Number(entry?.liveCount)).toBeGreaterThan(50);
    expect(typeof entry?.cursor).toBe("string");
  }, 90_000);
});
