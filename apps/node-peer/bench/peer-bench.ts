// Peer bench (issue 18): real `tidemark serve` processes on 127.0.0.1
// (peer-procs.ts), measured from outside through TestControl:
//  - change→visible latency: A commits one tag, the bench polls B's
//    watermarks until B's cursor of A's tag stream covers it; single
//    commits spaced apart, then a burst of BURST one-change commits as fast
//    as A takes them (latency per change, push batches and wire bytes per
//    change);
//  - full backfill: a fresh device joins a library of N rows and pulls it
//    from one peer (seconds, rows/s; the growth ratio between sizes);
//  - exchange bytes as the device count grows: k devices in a mesh, every
//    pair reconnects once (Hello + ExchangeWatermarks), wire bytes per
//    exchange.
// Every section reports the load average when it ran. A script, never a
// timed test.
import { mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Resource } from "@tidemark/protocol";
import { fromHex, toHex, uuidv7 } from "../src/ids.js";
import { CLK_TCK, procStatus } from "./backfill-load.js";
import { type BenchPeer, initDevice, mesh, peerTraffic, startPeer } from "./peer-procs.js";

export type PeerBenchOptions = {
  readonly work: string;
  /** Library sizes for the backfill (rows). */
  readonly backfillRows: readonly number[];
  readonly singles: number;
  readonly burst: number;
  /** Changes per commit in the burst (1: every change its own commit). */
  readonly burstPerCommit: number;
  /** Burst commit calls in flight at once (1: each waits for the previous). */
  readonly burstInFlight: number;
  /** Device counts for the exchange-bytes section. */
  readonly devices: readonly number[];
  readonly log: (line: string) => void;
};

export type Latency = {
  readonly changes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Median time of one poll of B (the resolution of the figures). */
  readonly pollMs: number;
};

export type Burst = Latency & {
  readonly perCommit: number;
  readonly inFlight: number;
  readonly commitSeconds: number;
  readonly pushBatches: number;
  readonly changesPerPushBatch: number;
  readonly wireBytes: number;
  readonly wireBytesPerChange: number;
};

export type BackfillRow = {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerS: number;
  /** CPU seconds (user + system) of the serving peer and of the joiner during the backfill. */
  readonly servingCpuS: number;
  readonly joinerCpuS: number;
};
export type DeviceRow = {
  readonly devices: number;
  readonly streams: number;
  readonly exchanges: number;
  readonly wireBytesPerExchange: number;
};

export type PeerBenchReport = {
  readonly single: Latency & { readonly loadAvg: number };
  readonly burst: Burst & { readonly loadAvg: number };
  readonly backfill: (BackfillRow & { readonly loadAvg: number })[];
  readonly growth: Record<string, number>;
  readonly devices: (DeviceRow & { readonly loadAvg: number })[];
  readonly goals: Record<
    string,
    { readonly goal: string; readonly measured: number; readonly met: boolean }
  >;
};

const load1 = () => Math.round((loadavg()[0] ?? 0) * 100) / 100;

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const v = s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  return Math.round(v * 10) / 10;
}

const tagWrite = (name: string) => ({
  resource: Resource.TAG,
  id: uuidv7(),
  fields: { name, color: "blue" },
});

/** The cursor `p` holds of `origin`'s stream of `resource`. */
async function cursorOf(p: BenchPeer, origin: string, resource: Resource): Promise<bigint> {
  const { watermarks } = await p.control.watermarks({});
  const w = watermarks.find(
    (x) =>
      x.stream !== undefined && x.stream.resource === resource && toHex(x.stream.origin) === origin,
  );
  return w?.cursor ?? 0n;
}

/** Commits `writes` on `p`; the seq of the last change of its tag stream. */
async function commitTags(p: BenchPeer, writes: ReturnType<typeof tagWrite>[]): Promise<bigint> {
  const res = await p.control.commit({ writes });
  if (res.result.case !== "committed") throw new Error(`commit refused: ${res.result.value}`);
  let last = 0n;
  for (const b of res.result.value.batches)
    if (b.stream?.resource === Resource.TAG) last = b.changes.at(-1)?.seq ?? last;
  return last;
}

async function waitCursor(
  p: BenchPeer,
  origin: string,
  seq: bigint,
  timeoutMs: number,
  polls?: number[],
) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const t = performance.now();
    const c = await cursorOf(p, origin, Resource.TAG);
    polls?.push(performance.now() - t);
    if (c >= seq) return;
    if (performance.now() > deadline)
      throw new Error(`${p.name} never reached seq ${seq} (at ${c})`);
  }
}

async function singles(a: BenchPeer, b: BenchPeer, n: number): Promise<Latency> {
  const lat: number[] = [];
  const polls: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const seq = await commitTags(a, [tagWrite(`single-${i}`)]);
    await waitCursor(b, a.deviceId, seq, 30_000, polls);
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    changes: n,
    p50Ms: pct(lat, 50),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
    pollMs: pct(polls, 50),
  };
}

