// `serve --test-control` (with --insecure-loopback, as tidemark-chaos runs
// it: h2c through its fault proxy): off by default, refused off loopback, and when on
// it answers the simulator's probe over the wire — a Commit on one peer is
// read back in canonical form, and after SetPeers it syncs to another, which
// it then publishes as a ready peer.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Resource } from "@tidemark/protocol";
import { TestControlService } from "@tidemark/protocol/test-control";
import { canonicalRow, remoteProbe } from "@tidemark/simulator/probe";
import { afterAll, describe, expect, test } from "vitest";
import {
  killAllChildren,
  runCli,
  type ServeProcess,
  startServe,
  waitFor,
} from "../../src/demo/processes.js";
import { fromHex, toHex } from "../../src/ids.js";

const dir = mkdtempSync(join(tmpdir(), "tidemark-test-control-"));
const served: ServeProcess[] = [];
afterAll(async () => {
  for (const s of served) s.child.kill("SIGTERM");
  await Promise.all(served.map((s) => s.exited));
  killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

function control(port: number) {
  return createClient(
    TestControlService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "2" }),
  );
}

async function device(name: string, library?: string) {
  const data = join(dir, name);
  const r = await runCli([
    "--data",
    data,
    "init",
    "--library",
    "tc",
    "--name",
    name,
    "--json",
    ...(library === undefined ? [] : ["--library-id", library]),
  ]);
  expect(r.code, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout) as { deviceId: string; libraryId: string };
  return { data, ...info };
}

async function serve(data: string, extra: readonly string[]) {
  const s = await startServe({ dataDir: data, outFile: `${data}.out`, extra });
  served.push(s);
  return s.port;
}

describe("serve --test-control", () => {
  test("is refused on a non-loopback host", async () => {
    const a = await device("refused");
    const r = await runCli(["--data", a.data, "serve", "--host", "0.0.0.0", "--test-control"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--test-control is refused on --host 0.0.0.0");
  }, 120_000);

  test("--insecure-loopback is refused on a non-loopback host", async () => {
    const a = await device("cleartext");
    const r = await runCli(["--data", a.data, "serve", "--host", "0.0.0.0", "--insecure-loopback"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--insecure-loopback is refused on --host 0.0.0.0");
  }, 120_000);

  test("is off by default: TestControl is not served", async () => {
    const a = await device("plain");
    const port = await serve(a.data, ["--insecure-loopback"]);
    const err = await waitFor(
      "serve to answer",
      async () => {
        try {
          await control(port).info({});
          return "answered";
        } catch (e) {
          const c = ConnectError.from(e).code;
          return c === Code.Unavailable ? undefined : c;
        }
      },
      60_000,
    );
    expect(err).toBe(Code.Unimplemented);
  }, 120_000);

  test("answers the probe, and SetPeers makes a commit reach the other peer", async () => {
    const a = await device("a");
    const b = await device("b", a.libraryId);
    const [pa, pb] = [
      await serve(a.data, ["--test-control", "--insecure-loopback"]),
      await serve(b.data, ["--test-control", "--insecure-loopback"]),
    ];
    const [ca, cb] = [control(pa), control(pb)];
    const info = await waitFor("TestControl", () => ca.info({}), 60_000);
    expect(toHex(info.deviceId)).toBe(a.deviceId);
    expect(toHex(info.libraryId)).toBe(a.libraryId);
    await waitFor("TestControl of b", () => cb.info({}), 60_000);

    const probeA = remoteProbe(ca);
    const tag = "01a2f0000000700080000000000000aa";
    const committed = await probeA.commit([
      { resource: Resource.TAG, id: tag, fields: { name: "red things", color: "red" } },
    ]);
    expect(committed.kind).toBe("committed");
    const change = committed.kind === "committed" ? committed.batches[0]?.changes[0] : undefined;
    expect(change?.origin).toBe(a.deviceId);
    const rows = await probeA.rows(Resource.TAG);
    expect(rows.map(canonicalRow)).toEqual([canonicalRow(change as NonNullable<typeof change>)]);

    await ca.setPeers({
      peers: [{ deviceId: fromHex(b.deviceId), url: `http://127.0.0.1:${pb}` }],
    });
    await cb.setPeers({
      peers: [{ deviceId: fromHex(a.deviceId), url: `http://127.0.0.1:${pa}` }],
    });
    await ca.connect({ deviceId: fromHex(b.deviceId) });
    const probeB = remoteProbe(cb);
    const seen = await waitFor(
      "the tag on b",
      async () => {
        const r = await probeB.rows(Resource.TAG);
        return r.length > 0 ? r : undefined;
      },
      60_000,
    );
    expect(seen.map(canonicalRow)).toEqual(rows.map(canonicalRow));
    // Peers: what a shows its user of b, once synced (the peer-status properties read it).
    const shown = await waitFor(
      "a to show b ready",
      async () => {
        const p = (await probeA.peers?.())?.find((v) => v.peer === b.deviceId);
        return p?.state === "ready" ? p : undefined;
      },
      60_000,
    );
    expect(shown).toEqual({
      peer: b.deviceId,
      state: "ready",
      connected: true,
      consecutiveFailures: 0,
    });

    // Prune runs the engine's own policy on demand: once b acknowledged a's
    // delete, a prunes up to it, but keeps the delete itself: a shared
    // tombstone younger than the retention stays (PROTOCOL §13 TB-5).
    await probeA.commit([{ resource: Resource.TAG, id: tag, deleted: true }]);
    await waitFor(
      "the delete on b",
      async () => ((await probeB.rows(Resource.TAG)).length === 0 ? true : undefined),
      60_000,
    );
    const horizons = await waitFor(
      "a to prune the delete b acknowledged",
      async () => {
        await ca.connect({ deviceId: fromHex(b.deviceId) });
        const r = await ca.prune({});
        return r.horizons.length > 0 ? r.horizons : undefined;
      },
      60_000,
    );
    const tags = horizons.find(
      (h) => h.stream?.resource === Resource.TAG && toHex(h.stream.origin) === a.deviceId,
    );
    expect(tags?.tombstoneHorizon).toBeGreaterThan(0n);
    const mine = (await probeA.watermarks()).find(
      (w) => w.stream.resource === Resource.TAG && w.stream.origin === a.deviceId,
    );
    expect(mine?.tombstoneHorizon).toBe(tags?.tombstoneHorizon);
    expect(mine?.tombstoneHorizon).toBe((mine?.cursor ?? 0n) - 1n);
  }, 180_000);

  test("SetPeers refuses a URL that answers as another device", async () => {
    const a = await device("c");
    const b = await device("d", a.libraryId);
    const [pa, pb] = [
      await serve(a.data, ["--test-control", "--insecure-loopback"]),
      await serve(b.data, ["--test-control", "--insecure-loopback"]),
    ];
    const ca = control(pa);
    await waitFor("TestControl", () => ca.info({}), 60_000);
    await waitFor("TestControl of d", () => control(pb).info({}), 60_000);
    const wrongId = "01a2f0000000700080000000000000bb";
    const err = await ca
      .setPeers({ peers: [{ deviceId: fromHex(wrongId), url: `http://127.0.0.1:${pb}` }] })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(err?.code).toBe(Code.FailedPrecondition);
    expect(err?.rawMessage).toContain(`not ${wrongId}`);
  }, 180_000);
});
