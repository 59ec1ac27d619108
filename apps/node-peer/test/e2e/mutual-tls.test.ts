// Issue 13's must-show, with real `tidemark serve` processes on 127.0.0.1
// and real TLS: a client with no certificate, an unpaired certificate, a
// paired device of another library and a cleartext request to the TLS port
// are each refused — nothing read, nothing written (fingerprints unchanged)
// — and a paired device syncs as before. Also: a server that proves another
// device than the pinned one is refused by the client, and `init --join`.
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  ChangeSchema,
  EntryKind,
  EntrySchema,
  ErrorDetailSchema,
  ErrorReason,
  Resource,
  SyncService,
} from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { createDataDir, dataDirPaths } from "../../src/config/data-dir.js";
import type { DemoDevice } from "../../src/demo/device.js";
import { runCli, waitFor } from "../../src/demo/processes.js";
import { createIdentity, type DeviceIdentity } from "../../src/identity/device-identity.js";
import { fromHex, uuidv7 } from "../../src/ids.js";
import { TLS_SETTINGS } from "../../src/net/pinned-tls.js";
import type { StatusReport } from "../../src/status-report.js";
import { createSyncClient } from "../../src/transport.js";
import { Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

/** Every stream of a report as "key cursor live fingerprint": what "nothing written" compares. */
function fingerprints(r: StatusReport): string[] {
  return r.streams.map((s) => `${s.key} ${s.cursor} ${s.liveCount} ${s.fingerprint}`).sort();
}

/** A new device identity that nobody paired. */
async function stranger(dir: string): Promise<DeviceIdentity> {
  const paths = dataDirPaths(join(dir, `stranger-${Date.now()}`));
  createDataDir(paths);
  return createIdentity(paths);
}

function reasonOf(err: unknown): ErrorReason | undefined {
  return err instanceof ConnectError ? err.findDetails(ErrorDetailSchema)[0]?.reason : undefined;
}

/** What a call threw (it must throw). */
async function refusal(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call was answered; it must be refused");
}

/** Reads everything A holds (Backfill) and writes one row (PushChanges) as `deviceId`. */
function readAndWrite(
  client: ReturnType<typeof createSyncClient>,
  library: string,
  deviceId: Uint8Array,
  origin: string,
) {
  const libraryId = fromHex(library);
  return {
    read: async () => {
      let rows = 0;
      for await (const page of client.backfill({
        libraryId,
        deviceId,
        streams: [{ stream: { origin: fromHex(origin), resource: Resource.ENTRY } }],
      })) {
        rows += page.changes.length;
      }
      return rows;
    },
    write: () =>
      client.pushChanges({
        libraryId,
        deviceId,
        batches: [
          {
            stream: { origin: deviceId, resource: Resource.ENTRY },
            prevSeq: 0n,
            changes: [
              create(ChangeSchema, {
                rowId: uuidv7(),
                seq: 1n,
                body: {
                  case: "entry",
                  value: create(EntrySchema, {
                    locationId: uuidv7(),
                    name: "planted",
                    kind: EntryKind.FILE,
                  }),
                },
              }),
            ],
          },
        ],
      }),
  };
}

/** A paired pair A, B of one library, A's tree synced to B. */
async function pairedWithData(files = 60): Promise<{ a: DemoDevice; b: DemoDevice; c: Cluster }> {
  const c = new Cluster();
  cluster = c;
  const a = await c.add("A");
  const b = await c.add("B");
  await c.startMesh();
  await a.admin.index({ path: c.tree("a", files) });
  await c.converged(120_000);
  return { a, b, c };
}

const E2E_MS = 180_000;

describe("mutual TLS: only paired devices get in", () => {
  test(
    "no-certificate-unpaired-certificate-and-cleartext-are-refused-nothing-read-or-written",
    async () => {
      const { a, b, c } = await pairedWithData();
      const library = c.libraryId ?? "";
      const before = fingerprints(await a.admin.status({ probe: false }));
      const beforeB = fingerprints(await b.admin.status({ probe: false }));

      // (1) TLS without a client certificate.
      const anonymous = createClient(
        SyncService,
        createConnectTransport({
          baseUrl: a.url,
          httpVersion: "2",
          nodeOptions: { rejectUnauthorized: false, ...TLS_SETTINGS },
        }),
      );
      const noCert = readAndWrite(anonymous, library, fromHex(b.deviceId), a.deviceId);
      for (const call of [noCert.read, noCert.write]) {
        const err = await refusal(call);
        expect(err.code).toBe(Code.Unauthenticated);
        expect(reasonOf(err)).toBe(ErrorReason.UNAUTHENTICATED);
      }

      // (2) A certificate of a device A never paired, claiming to be itself or B.
      const s = await stranger(c.dir);
      const unpaired = createSyncClient(a.url, { credentials: s, expectDevice: a.deviceId });
      for (const claimed of [s.deviceId, b.deviceId]) {
        const calls = readAndWrite(unpaired, library, fromHex(claimed), a.deviceId);
        for (const call of [calls.read, calls.write]) {
          const err = await refusal(call);
          expect(err.code).toBe(Code.PermissionDenied);
          expect(reasonOf(err)).toBe(ErrorReason.NOT_PAIRED);
        }
      }

      // (4) Cleartext HTTP/2 (prior knowledge) and HTTP/1.1 to the TLS port.
      const cleartext = createClient(
        SyncService,
        createConnectTransport({ baseUrl: a.url.replace("https:", "http:"), httpVersion: "2" }),
      );
      const clear = readAndWrite(cleartext, library, fromHex(b.deviceId), a.deviceId);
      for (const call of [clear.read, clear.write]) {
        const e = await refusal(call);
        // The TLS listener resets a connection that does not start a handshake.
        expect([Code.Unavailable, Code.Aborted, Code.Canceled], e.message).toContain(e.code);
      }
      const http1 = await new Promise<string>((resolve) => {
        const sock = netConnect({ host: "127.0.0.1", port: a.port });
        let got = "";
        sock.on("data", (d) => {
          got += d.toString("latin1");
        });
        sock.on("close", () => resolve(got));
        sock.on("error", () => undefined);
        sock.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        setTimeout(() => sock.destroy(), 10_000).unref();
      });
      expect(http1).not.toContain("HTTP/1.1 200");

      // Nothing written on A, nothing relayed to B; A saw and counted each refusal.
      const after = await a.admin.status({ probe: false });
      expect(fingerprints(after)).toEqual(before);
      expect(fingerprints(await b.admin.status({ probe: false }))).toEqual(beforeB);
      const byReason = new Map(after.refused.map((r) => [r.deviceId ?? r.reason, r]));
      expect(byReason.get(s.deviceId)?.reason).toBe("not-paired");
      expect(byReason.get("unauthenticated")).toBeDefined();
      expect(byReason.get("tls-handshake")).toBeDefined();
      const metrics = await a.admin.metrics();
      expect(metrics).toMatch(
        /tidemark_listener_refused_calls_total\{[^}]*reason="not-paired"[^}]*\} [1-9]/,
      );
      // `status` names the unpaired device and the command that pairs it.
      const shown = await runCli(["--data", a.dataDir, "status"]);
      expect(shown.stdout).toContain(`REFUSED  not paired ${s.deviceId} (${s.shortForm})`);
      expect(shown.stdout).toContain(`peer add --device-id ${s.deviceId}   # lets it in`);
      expect(shown.stdout).toContain(`peer add https://127.0.0.1:PORT --device-id ${s.deviceId}`);

      // The paired device syncs as before.
      await a.admin.index({ path: c.tree("a2", 20) });
      await c.converged(120_000);
    },
    E2E_MS,
  );

  test(
    "a-paired-device-of-another-library-is-refused-and-own-commits-still-confirm",
    async () => {
      const { a, b, c } = await pairedWithData(40);
      const other = await c.add("X", "elsewhere");
      await other.start();
      // Both sides pair (pinned ids): the devices trust each other, the libraries differ.
      await a.admin.addPeer({ url: other.url, deviceId: other.deviceId, name: "X" });
      await other.admin.addPeer({ url: a.url, deviceId: a.deviceId, name: "A" });
      await other.admin.index({ path: c.tree("x", 20) });
      const before = fingerprints(await a.admin.status({ probe: false }));

      // X's own requests name its library: refused, nothing read.
      const xIdentity = await other.identity();
      const asX = createSyncClient(a.url, { credentials: xIdentity, expectDevice: a.deviceId });
      const x = readAndWrite(asX, other.libraryId, fromHex(other.deviceId), a.deviceId);
      for (const call of [x.read, x.write]) {
        const err = await refusal(call);
        expect(err.code).toBe(Code.PermissionDenied);
        expect(reasonOf(err)).toBe(ErrorReason.LIBRARY_MISMATCH);
      }

      // A new write on A still confirms (B holds it) although X never will.
      await a.admin.index({ path: c.tree("a3", 15) });
      // PROTOCOL.md AU-7: A must not wait for X (another library) to confirm its own writes.
      const reports = await c.converged(120_000, [a, b]).catch(async (err: unknown) => {
        const held = (await a.admin.status({ probe: false })).heldWrites;
        throw new Error(`${String(err)}; A's held writes: ${held.join(" | ") || "none"}`);
      });
      await waitFor(
        "A's own writes to be confirmed",
        async () =>
          (await a.admin.status({ probe: false })).heldWrites.length === 0 ? true : undefined,
        60_000,
      );
      // Nothing of X's library reached A or B.
      for (const r of reports)
        expect(r.streams.some((st) => st.origin === other.deviceId)).toBe(false);
      expect(fingerprints((await c.statuses([a]))[0] as StatusReport)).not.toEqual([]);
      expect(before.length).toBeGreaterThan(0);
    },
    E2E_MS,
  );

  test(
    "a-server-that-proves-another-device-than-the-pinned-one-is-refused",
    async () => {
      const { a, b, c } = await pairedWithData(10);
      const s = await stranger(c.dir);
      // B's identity, but expecting the stranger's id at A's URL: A's certificate proves A.
      const client = createSyncClient(a.url, {
        credentials: await b.identity(),
        expectDevice: s.deviceId,
      });
      const err = await refusal(() =>
        client.hello({
          libraryId: fromHex(c.libraryId ?? ""),
          deviceId: fromHex(b.deviceId),
          protocolVersion: 1,
        }),
      );
      expect(err.message).toContain(`is device ${a.deviceId}`);
      expect(err.message).toContain(`not the pinned ${s.deviceId}`);
      // `peer add` with the wrong id refuses and records nothing.
      const r = await runCli([
        "--data",
        b.dataDir,
        "peer",
        "add",
        a.url,
        "--device-id",
        s.shortForm,
        "--wait",
        "5",
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("not the pinned");
      expect((await b.admin.status({ probe: false })).peers.map((p) => p.deviceId)).toEqual([
        a.deviceId,
      ]);
    },
    E2E_MS,
  );

  test(
    "init-join-takes-the-library-once-the-other-device-pairs-it",
    async () => {
      const c = new Cluster();
      cluster = c;
      const a = await c.add("A");
      await a.start();
      const dir = mkdtempSync(join(tmpdir(), "tidemark-join-"));
      const joinDir = join(dir, "J");
      const joining = runCli(
        [
          "--data",
          joinDir,
          "init",
          "--name",
          "J",
          "--join",
          a.url,
          "--device-id",
          a.deviceId,
          "--wait",
          "60",
          "--advertise",
          "https://127.0.0.1:7499",
        ],
        90_000,
      );
      // A pairs the key `init --join` made (its id is in the data dir before config exists).
      const jId = await waitFor(
        "the joining key",
        async () => {
          const { readFileSync, existsSync } = await import("node:fs");
          const paths = dataDirPaths(joinDir);
          if (!existsSync(paths.certificate)) return undefined;
          const { X509Certificate } = await import("node:crypto");
          const { deviceIdOfCertificate } = await import("../../src/identity/certificate.js");
          return deviceIdOfCertificate(new X509Certificate(readFileSync(paths.certificate)).raw);
        },
        30_000,
      );
      await a.admin.addPeer({ url: "https://127.0.0.1:7499", deviceId: jId, name: "J" });
      const r = await joining;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`tidemark peer add https://127.0.0.1:7499 --device-id ${jId}`);
      expect(r.stderr).toContain("paired: joining library e2e");
      const info = await runCli(["--data", joinDir, "info", "--json"]);
      const parsed = JSON.parse(info.stdout) as {
        libraryId: string;
        deviceId: string;
        peers: number;
      };
      expect(parsed).toMatchObject({ libraryId: c.libraryId, deviceId: jId, peers: 1 });
      const { rmSync } = await import("node:fs");
      rmSync(dir, { recursive: true, force: true });
    },
    E2E_MS,
  );
});

