// hello-first and hello-once judge each pair's Hellos on the wire: the
// first request of an incarnation, and a Hello again only after something
// that may have ended the session.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ErrorReason,
  HelloResponseSchema,
  PROTOCOL_VERSION,
  ProtocolError,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { Delivered, TapInfo } from "../network/network.js";
import { HelloFirst } from "./hello-first.js";
import { tapRequest } from "./tap.fixture.js";

const LIBRARY = new Uint8Array(16).fill(7);
const TIMEOUT_MS = 1_000;

const req = (from: number, to: number, rpc: string, call = 1): TapInfo =>
  tapRequest(from, to, rpc, call);

const answer = (from: number, to: number, call: number, part = "res"): Delivered => ({
  from,
  to,
  rpc: "Hello",
  part,
  call,
  message: () =>
    create(HelloResponseSchema, {
      libraryId: LIBRARY,
      deviceId: new Uint8Array(16).fill(from + 1),
      protocolVersion: PROTOCOL_VERSION,
    }),
});

function tracker(gen: () => number, unjudged: (d: number) => boolean = () => false): HelloFirst {
  return new HelloFirst(gen, unjudged, () => LIBRARY, TIMEOUT_MS);
}

describe("hello-first", () => {
  test("a Hello first on each incarnation passes; answers and unjudged senders are ignored", () => {
    let gen = 1;
    const t = tracker(
      () => gen,
      (d) => d === 2,
    );
    t.observe({ ...req(1, 0, "ExchangeWatermarks"), part: "res" }, 0);
    t.observe(req(0, 1, "Hello"), 0);
    t.observe(req(0, 1, "ExchangeWatermarks"), 0);
    t.observe(req(2, 0, "Backfill"), 0);
    gen = 2;
    t.observe(req(0, 1, "Hello"), 0);
    t.observe(req(0, 1, "PushChanges"), 0);
    expect(t.check()).toBeUndefined();
  });

  test("an exchange before any Hello of a new incarnation fails", () => {
    let gen = 1;
    const t = tracker(() => gen);
    t.observe(req(0, 1, "Hello"), 0);
    gen = 2;
    t.observe(req(0, 1, "ExchangeWatermarks"), 0);
    expect(t.check()?.detail).toContain("incarnation 2 was ExchangeWatermarks");
  });
});

describe("hello-once", () => {
  test("a second Hello after an answered one, with nothing between, fails", () => {
    const t = tracker(() => 1);
    t.observe(req(0, 1, "Hello", 7), 0);
    t.delivered(answer(1, 0, 7), 10);
    t.observe(req(0, 1, "ExchangeWatermarks", 8), 20);
    t.observe(req(0, 1, "Hello", 9), 30);
    expect(t.check()?.property).toBe("hello-once");
  });

  test("an unanswered or late Hello, an error answer, the peer's Hello or a reconnect excuse the next", () => {
    const t = tracker(() => 1);
    t.observe(req(0, 1, "Hello", 1), 0);
    // Unanswered for half the call timeout: the caller may have given up.
    t.observe(req(0, 1, "Hello", 2), TIMEOUT_MS / 2);
    t.delivered(answer(1, 0, 2), 1_400);
    t.observe(req(0, 1, "Hello", 3), 1_500);
    t.delivered(answer(1, 0, 3), 1_510);
    t.delivered({ ...answer(1, 0, 4, "err"), rpc: "Backfill" }, 1_520);
    t.observe(req(0, 1, "Hello", 5), 1_530);
    t.delivered(answer(1, 0, 5), 1_540);
    t.observe(req(1, 0, "Hello", 6), 1_550);
    t.observe(req(0, 1, "Hello", 7), 1_560);
    t.delivered(answer(1, 0, 7), 1_570);
    t.reconnected(0, 1);
    t.observe(req(0, 1, "Hello", 8), 1_580);
    // In flight, but an error answer since may have ended the session.
    t.delivered({ ...answer(1, 0, 9, "err"), rpc: "PushChanges" }, 1_590);
    t.observe(req(0, 1, "Hello", 10), 1_600);
    expect(t.check()).toBeUndefined();
  });

  test("a second Hello while the first is in flight, with nothing between, fails", () => {
    const t = tracker(() => 1);
    t.observe(req(0, 1, "Hello", 1), 0);
    t.observe(req(0, 1, "Hello", 2), 100);
    expect(t.check()?.detail).toContain(
      "d0 said Hello to d1 again in its incarnation 1 while its Hello of 0 ms was unanswered",
    );
  });
});

describe("hello-after-unknown-peer", () => {
  const unknownPeer = (from: number, to: number, call: number): Delivered => ({
    from,
    to,
    rpc: "Backfill",
    part: "err",
    call,
    message: () => new ProtocolError(ErrorReason.UNKNOWN_PEER, "no session").toConnectError(),
  });

  test("a call after UNKNOWN_PEER with no Hello between fails; a Hello first passes", () => {
    const t = tracker(() => 1);
    t.observe(req(0, 1, "Hello", 1), 0);
    t.delivered(answer(1, 0, 1), 1);
    t.observe(req(0, 1, "Backfill", 2), 2);
    t.observe(req(0, 1, "Reconcile", 3), 2);
    t.delivered(unknownPeer(1, 0, 2), 3);
    t.observe(req(0, 1, "Hello", 4), 4);
    t.observe(req(0, 1, "Backfill", 5), 5);
    expect(t.check()).toBeUndefined();
    t.delivered(unknownPeer(1, 0, 5), 6);
    t.observe(req(0, 1, "Backfill", 6), 7);
    expect(t.check()?.property).toBe("hello-after-unknown-peer");
  });

  test("another error asks for no Hello", () => {
    const t = tracker(() => 1);
    t.observe(req(0, 1, "Hello", 1), 0);
    t.delivered(answer(1, 0, 1), 1);
    t.observe(req(0, 1, "Backfill", 2), 2);
    t.delivered(
      { ...unknownPeer(1, 0, 2), message: () => new ConnectError("x", Code.Unavailable) },
      3,
    );
    t.observe(req(0, 1, "Backfill", 3), 4);
    expect(t.check()).toBeUndefined();
  });
});
