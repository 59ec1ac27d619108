// ER-5 (PROTOCOL.md §10): a caller refused with UNKNOWN_PEER sends that
// responder a Hello before it repeats the refused call. Two real replicas on
// SQLite files, served in memory through Connect's router transport; the
// origin's handlers are wrapped to script the race a conformance run caught:
// an exchange in flight when the refusal arrives decides the repeat.
import type { HandlerContext } from "@connectrpc/connect";
import {
  type BackfillRequest,
  type BackfillResponse,
  ErrorReason,
  type ExchangeWatermarksRequest,
  type ExchangeWatermarksResponse,
  ProtocolError,
  type PushChangesRequest,
  type PushChangesResponse,
  REFUSED_RETRY_MIN_MS,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import {
  holdsEntries,
  replicaNet,
  SEED_LOCATION,
  seedEntries,
  sleep,
  until,
} from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";
import { entryWrite, testId } from "../store/testing.js";

const ENTRIES = 5;
type Backfill = (req: BackfillRequest, call: HandlerContext) => AsyncIterable<BackfillResponse>;
type Exchange = (
  req: ExchangeWatermarksRequest,
  call: HandlerContext,
) => ExchangeWatermarksResponse | Promise<ExchangeWatermarksResponse>;
type Push = (
  req: PushChangesRequest,
  call: HandlerContext,
) => PushChangesResponse | Promise<PushChangesResponse>;
/** What the origin saw of the joiner's calls, in order; "Hello answered" once it returned. */
type Seen =
  | "Hello"
  | "Hello answered"
  | "ExchangeWatermarks"
  | "ExchangeWatermarks refused"
  | "Backfill"
  | "Backfill refused"
  | "PushChanges"
  | "PushChanges refused";

const unknownPeer = () =>
  new ProtocolError(ErrorReason.UNKNOWN_PEER, "no session for this caller").toConnectError();

/** A promise and the function that resolves it. */
function gate(): { readonly open: () => void; readonly opened: Promise<void> } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const net = replicaNet({ libraryId: "0e".repeat(16), tmpPrefix: "unknown-peer" });

/** An origin holding a volume, a location and ENTRIES entries. */
function origin(): Replica {
  const o = net.replica("origin");
  o.start();
  seedEntries(o, ENTRIES);
  return o;
}

function holdsAllEntries(joiner: Replica, o: Replica, count = ENTRIES): boolean {
  return holdsEntries(joiner, o, count);
}

type Script = {
  readonly backfill?: (honest: Backfill) => Backfill;
  readonly exchange?: (honest: Exchange) => Exchange;
  readonly push?: (honest: Push) => Push;
  /** Awaited before a Hello is answered. */
  readonly beforeHelloAnswer?: () => Promise<void>;
};

/** Records the origin's calls; `script` may replace or slow its handlers. */
function watch(o: Replica, seen: Seen[], script: Script): void {
  const honestBackfill = o.service.backfill as Backfill;
  const honestExchange = o.service.exchangeWatermarks as Exchange;
  const backfill = script.backfill?.(honestBackfill) ?? honestBackfill;
  const exchange = script.exchange?.(honestExchange) ?? honestExchange;
  const honestPush = o.service.pushChanges as Push;
  const push = script.push?.(honestPush) ?? honestPush;
  net.serve(o.deviceId, {
    ...o.service,
    async hello(req, call) {
      seen.push("Hello");
      await script.beforeHelloAnswer?.();
      const res = await o.service.hello?.(req, call);
      seen.push("Hello answered");
      if (res === undefined) throw new Error("origin serves no Hello");
      return res;
    },
    exchangeWatermarks(req, call) {
      seen.push("ExchangeWatermarks");
      return exchange(req, call);
    },
    backfill(req, call) {
      seen.push("Backfill");
      return backfill(req, call);
    },
    pushChanges(req, call) {
      seen.push("PushChanges");
      return push(req, call);
    },
  });
}

/**
 * A writer paired with a watched receiver, synced. The writer backs off
 * long: no retried exchange (with its own Hello) gets in the way. Unless
 * `writerHost`, only the receiver's host reports the connection.
 */
async function writerAndReceiver(seen: Seen[], script: Script, writerHost = true) {
  const writer = net.replica("writer", {
    config: { backoffBaseMs: 10_000, backoffMaxMs: 20_000 },
  });
  writer.start();
  seedEntries(writer, ENTRIES);
  const receiver = net.replica("receiver");
  watch(receiver, seen, script);
  receiver.start();
  writer.addPeer(receiver.deviceId);
  receiver.addPeer(writer.deviceId);
  if (writerHost) writer.peerConnected(receiver.deviceId);
  receiver.peerConnected(writer.deviceId);
  await until(() => holdsAllEntries(receiver, writer));
  return { writer, receiver };
}

describe("UNKNOWN_PEER (ER-5)", () => {
  test("a pull decided by an exchange in flight at an UNKNOWN_PEER refusal waits for a Hello's answer", async () => {
    const o = origin();
    const seen: Seen[] = [];
    // The second exchange (the periodic one) is held until the refusal's
    // backoff elapsed; the first Backfill is refused once it is in flight.
    let secondExchange: () => void = () => {};
    const exchangeArrived = new Promise<void>((resolve) => {
      secondExchange = resolve;
    });
    let releaseExchange: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      releaseExchange = resolve;
    });
    let exchanges = 0;
    let backfills = 0;
    watch(o, seen, {
      // A Hello after the refusal is answered late: a Backfill sent
      // alongside it, not after its answer, arrives first.
      beforeHelloAnswer: () => (seen.includes("Backfill refused") ? sleep(500) : Promise.resolve()),
      exchange: (honest) => async (req, call) => {
        if (++exchanges === 2) {
          secondExchange();
          await Promise.race([released, sleep(20_000)]);
        }
        return honest(req, call);
      },
      backfill: (honest) =>
        async function* (req, call) {
          if (++backfills === 1) {
            await Promise.race([exchangeArrived, sleep(20_000)]);
            seen.push("Backfill refused");
            throw new ProtocolError(
              ErrorReason.UNKNOWN_PEER,
              "no session for this caller (restarted)",
            ).toConnectError();
          }
          yield* honest(req, call);
        },
    });
    const joiner = net.replica("joiner", {
      config: { backoffBaseMs: 50, backoffMaxMs: 100, periodicExchangeMs: 300 },
    });
    joiner.start();
    joiner.addPeer(o.deviceId);
    joiner.peerConnected(o.deviceId);
    const peerState = () => joiner.status().peers.find((p) => p.peer === o.deviceId)?.state;
    // The refusal's backoff (ER-3's floor, 500 ms) starts and elapses while the exchange is held.
    await until(() => seen.includes("Backfill refused") && peerState() === "backoff");
    expect(seen).toContain("Backfill refused");
    expect(peerState()).toBe("backoff");
    await until(() => peerState() !== "backoff");
    expect(peerState()).not.toBe("backoff");
    releaseExchange();
    await until(() => holdsAllEntries(joiner, o));

    const refused = seen.indexOf("Backfill refused");
    const repeat = seen.indexOf("Backfill", refused);
    const answered = seen.indexOf("Hello answered", refused);
    expect(repeat, `calls: ${seen.join(", ")}`).toBeGreaterThan(refused);
    // Unfixed: the held exchange's answer decided the pull, whose Backfill
    // went out at once, alongside the Hello of the exchange queued behind.
    expect(answered, `calls: ${seen.join(", ")}`).toBeGreaterThan(refused);
    expect(answered, `calls: ${seen.join(", ")}`).toBeLessThan(repeat);
    expect(holdsAllEntries(joiner, o)).toBe(true);
  }, 60_000);

  test("a peer that never answered UNKNOWN_PEER gets one Hello per connection, not one per pull", async () => {
    const o = origin();
    const seen: Seen[] = [];
    watch(o, seen, {});
    const joiner = net.replica("joiner", { config: { periodicExchangeMs: 200 } });
    joiner.start();
    joiner.addPeer(o.deviceId);
    joiner.peerConnected(o.deviceId);
    await until(() => holdsAllEntries(joiner, o));
    const pulls = seen.filter((s) => s === "Backfill").length;
    // A later commit is pulled by a periodic exchange: another pull job.
    o.commit([entryWrite(testId(500, 0x20), SEED_LOCATION, undefined, "late")]);
    await until(() => holdsAllEntries(joiner, o, ENTRIES + 1));
    expect(holdsAllEntries(joiner, o, ENTRIES + 1)).toBe(true);
    expect(seen.filter((s) => s === "Backfill").length).toBeGreaterThan(pulls);
    expect(seen.filter((s) => s === "Hello")).toHaveLength(1);
  }, 60_000);

  test("an exchange refused UNKNOWN_PEER says Hello and exchanges again at once, not after a backoff", async () => {
    const o = origin();
    const seen: Seen[] = [];
    let exchanges = 0;
    let refusedAt = 0;
    let againAt = 0;
    watch(o, seen, {
      exchange: (honest) => (req, call) => {
        // The second (periodic) exchange finds its session forgotten.
        if (++exchanges === 2) {
          refusedAt = performance.now();
          seen.push("ExchangeWatermarks refused");
          throw unknownPeer();
        }
        if (exchanges === 3) againAt = performance.now();
        return honest(req, call);
      },
    });
    const joiner = net.replica("joiner", { config: { periodicExchangeMs: 200 } });
    joiner.start();
    joiner.addPeer(o.deviceId);
    joiner.peerConnected(o.deviceId);
    await until(() => exchanges >= 3);
    const refused = seen.indexOf("ExchangeWatermarks refused");
    expect(seen.slice(refused + 1, refused + 4), `calls: ${seen.join(", ")}`).toEqual([
      "Hello",
      "Hello answered",
      "ExchangeWatermarks",
    ]);
    // Unfixed: counted as the peer's failure, backed off for ER-3's floor first.
    expect(againAt - refusedAt).toBeLessThan(REFUSED_RETRY_MIN_MS);
  }, 60_000);

  test("a push waiting for a Hello that an UNKNOWN_PEER answer overtook says another first", async () => {
    const seen: Seen[] = [];
    const refusals = [gate(), gate()];
    const helloHeld = gate();
    let pushes = 0;
    let refused = 0;
    const { writer } = await writerAndReceiver(seen, {
      // The Hello said after the first refusal is answered only once the
      // second refusal (of a push sent before it) has arrived.
      beforeHelloAnswer: () => (refused === 1 ? helloHeld.opened : Promise.resolve()),
      push: (honest) => async (req, call) => {
        const held = refusals[pushes++];
        if (held === undefined) return honest(req, call);
        await Promise.race([held.opened, sleep(20_000)]);
        refused++;
        seen.push("PushChanges refused");
        throw unknownPeer();
      },
    });
    const late = (k: number) =>
      entryWrite(testId(600 + k, 0x20), SEED_LOCATION, undefined, `p${k}`);
    writer.commit([late(1)]);
    await until(() => pushes >= 1);
    writer.commit([late(2)]);
    await until(() => pushes >= 2);
    refusals[0]?.open();
    await until(() => refused === 1);
    writer.commit([late(3)]);
    await until(() => seen.lastIndexOf("Hello") > seen.indexOf("PushChanges refused"));
    refusals[1]?.open();
    await until(() => refused === 2);
    helloHeld.open();
    await until(() => pushes >= 3);

    const second = seen.lastIndexOf("PushChanges refused");
    const next = seen.indexOf("PushChanges", second);
    expect(next, `calls: ${seen.join(", ")}`).toBeGreaterThan(second);
    // Unfixed: the push went out on the answer to the Hello sent before the second refusal.
    expect(seen.slice(second, next), `calls: ${seen.join(", ")}`).toContain("Hello");
  }, 60_000);

  test("pushes waiting on different Hellos go out in commit order", async () => {
    const seen: Seen[] = [];
    const refusals = [gate(), gate()];
    // The Hellos said after a refusal, answered when the test opens them.
    const hellos = [gate(), gate()];
    const pushed: bigint[] = [];
    let pushes = 0;
    let refused = 0;
    let helloes = 0;
    const { writer } = await writerAndReceiver(seen, {
      beforeHelloAnswer: () =>
        refused === 0 ? Promise.resolve() : (hellos[helloes++]?.opened ?? Promise.resolve()),
      push: (honest) => async (req, call) => {
        const held = refusals[pushes++];
        if (held === undefined) {
          pushed.push(req.batches[0]?.changes[0]?.seq ?? 0n);
          return honest(req, call);
        }
        await Promise.race([held.opened, sleep(20_000)]);
        refused++;
        throw unknownPeer();
      },
    });
    const late = (k: number) =>
      entryWrite(testId(700 + k, 0x20), SEED_LOCATION, undefined, `q${k}`);
    writer.commit([late(1)]);
    await until(() => pushes >= 1);
    writer.commit([late(2)]);
    await until(() => pushes >= 2);
    refusals[0]?.open();
    await until(() => refused === 1);
    // The third push waits for the first Hello; the second refusal arrives meanwhile.
    writer.commit([late(3)]);
    await until(() => helloes >= 1);
    refusals[1]?.open();
    await until(() => refused === 2);
    writer.commit([late(4)]);
    // Unfixed, the fourth push says a second Hello of its own at once.
    await until(() => helloes >= 2, 1_000);
    hellos[1]?.open();
    await sleep(100);
    hellos[0]?.open();
    await until(() => pushed.length >= 2);
    // Unfixed: [9, 8] — the fourth push went out on the second Hello's answer, first.
    expect(pushed).toEqual([8n, 9n]);
  }, 60_000);

  test("a peer first heard through its own Hello gets ours before any other call (HE-1)", async () => {
    const seen: Seen[] = [];
    // Only the receiver's host reports the connection: the writer learns of
    // it from the receiver's Hello, as a host whose dialer is still waiting does.
    const { writer } = await writerAndReceiver(seen, {}, false);
    writer.commit([entryWrite(testId(800, 0x20), SEED_LOCATION, undefined, "later")]);
    await until(() => seen.includes("PushChanges"));
    // Unfixed: the writer's first call to the receiver was its push, with no Hello.
    expect(seen[0], `calls: ${seen.join(", ")}`).toBe("Hello");
  }, 60_000);
});
