import { create } from "@bufbuild/protobuf";
import {
  AckStatus,
  type Change,
  ChangeSchema,
  ErrorReason,
  ProtocolError,
  type PushChangesRequest,
  PushChangesResponseSchema,
  Resource,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { CommittedBatch } from "../store/store-api.js";
import { DEFAULT_SYNC_CONFIG } from "./config.js";
import type { SyncContext } from "./context.js";
import { streamKeyFromId } from "./ids.js";
import {
  chunk,
  flushDelayMs,
  MAX_PUSHES_IN_FLIGHT,
  merge,
  Outbox,
  STALLED_PUSH_EXCHANGE_MS,
} from "./outbox.js";
import type { PeerSync } from "./peer-sync.js";
import { WorkTracker } from "./work-tracker.js";

const origin = "0190000100007000800000000000000a";
const change = (seq: number): Change =>
  create(ChangeSchema, { rowId: new Uint8Array(16), seq: BigInt(seq) });
const batch = (resource: Resource, from: number, to: number): CommittedBatch => ({
  stream: { origin, resource },
  prevSeq: from === 1 ? undefined : BigInt(from - 1),
  changes: Array.from({ length: to - from + 1 }, (_, i) => change(from + i)),
  provisional: false,
});

describe("realtime batching", () => {
  test("merge joins consecutive commits of a stream and keeps prev_seq", () => {
    const merged = merge([
      batch(Resource.ENTRY, 1, 3),
      batch(Resource.TAG, 1, 1),
      batch(Resource.ENTRY, 4, 6),
    ]);
    expect(
      merged.map((b) => [streamKeyFromId(b.stream).resource, b.prevSeq, b.changes.length]),
    ).toEqual([
      [Resource.ENTRY, undefined, 6],
      [Resource.TAG, undefined, 1],
    ]);
  });

  test("chunk splits at the change limit and each piece names the seq before it", () => {
    const requests = chunk(merge([batch(Resource.ENTRY, 1, 250)]), 100);
    expect(requests.map((r) => r.map((b) => [b.prevSeq, b.changes.length]))).toEqual([
      [[undefined, 100]],
      [[100n, 100]],
      [[200n, 50]],
    ]);
  });

  test("chunk respects the per-request batch limit", () => {
    const many = Array.from({ length: 70 }, () => batch(Resource.ENTRY, 1, 1)).map((b, i) => ({
      ...b,
      stream: {
        origin: `${origin.slice(0, 30)}${(i + 16).toString(16)}`,
        resource: Resource.ENTRY,
      },
    }));
    const requests = chunk(merge(many), 1000);
    expect(requests.map((r) => r.length)).toEqual([64, 6]);
  });
});

/** An Outbox over a virtual clock and timers, pushing to one fake peer that records requests. */
function outboxRig(windowMs = 50, answers = true) {
  let now = 1_000;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 0;
  const pushed: number[][] = [];
  const exchanges: string[] = [];
  const unanswered: ((err: Error) => void)[] = [];
  const failures: unknown[] = [];
  const remote = new Map<string, { cursor: bigint }>();
  /** Pushes ("push 1,2") and Hellos in the order the peer saw them. */
  const calls: string[] = [];
  let owesHello = false;
  const ctx = {
    config: { ...DEFAULT_SYNC_CONFIG, realtimeFlushMs: windowMs },
    ports: {
      clock: { now: () => now, monotonic: () => now },
      timers: {
        set: (delayMs: number, fn: () => void) => {
          const id = ++nextId;
          timers.set(id, { at: now + delayMs, fn });
          return { id };
        },
        cancel: (h: { id: number }) => timers.delete(h.id),
      },
    },
    work: new WorkTracker(),
    store: { originKey: () => new Uint8Array(32) },
    metrics: { inc: () => {}, set: () => {} },
    log: () => {},
    libraryIdBytes: new Uint8Array(16),
    deviceIdBytes: new Uint8Array(16),
    closed: false,
  } as unknown as SyncContext;
  const peer = {
    peer: "peer-b",
    connected: true,
    state: "live",
    deadline: () => ({ signal: new AbortController().signal }),
    release: () => {},
    remote,
    noteCursorAtLeast: () => {},
    markRealtimeActivity: () => {},
    fail: (err: unknown) => {
      failures.push(err);
      if (ProtocolError.from(err).reason === ErrorReason.UNKNOWN_PEER) owesHello = true;
    },
    get owesHello() {
      return owesHello;
    },
    helloAgain: async () => {
      calls.push("hello");
      owesHello = false;
    },
    exchange: (trigger: string) => exchanges.push(trigger),
    client: () => ({
      pushChanges: async (req: PushChangesRequest) => {
        const seqs = req.batches.flatMap((b) => b.changes.map((c) => Number(c.seq)));
        pushed.push(seqs);
        calls.push(`push ${seqs.join(",")}`);
        // A lost push: never answered (it would fail at requestTimeoutMs).
        if (!answers) await new Promise((_, reject) => unanswered.push(reject));
        return create(PushChangesResponseSchema, {
          acks: req.batches.map((b) => ({
            stream: b.stream,
            status: AckStatus.APPLIED,
            cursor: b.changes.at(-1)?.seq,
          })),
        });
      },
    }),
  } as unknown as PeerSync;
  const outbox = new Outbox(ctx);
  let seq = 0;
  return {
    pushed,
    exchanges,
    failures,
    calls,
    /** The peer's cursor for the tag stream, as an exchange reports it. */
    peerHolds(cursor: number) {
      remote.set(`${origin}/${Resource.TAG}`, { cursor: BigInt(cursor) });
    },
    /** The unanswered pushes time out. */
    timeOut() {
      for (const reject of unanswered.splice(0)) reject(new Error("deadline exceeded"));
    },
    /** The oldest unanswered push is refused: the peer has no session for us (ER-5). */
    forgetUs() {
      unanswered.shift()?.(
        new ProtocolError(ErrorReason.UNKNOWN_PEER, "no session for the caller").toConnectError(),
      );
    },
    commit(n = 1) {
      const from = seq + 1;
      seq += n;
      outbox.enqueue([peer], [batch(Resource.TAG, from, seq)]);
    },
    /** Moves virtual time forward, firing due timers in order. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= end)
          .sort((x, y) => x[1].at - y[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
      // Lets the pushes started above resolve (queued changes keep work busy).
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("realtime flush policy", () => {
  test("a commit after a quiet window is pushed on the next timer turn, not after the window", async () => {
    const rig = outboxRig(50);
    rig.commit();
    await rig.advance(0);
    expect(rig.pushed).toEqual([[1]]);
    await rig.advance(500);
    rig.commit();
    await rig.advance(0);
    expect(rig.pushed).toEqual([[1], [2]]);
  });

  test("commits within the window after a push wait for it and share one push", async () => {
    const rig = outboxRig(50);
    rig.commit();
    await rig.advance(0);
    for (let i = 0; i < 5; i++) {
      await rig.advance(5);
      rig.commit();
    }
    await rig.advance(10);
    expect(rig.pushed).toEqual([[1]]);
    await rig.advance(40);
    expect(rig.pushed).toEqual([[1], [2, 3, 4, 5, 6]]);
  });

  test("commits in one turn share the first push", async () => {
    const rig = outboxRig(50);
    rig.commit();
    rig.commit(2);
    await rig.advance(0);
    expect(rig.pushed).toEqual([[1, 2, 3]]);
  });

  test("a full batch is pushed at once even inside the window", async () => {
    const rig = outboxRig(50);
    rig.commit();
    await rig.advance(0);
    rig.commit(DEFAULT_SYNC_CONFIG.realtimeMaxBatch);
    await rig.advance(0);
    expect(rig.pushed.map((p) => p.length)).toEqual([1, DEFAULT_SYNC_CONFIG.realtimeMaxBatch]);
  });

  test("pushes queued behind unanswered ones start an exchange after a second", async () => {
    const rig = outboxRig(50, false);
    for (let i = 0; i < MAX_PUSHES_IN_FLIGHT + 1; i++) {
      rig.commit();
      await rig.advance(60);
    }
    expect(rig.pushed).toHaveLength(MAX_PUSHES_IN_FLIGHT);
    expect(rig.exchanges).toEqual([]);
    await rig.advance(STALLED_PUSH_EXCHANGE_MS);
    expect(rig.exchanges).toEqual(["push-stalled"]);
  });

  test("a backlog the peer pulled while it waited is not pushed again", async () => {
    // Unfixed: once the lost pushes timed out, every backlogged batch went
    // out though the stall exchange had the peer pull them all (random
    // scenario 1473026537, no-needless-work).
    const rig = outboxRig(50, false);
    for (let i = 0; i < MAX_PUSHES_IN_FLIGHT + 3; i++) {
      rig.commit();
      await rig.advance(60);
    }
    expect(rig.pushed).toEqual([[1], [2], [3], [4]]);
    await rig.advance(STALLED_PUSH_EXCHANGE_MS);
    expect(rig.exchanges).toEqual(["push-stalled"]);
    // The exchange: the peer pulled through seq 6; seq 7 came after.
    rig.peerHolds(6);
    rig.timeOut();
    await rig.advance(0);
    expect(rig.failures).toHaveLength(MAX_PUSHES_IN_FLIGHT);
    expect(rig.pushed).toEqual([[1], [2], [3], [4], [7]]);
  });

  test("a push refused UNKNOWN_PEER is noted before the backlog moves on: the next push waits for a Hello", async () => {
    // Unfixed: the backlog's next push went out in the refused call's
    // `finally`, before the failure was recorded, with no Hello (random
    // seeds of hello-required-peers, hello-after-unknown-peer).
    const rig = outboxRig(50, false);
    for (let i = 0; i < MAX_PUSHES_IN_FLIGHT + 1; i++) {
      rig.commit();
      await rig.advance(60);
    }
    rig.forgetUs();
    await rig.advance(0);
    expect(rig.calls).toEqual(["push 1", "push 2", "push 3", "push 4", "hello", "push 5"]);
  });

  test("flushDelayMs: none after a quiet window, else the rest of the window", () => {
    expect(flushDelayMs(undefined, 100, 50)).toBe(0);
    expect(flushDelayMs(0, 100, 50)).toBe(0);
    expect(flushDelayMs(80, 100, 50)).toBe(30);
    expect(flushDelayMs(100, 100, 50)).toBe(50);
    // A clock that went back never waits more than one window.
    expect(flushDelayMs(200, 100, 50)).toBe(50);
  });
});