/**
 * The first poll time at which B's cursor covered each seq (offset from
 * `base`, 1-based), from the polls' (time, cursor) in order.
 */
function visibleTimes(polls: readonly { t: number; c: number }[], n: number): number[] {
  const out: number[] = [];
  let seq = 1;
  for (const p of polls) for (; seq <= Math.min(p.c, n); seq++) out.push(p.t);
  return out;
}

/**
 * A burst of `n` changes, `perCommit` per commit, `inFlight` commit calls
 * at once. Each change's latency runs from the start of the commit call
 * that made it (known by the seq the call returns) to the first poll of B
 * that covers it, so pipelined calls are timed exactly.
 */
async function burst(
  a: BenchPeer,
  b: BenchPeer,
  n: number,
  perCommit: number,
  inFlight: number,
): Promise<Burst> {
  const base = await cursorOf(a, a.deviceId, Resource.TAG);
  const startedAt = new Array<number>(n);
  const polls: { t: number; c: number }[] = [];
  const pollMs: number[] = [];
  const batches0 = await a.metric("tidemark_push_batches_total");
  const wire0 = await peerTraffic([a, b]);
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next;
      const k = Math.min(perCommit, n - i);
      next += k;
      const t = performance.now();
      const writes = Array.from({ length: k }, (_, j) => tagWrite(`burst-${i + j}`));
      const last = Number((await commitTags(a, writes)) - base);
      if (last < k || last > n) throw new Error(`burst: seq ${last} out of 1..${n}`);
      for (let j = last - k; j < last; j++) startedAt[j] = t;
    }
  };
  const commitDone = Promise.all(Array.from({ length: inFlight }, worker)).then(
    () => performance.now() - t0,
  );
  const deadline = performance.now() + 300_000;
  for (let seen = 0; seen < n; ) {
    const t = performance.now();
    seen = Number((await cursorOf(b, a.deviceId, Resource.TAG)) - base);
    const now = performance.now();
    pollMs.push(now - t);
    polls.push({ t: now, c: seen });
    if (now > deadline) throw new Error(`burst: B saw ${seen} of ${n} changes`);
  }
  const commitMs = await commitDone;
  const lat = visibleTimes(polls, n).map((t, i) => t - (startedAt[i] as number));
  const batches = (await a.metric("tidemark_push_batches_total")) - batches0;
  const wire = (await peerTraffic([a, b])) - wire0;
  return {
    changes: n,
    p50Ms: pct(lat, 50),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
    pollMs: pct(pollMs, 50),
    perCommit,
    inFlight,
    commitSeconds: Math.round(commitMs / 100) / 10,
    pushBatches: batches,
    changesPerPushBatch: Math.round((n / Math.max(1, batches)) * 10) / 10,
    wireBytes: Math.round(wire),
    wireBytesPerChange: Math.round(wire / n),
  };
}

/** Fills `a`'s tag stream up to `rows` rows, in commits of 5,000. */
async function fill(a: BenchPeer, rows: number, log: (l: string) => void): Promise<void> {
  let have = Number(await cursorOf(a, a.deviceId, Resource.TAG));
  const t0 = performance.now();
  while (have < rows) {
    const n = Math.min(5_000, rows - have);
    await commitTags(
      a,
      Array.from({ length: n }, (_, i) => tagWrite(`row-${have + i}`)),
    );
    have += n;
    if (have % 100_000 === 0)
      log(`peer bench: filled ${have} rows (${Math.round((performance.now() - t0) / 1000)} s)`);
  }
}

