// Cost of change signatures (PROTOCOL.md §16): replica commit() rows/s
// signed and unsigned, and apply() rows/s three ways — off (injected here
// through ReplicaParts: a signer that signs nothing, a verifier that checks
// nothing), relayed (sent by a device that is not the origin: every
// signature verified, SG-4) and direct from the origin (authenticated
// sender = origin: shape checks only, SG-8) — interleaved in one run on the
// same file system and rows.
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

/** Milliseconds: the origin's commits, then one receiver's apply per way received. */
type Sample = { commit: number; apply: Partial<Record<ApplyWay, number>> };
type ApplyWay = "off" | "relayed" | "direct";

const relayDevice = testIdentity("bench-relay");

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
  const upstream = [1, 2, 3].map(pull);
  const entries = pull(4);
  const ways: readonly ApplyWay[] = signed ? ["relayed", "direct"] : ["off"];
  const apply: Sample["apply"] = {};
  for (const way of ways) {
    // Who the transport authenticated at the other end: the origin itself, or a relay.
    const sentBy = way === "direct" ? origin.deviceId : relayDevice.deviceId;
    const receiver = openReplica({
      db: new Database(join(dir, `receiver-${tag}-${way}.db`)),
      ...testIdentity("bench-receiver"),
      libraryId: library,
      deviceName: "receiver",
      ports,
      ...parts,
    });
    const applyAll = (p: ReturnType<typeof pull>) => {
      receiver.store.beginPull(p.stream);
      for (const page of p.pages) {
        const r = receiver.store.apply(p.stream, page.changes, {
          mode: "page",
          originKey: page.key,
          sentBy,
        });
        if (r.kind !== "applied")
          throw new Error(`apply failed: ${r.kind === "rejected" ? r.error.message : r.kind}`);
      }
      receiver.store.finishPull(p.stream, p.through);
    };
    for (const p of upstream) applyAll(p);
    const t1 = performance.now();
    applyAll(entries);
    apply[way] = performance.now() - t1;
    const x = a.store.streamState(entries.stream);
    const y = receiver.store.streamState(entries.stream);
    if (x === undefined || y === undefined || idToHex(x.fingerprint) !== idToHex(y.fingerprint))
      throw new Error("receiver fingerprint differs from origin after apply");
    receiver.close();
  }
  a.close();
  return { commit, apply };
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
        const applies = Object.entries(s.apply).map(([w, ms]) => `apply ${w} ${ms.toFixed(0)} ms`);
        ctx.log(
          `  rep ${rep + 1} signatures ${signed ? "on " : "off"}: commit ${s.commit.toFixed(0)} ms, ${applies.join(", ")}`,
        );
      }
    }
    const rate = (ms: number) => Math.round(n / (ms / 1000));
    const best = (ms: (number | undefined)[]) =>
      rate(Math.min(...ms.filter((x): x is number => x !== undefined)));
    const commitSigned = best(on.map((s) => s.commit));
    const commitUnsigned = best(off.map((s) => s.commit));
    const applyOff = best(off.map((s) => s.apply.off));
    const applyRelayed = best(on.map((s) => s.apply.relayed));
    const applyDirect = best(on.map((s) => s.apply.direct));
    const ratio = (x: number, y: number) => +(x / y).toFixed(3);
    const result = {
      rows: n,
      repetitions: REPS,
      commit: {
        signedRowsPerSec: commitSigned,
        unsignedRowsPerSec: commitUnsigned,
        ratio: ratio(commitSigned, commitUnsigned),
      },
      apply: {
        offRowsPerSec: applyOff,
        relayedRowsPerSec: applyRelayed,
        directRowsPerSec: applyDirect,
        relayedRatio: ratio(applyRelayed, applyOff),
        directRatio: ratio(applyDirect, applyOff),
      },
    };
    ctx.log(
      `commit: ${commitSigned} rows/s signed vs ${commitUnsigned} unsigned (ratio ${result.commit.ratio})`,
    );
    ctx.log(
      `apply: ${applyOff} rows/s off, ${applyRelayed} relayed (verified, ratio ${result.apply.relayedRatio}), ` +
        `${applyDirect} direct from the origin (ratio ${result.apply.directRatio})`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
