// Cost of change signatures (PROTOCOL.md §16): replica commit() and apply()
// rows/s with signing and verification on, and off (injected here through
// ReplicaParts: a signer part that signs nothing, a verifier that checks
// nothing), interleaved in one run on the same files system and rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Change } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { originKeyFor } from "../src/identity/verify.js";
import type { Ports } from "../src/ports.js";
import { openReplica } from "../src/replica.js";
import type { ReplicaParts } from "../src/replica-api.js";
import { idToHex, newRowId } from "../src/store/index.js";
import type { StreamKey } from "../src/store/store-api.js";
import { locationWrite, volumeWrite } from "../src/store/testing.js";
import { testIdentity } from "../src/testing/identity.js";
import { prng } from "./prng.js";
import type { BenchContext } from "./run.js";
import { tree } from "./store.bench.js";

const FULL_ROWS = 100_000;
const COMMIT_BATCH = 10_000;
const PAGE = 1_000;
const REPS = 2;

/** Signatures off: own commits unsigned, received changes unchecked (keys still kept). */
const UNSIGNED: ReplicaParts = {
  signer: () => undefined,
  verify: (input) => (input.changes.length === 0 ? undefined : originKeyFor(input)),
};

const ports: Ports = {
  clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  timers: { set: () => ({ id: 0 }), cancel: () => {} },
  random: { next: () => 0.5 },
  logger: { log: () => {} },
  transport: {
    client: () => {
      throw new Error("no network in the bench");
    },
  },
};

type Sample = { commit: number; apply: number };

function repetition(dir: string, rep: number, signed: boolean, n: number): Sample {
  const tag = `${rep}-${signed ? "on" : "off"}`;
  // A library of its own per run: signed bytes never repeat, so the
  // process-wide cache of verified signatures (verify.ts) never hits.
  const random = prng(7 + rep * 2 + (signed ? 1 : 0));
  const library = idToHex(newRowId(1_700_000_000_000, random));
  const origin = testIdentity("bench-origin");
  const parts = signed ? {} : { parts: UNSIGNED };
  const a = openReplica({
    db: new Database(join(dir, `origin-${tag}.db`)),
    ...origin,
    libraryId: library,
    deviceName: "origin",
    ports,
    ...parts,
  });
  a.start();
  const volume = newRowId(1_700_000_000_001, random);
  const location = newRowId(1_700_000_000_002, random);
  a.commit([volumeWrite(volume), locationWrite(location, volume)]);
  const writes = tree(n, location, random);
  const t0 = performance.now();
  for (let i = 0; i < writes.length; i += COMMIT_BATCH) a.commit(writes.slice(i, i + COMMIT_BATCH));
  const commit = performance.now() - t0;

  const receiver = openReplica({
    db: new Database(join(dir, `receiver-${tag}.db`)),
    ...testIdentity("bench-receiver"),
    libraryId: library,
    deviceName: "receiver",
    ports,
    ...parts,
  });
  const pull = (resource: number) => {
    const stream: StreamKey = { origin: origin.deviceId, resource };
    const pages: { changes: Change[]; key: Uint8Array }[] = [];
    let after: bigint | undefined;
    for (;;) {
      const p = a.store.changesAfter(stream, after, { maxChanges: PAGE, maxBytes: 1 << 24 });
      pages.push({
        changes: p.changes,
        key: a.store.originKey(origin.deviceId) ?? new Uint8Array(),
      });
      after = p.completeThrough;
      if (p.streamDone) break;
    }
    return { stream, pages, through: after ?? 0n };
  };
  const apply = (p: ReturnType<typeof pull>) => {
    receiver.store.beginPull(p.stream);
    for (const page of p.pages) {
      const r = receiver.store.apply(p.stream, page.changes, { mode: "page", originKey: page.key });
      if (r.kind !== "applied")
        throw new Error(`apply failed: ${r.kind === "rejected" ? r.error.message : r.kind}`);
    }
    receiver.store.finishPull(p.stream, p.through);
  };
  for (const r of [1, 2, 3]) apply(pull(r));
  const entries = pull(4);
  const t1 = performance.now();
  apply(entries);
  const applyMs = performance.now() - t1;
  const x = a.store.streamState(entries.stream);
  const y = receiver.store.streamState(entries.stream);
  if (x === undefined || y === undefined || idToHex(x.fingerprint) !== idToHex(y.fingerprint))
    throw new Error("receiver fingerprint differs from origin after apply");
  a.close();
  receiver.close();
  return { commit, apply: applyMs };
}

export async function run(ctx: BenchContext) {
  const n = Number(process.env.SIGNATURE_BENCH_ROWS ?? (ctx.quick ? FULL_ROWS / 10 : FULL_ROWS));
  const dir = mkdtempSync(join(tmpdir(), "tidemark-signature-bench-"));
  try {
    ctx.log(
      `rows: ${n} entries through openReplica (commit batches of ${COMMIT_BATCH}, apply pages of ${PAGE}); ` +
        `signatures on and off interleaved, ${REPS} repetitions each, best of each`,
    );
    const on: Sample[] = [];
    const off: Sample[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (const signed of [true, false]) {
        const s = repetition(dir, rep, signed, n);
        (signed ? on : off).push(s);
        ctx.log(
          `  rep ${rep + 1} signatures ${signed ? "on " : "off"}: commit ${s.commit.toFixed(0)} ms, apply ${s.apply.toFixed(0)} ms`,
        );
      }
    }
    const best = (xs: Sample[], k: keyof Sample) => Math.min(...xs.map((s) => s[k]));
    const rate = (ms: number) => Math.round(n / (ms / 1000));
    const phase = (k: keyof Sample) => {
      const withSig = rate(best(on, k));
      const without = rate(best(off, k));
      return {
        signedRowsPerSec: withSig,
        unsignedRowsPerSec: without,
        ratio: +(withSig / without).toFixed(3),
      };
    };
    const result = { rows: n, repetitions: REPS, commit: phase("commit"), apply: phase("apply") };
    for (const k of ["commit", "apply"] as const) {
      ctx.log(
        `${k}: ${result[k].signedRowsPerSec} rows/s signed vs ${result[k].unsignedRowsPerSec} unsigned (ratio ${result[k].ratio})`,
      );
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