describe("peer add --device-id without URL: paired for incoming calls only", () => {
  test(
    "pinned-ids-get-in-over-mutual-tls-are-never-dialled-and-strangers-stay-out",
    async () => {
      const c = new Cluster();
      cluster = c;
      const a = await c.add("A");
      const library = fromHex(c.libraryId ?? "");
      const [x, y, z, s] = await Promise.all(
        ["x", "y", "z", "s"].map((n) => stranger(join(c.dir, n))),
      );
      if (x === undefined || y === undefined || z === undefined || s === undefined)
        throw new Error("identities");
      // Before serve (offline, like a harness) and while serving (through the admin API).
      const offline = await runCli([
        "--data",
        a.dataDir,
        "peer",
        "add",
        "--device-id",
        x.deviceId,
        "--device-id",
        y.deviceId,
      ]);
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stdout).toContain("paired 2 device(s) for incoming calls only");
      await a.start();
      const idsFile = join(c.dir, "ids.txt");
      writeFileSync(idsFile, `# harness identities\n${z.deviceId}\n${x.deviceId}\n`);
      const live = await runCli([
        "--data",
        a.dataDir,
        "peer",
        "add",
        "--ids-file",
        idsFile,
        "--json",
      ]);
      expect(live.code, live.stderr).toBe(0);
      expect(JSON.parse(live.stdout)).toEqual({ added: [z.deviceId], known: [x.deviceId] });
      const list = await runCli(["--data", a.dataDir, "peer", "list", "--json"]);
      const peers = JSON.parse(list.stdout) as { deviceId: string; url: string }[];
      expect(peers.map((p) => [p.deviceId, p.url]).sort()).toEqual(
        [x, y, z].map((d) => [d.deviceId, ""]).sort(),
      );
      // No URL to dial: the status never shows a probe of them as reachable.
      const report = await a.admin.status({ probe: false });
      expect(report.peers.every((p) => !p.connected)).toBe(true);
      for (const who of [x, y, z]) {
        const client = createSyncClient(a.url, { credentials: who, expectDevice: a.deviceId });
        const hello = await client.hello({
          libraryId: library,
          deviceId: fromHex(who.deviceId),
          protocolVersion: 1,
        });
        expect(Buffer.from(hello.deviceId).toString("hex")).toBe(a.deviceId);
      }
      const unpaired = createSyncClient(a.url, { credentials: s, expectDevice: a.deviceId });
      const err = await refusal(() =>
        unpaired.hello({ libraryId: library, deviceId: fromHex(s.deviceId), protocolVersion: 1 }),
      );
      expect(reasonOf(err)).toBe(ErrorReason.NOT_PAIRED);
      // The URL form still wants exactly one id.
      const both = await runCli(["--data", a.dataDir, "peer", "add", a.url, "--ids-file", idsFile]);
      expect(both.code).not.toBe(0);
      expect(both.stderr).toContain("only without URL");
      const none = await runCli(["--data", a.dataDir, "peer", "add"]);
      expect(none.stderr).toContain("--ids-file");
      // A URL given later makes an incoming-only peer one this device dials too.
      const dial = await runCli([
        ...["--data", a.dataDir, "peer", "add", "https://127.0.0.1:1"],
        ...["--device-id", x.deviceId, "--wait", "1"],
      ]);
      expect(dial.code, dial.stderr).toBe(0);
      expect(dial.stdout).toContain(
        "(paired for incoming calls) is now dialled at https://127.0.0.1:1",
      );
    },
    E2E_MS,
  );
});