async function backfillOnce(
  work: string,
  libraryId: string,
  a: BenchPeer,
  rows: number,
  n: number,
): Promise<BackfillRow> {
  const dir = join(work, `joiner-${n}`);
  initDevice(dir, `joiner-${n}`, libraryId);
  const c = await startPeer(work, `joiner-${n}`, dir);
  try {
    const head = await cursorOf(a, a.deviceId, Resource.TAG);
    const cpu = () => [procStatus(a.pid).cpuTicks, procStatus(c.pid).cpuTicks] as const;
    const cpu0 = cpu();
    const t0 = performance.now();
    await a.pair(c);
    await c.pair(a);
    await c.drive(a);
    for (;;) {
      if ((await cursorOf(c, a.deviceId, Resource.TAG)) >= head) break;
      await new Promise((r) => setTimeout(r, 20));
      if (performance.now() - t0 > 3_600_000) throw new Error("backfill took over an hour");
    }
    const s = (performance.now() - t0) / 1000;
    const cpu1 = cpu();
    const secs = (ticks: number) => Math.round((ticks / CLK_TCK) * 10) / 10;
    return {
      rows,
      seconds: Math.round(s * 100) / 100,
      rowsPerS: Math.round(rows / s),
      servingCpuS: secs(cpu1[0] - cpu0[0]),
      joinerCpuS: secs(cpu1[1] - cpu0[1]),
    };
  } finally {
    await a.unpair(c);
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function exchangeBytes(work: string, k: number): Promise<DeviceRow> {
  const dirs = Array.from({ length: k }, (_, i) => join(work, `mesh${k}-${i}`));
  const library = initDevice(dirs[0] as string, `mesh${k}-0`);
  for (const d of dirs.slice(1)) initDevice(d, d.slice(d.lastIndexOf("/") + 1), library);
  const peers: BenchPeer[] = [];
  try {
    for (const [i, d] of dirs.entries()) peers.push(await startPeer(work, `mesh${k}-${i}`, d));
    await mesh(peers);
    for (const p of peers)
      await commitTags(
        p,
        Array.from({ length: 10 }, (_, i) => tagWrite(`m${i}`)),
      );
    // Everyone holds every device's tags.
    for (const p of peers) for (const q of peers) await waitCursor(p, q.deviceId, 10n, 120_000);
    const streams = (await (peers[0] as BenchPeer).control.watermarks({})).watermarks.length;
    const wire0 = await peerTraffic(peers);
    let exchanges = 0;
    for (const [i, p] of peers.entries()) {
      for (const q of peers.slice(i + 1)) {
        const before = await p.metric("tidemark_exchanges_total");
        await p.control.disconnect({ deviceId: fromHex(q.deviceId) });
        await p.control.connect({ deviceId: fromHex(q.deviceId) });
        const deadline = performance.now() + 30_000;
        while ((await p.metric("tidemark_exchanges_total")) <= before) {
          if (performance.now() > deadline)
            throw new Error(`${p.name} never exchanged with ${q.name}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        exchanges++;
      }
    }
    const wire1 = await peerTraffic(peers);
    return {
      devices: k,
      streams,
      exchanges,
      wireBytesPerExchange: Math.round((wire1 - wire0) / exchanges),
    };
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

export async function peerBench(opts: PeerBenchOptions): Promise<PeerBenchReport> {
  const { work, log } = opts;
  mkdirSync(work, { recursive: true });
  const dirA = join(work, "a");
  const dirB = join(work, "b");
  const library = initDevice(dirA, "a");
  initDevice(dirB, "b", library);
  const a = await startPeer(work, "a", dirA);
  const b = await startPeer(work, "b", dirB);
  try {
    await mesh([a, b]);
    // Warm up: A's own commits are confirmed once it heard from B.
    await waitCursor(b, a.deviceId, await commitTags(a, [tagWrite("warm-up")]), 60_000);
    log(`peer bench: ${opts.singles} single commits…`);
    const single = { ...(await singles(a, b, opts.singles)), loadAvg: load1() };
    log(`peer bench: a burst of ${opts.burst} changes…`);
    const burstRow = {
      ...(await burst(a, b, opts.burst, opts.burstPerCommit, opts.burstInFlight)),
      loadAvg: load1(),
    };
    await b.stop();
    const backfill: PeerBenchReport["backfill"] = [];
    for (const rows of opts.backfillRows) {
      log(`peer bench: backfill of ${rows} rows…`);
      await fill(a, rows, log);
      const n = Number(await cursorOf(a, a.deviceId, Resource.TAG));
      backfill.push({ ...(await backfillOnce(work, library, a, n, rows)), loadAvg: load1() });
    }
    const growth: Record<string, number> = {};
    for (let i = 1; i < backfill.length; i++) {
      const lo = backfill[i - 1] as BackfillRow;
      const hi = backfill[i] as BackfillRow;
      growth[`${hi.rows}/${lo.rows}`] = Math.round((hi.seconds / lo.seconds) * 100) / 100;
    }
    await a.stop();
    const devices: PeerBenchReport["devices"] = [];
    for (const k of opts.devices) {
      log(`peer bench: exchange bytes with ${k} devices…`);
      devices.push({ ...(await exchangeBytes(work, k)), loadAvg: load1() });
    }
    const goals: PeerBenchReport["goals"] = {
      singleP99: { goal: "p99 <= 100 ms", measured: single.p99Ms, met: single.p99Ms <= 100 },
      burstP99: { goal: "p99 <= 100 ms", measured: burstRow.p99Ms, met: burstRow.p99Ms <= 100 },
      burstChangesPerMessage: {
        goal: ">= 50 changes per push batch",
        measured: burstRow.changesPerPushBatch,
        met: burstRow.changesPerPushBatch >= 50,
      },
    };
    const big = backfill.at(-1);
    const tenth = backfill.find(
      (r) => big !== undefined && r.rows * 10 <= big.rows && r.rows * 10 > big.rows * 0.9,
    );
    if (big !== undefined && tenth !== undefined && big.rows >= 1_000_000) {
      const ratio = Math.round((big.seconds / tenth.seconds) * 100) / 100;
      goals.backfill1M = { goal: "1M <= 12x the 100K time", measured: ratio, met: ratio <= 12 };
    }
    return { single, burst: burstRow, backfill, growth, devices, goals };
  } finally {
    await Promise.allSettled([a.stop(), b.stop()]);
  }
}
