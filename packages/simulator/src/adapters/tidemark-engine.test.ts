// The engine probe over a second, read-only connection (node-peer's
// TestControl reads that way): its watermark cache must notice writes made
// by the replica's own connection.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openReplica, type Ports } from "@tidemark/engine";
import { DbInspector, tagWrite, testIdentity } from "@tidemark/engine/testing";
import { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { probeOf } from "./tidemark-engine.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ports: Ports = {
  clock: { now: () => 1_700_000_000_000, monotonic: () => 0 },
  timers: { set: () => ({ id: 0 }), cancel: () => {} },
  random: { next: () => 0.5 },
  logger: { log: () => {} },
  transport: {
    client: () => {
      throw new Error("no network in this test");
    },
  },
};

describe("engine probe", () => {
  test("watermarks-cache-sees-other-connections-writes: a read-only 2nd connection's probe is not stale", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-probe-"));
    dirs.push(dir);
    const file = join(dir, "replica.db");
    const writer = new Database(file);
    writer.pragma("journal_mode = WAL");
    const replica = openReplica({
      db: writer,
      ...testIdentity("probe"),
      libraryId: "02".repeat(16),
      deviceName: "d0",
      ports,
    });
    replica.start();
    const reader = new Database(file, { readonly: true });
    try {
      const probe = probeOf(replica, new DbInspector(reader));
      const tags = async () =>
        (await probe.watermarks()).find((w) => w.stream.resource === Resource.TAG);
      expect(await tags()).toBeUndefined();
      replica.commit([tagWrite(new Uint8Array(16).fill(7), "first")]);
      expect((await tags())?.cursor).toBe(1n);
      replica.commit([tagWrite(new Uint8Array(16).fill(8), "second")]);
      expect((await tags())?.cursor).toBe(2n);
    } finally {
      reader.close();
      replica.close();
    }
  });
});
