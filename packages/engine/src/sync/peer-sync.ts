// One peer as this replica sees it: its explicit state (logged on every
// transition), what we know of its streams, failures and backoff, and the
// exchange it triggers (connect, notice, periodic, backoff retry).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ErrorReason,
  ExchangeWatermarksRequestSchema,
  type ExchangeWatermarksResponse,
  HelloRequestSchema,
  isKnownResource,
  isProtocolError,
  MAX_STREAMS_PER_MESSAGE,
  ProtocolError,
  REFUSAL_CODES,
  refusedRetryFloorMs,
  type StreamWatermark,
  validateExchangeWatermarksResponse,
  validateHelloResponse,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode, isEngineError } from "../errors.js";
import type { SyncClient, TimerHandle } from "../ports.js";
import type { PeerState, PeerStatus } from "../replica-api.js";
import { maxDefined } from "../seq.js";
import type { IdHex } from "../store/store-api.js";
import { Deadline } from "./abort.js";
import { backoffDelayMs } from "./backoff.js";
import { checkResponse } from "./check-response.js";
import { errorText, type SyncContext, watermarksFor } from "./context.js";
import type { StreamSide } from "./decide.js";
import { noteHead } from "./heads.js";
import { streamKeyFromId, streamKeyString, toHex } from "./ids.js";

export const PROTOCOL_VERSION = 1;
/** Rateless IBLT reconciliation (PROTOCOL.md §7.9). */
export const CODED_SYMBOLS_CAPABILITY = "reconcile.riblt.v1";
export const CAPABILITIES = ["reconcile.v1", CODED_SYMBOLS_CAPABILITY];
/** Hellos one call says before giving up on a peer that forgets each (ER-5). */
const HELLO_ROUNDS = 3;

/** What we know of one of the peer's streams. */
export type RemoteStream = StreamSide & {
  /**
   * The highest seq the stream's origin signed a head for that this peer
   * sent us and we verified (PROTOCOL.md §16 SG-9); bounds its claims (CU-8).
   */
  readonly verifiedHead?: bigint | undefined;
};

/** What `jobStarted` hands back for `jobFinished`. */
export type JobTicket = { readonly refusalEpoch: number };

export type PeerHooks = {
  /** The peer's watermarks changed: decide per stream (recovery). */
  readonly onRemoteWatermarks: (peer: PeerSync, trigger: string) => void;
  /** The peer was parked in `failed` (another library, unsupported protocol). */
  readonly onParked?: (peer: PeerSync) => void;
};

export const PEER_STATES: readonly PeerState[] = [
  "uninitialized",
  "backfilling",
  "ready",
  "catching-up",
  "backoff",
  "failed",
];

export class PeerSync {
  state: PeerState;
  connected = false;
  consecutiveFailures = 0;
  private retired = false;
  /** Monotonic ms before which the last refused request is not repeated (ER-3). */
  private refusedUntil = 0;
  /**
   * Refusals since a job started after the last one made progress: ER-3's
   * repeat count. Kept apart from the backoff's failure count, which an
   * exchange at rest or a job begun before the refusal also resets.
   */
  private refusals = 0;
  /** Refusals ever: a job's ticket tells whether one came after it began. */
  private refusalEpoch = 0;
  /** Wall-clock time of the last exchange (shown to people). */
  lastExchangeAt: number | undefined;
  /** Monotonic time of the last healthy realtime traffic. */
  lastRealtimeAt: number | undefined;
  /** The peer's streams, keyed by streamKeyString. */
  readonly remote = new Map<string, RemoteStream>();
  /**
   * Halvings of the page limits for this source: a page that times out
   * halves them, one that lands in under a quarter of the timeout doubles
   * them back (sync/pull.ts), so a slow link still moves whole pages.
   */
  pageShrink = 0;
  /**
   * Cursors this peer claimed and could not back when pulled (it served
   * less, nothing, or said NOT_HELD), with what it did hold: while it
   * repeats the claim, what it held is believed instead.
   */
  private readonly refuted = new Map<
    string,
    { readonly claimed: bigint; readonly held: bigint | undefined }
  >();
  private helloDone = false;
  /**
   * Counts the peer's UNKNOWN_PEER answers (ER-5): from one on, it holds no
   * session for us, so no call but a Hello reaches it until a Hello sent
   * after that answer succeeded (`helloSession` catches up).
   */
  private session = 0;
  /** The `session` in which the last successful Hello was sent. */
  private helloSession = 0;
  /** The last `helloAgain()` caller's turn: the next one waits for it. */
  private helloTurn: Promise<void> = Promise.resolve();
  /** The Hello in flight: the exchange and every call that waits for it share it. */
  private helloing: { readonly session: number; readonly done: Promise<void> } | undefined;
  /** The peer's capabilities from its latest Hello (§2.2): none until one succeeds. */
  capabilities: readonly string[] = [];
  /**
   * The peer answered LIBRARY_MISMATCH: it holds another library, so none
   * of our streams; own commits do not wait for it (PROTOCOL.md §15 AU-7).
   * Cleared when it sends watermarks again.
   */
  otherLibrary = false;
  private exchanging = false;
  private exchangeAgain: string | undefined;
  private backoffTimer: TimerHandle | undefined;
  private activeJobs = 0;
  private jobKind: "backfilling" | "catching-up" = "catching-up";

  constructor(
    private readonly ctx: SyncContext,
    readonly peer: IdHex,
    initial: PeerState,
    private readonly hooks: PeerHooks,
  ) {
    this.state = initial;
    this.publishState();
    // A peer paired again starts afresh: its old series would show the
    // failures of the pairing that was removed (the registry keeps series).
    ctx.metrics.set("tidemark_consecutive_failures", { peer }, 0);
  }

  /**
   * The peer's client. Every call but Hello and the exchange (which Hellos
   * itself) first awaits `helloAgain()` while `owesHello` (ER-5).
   */
  client(): SyncClient {
    return this.ctx.ports.transport.client(this.peer);
  }

  /**
   * True when the peer answered UNKNOWN_PEER after the last Hello we sent
   * it succeeded: no call but a Hello may reach it now (ER-5). A pull or
   * reconcile decided from an exchange in flight at that answer would
   * otherwise repeat the refused call without one. False in the ordinary
   * case, so checking it costs no Hello and no await: a new connection's
   * Hello is its first exchange's.
   */
  get owesHello(): boolean {
    return this.helloSession < this.session;
  }

  /**
   * Says the Hello `owesHello` asks for (shared with the exchange's and
   * other callers'). Callers resume in the order they asked: pushes waiting
   * on different Hellos must still go out in commit order.
   */
  helloAgain(): Promise<void> {
    // Waiters queued behind a Hello that failed fail with it, as they would
    // sharing it; a caller after that starts afresh.
    const turn = this.helloTurn.then(() => this.helloWhile(() => this.owesHello));
    this.helloTurn = turn;
    turn.catch(() => {
      if (this.helloTurn === turn) this.helloTurn = Promise.resolve();
    });
    return turn;
  }

  /**
   * Says Hello while `owed()`: an UNKNOWN_PEER answer that arrives while a
   * Hello is in flight asks for another, sent after it (ER-5). Bounded: a
   * peer that refuses a call in every round ends the caller's call.
   */
  private async helloWhile(owed: () => boolean): Promise<void> {
    for (let round = 0; owed(); round++) {
      if (round === HELLO_ROUNDS)
        throw new EngineError(
          EngineErrorCode.Unavailable,
          "every Hello was overtaken by an UNKNOWN_PEER answer",
          { peer: this.peer, rounds: round },
        );
      await this.hello();
    }
  }

  /** Connected, not failed, not waiting out a backoff. */
  get usable(): boolean {
    return this.connected && this.state !== "failed" && this.state !== "backoff";
  }

  status(): PeerStatus {
    return {
      peer: this.peer,
      state: this.state,
      connected: this.connected,
      lastExchangeAt: this.lastExchangeAt,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  setState(to: PeerState, reason: string): void {
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    this.publishState();
    this.ctx.log(
      to === "failed" ? "error" : to === "backoff" ? "warn" : "info",
      { event: "peer-state", peer: this.peer, from, to, state: to, reason },
      `peer ${this.peer.slice(0, 8)}: ${from} -> ${to} (${reason})`,
    );
  }

  /**
   * True while realtime traffic with the peer is healthy (skip periodic
   * catch-up). `now` is monotonic: a wall clock set back or frozen must not
   * stretch the window (it skipped periodic exchanges for a day).
   */
  realtimeActive(now: number): boolean {
    return (
      this.lastRealtimeAt !== undefined &&
      now - this.lastRealtimeAt < this.ctx.config.realtimeActivityWindowMs
    );
  }

  markRealtimeActivity(): void {
    this.lastRealtimeAt = this.ctx.ports.clock.monotonic();
  }

  connect(): void {
    this.connected = true;
    this.helloDone = false;
    if (this.state === "failed" || this.state === "backoff") {
      this.cancelBackoff();
      this.setState(this.hasRemoteCursors() ? "ready" : "uninitialized", "reconnected");
    }
    this.exchange("connect");
  }

  /**
   * The peer called us (Hello): it is up even if our host has not said so.
   * Marks it connected without starting an exchange (the caller is
   * exchanging with us, and we decide from its watermarks); if we were
   * backing off from it, retries now.
   */
  noteInboundContact(): void {
    if (this.ctx.closed) return;
    if (!this.connected) {
      this.connected = true;
      // Our own calls reach it on a connection no Hello of ours opened: the
      // first of them says one (HE-1), whichever call it is.
      this.forgotUs();
      this.ctx.log(
        "info",
        { event: "peer-inbound", peer: this.peer, state: this.state },
        "peer reached us",
      );
    }
    this.retryEarly();
  }

  /**
   * A peer we are waiting out a backoff for has just reached us (e.g. it
   * restarted): retry now rather than after up to `backoffMaxMs`. The failure
   * count stays; only a successful exchange resets it. Also when our host
   * reported it gone meanwhile, which cancelled the backoff's timer.
   */
  private retryEarly(): void {
    if (this.state !== "backoff") return;
    this.cancelBackoff();
    this.setState(this.hasRemoteCursors() ? "catching-up" : "uninitialized", "peer-inbound");
    this.exchange("inbound-retry");
  }

  /**
   * The pairing was removed: late answers of its calls must not steer a
   * pairing made again with the same peer, nor its metrics (one series per peer).
   */
  retire(): void {
    this.retired = true;
    this.disconnect();
  }

  disconnect(): void {
    this.connected = false;
    this.cancelBackoff();
    this.ctx.log(
      "info",
      { event: "peer-disconnected", peer: this.peer, state: this.state },
      "peer disconnected",
    );
  }

  /** Replaces or merges what we know of the peer's streams. */
  recordWatermarks(watermarks: readonly StreamWatermark[], replace: boolean): void {
    if (replace) this.remote.clear();
    this.otherLibrary = false;
    for (const wm of watermarks) {
      // A resource of a later version is ignored (PROTOCOL.md §14): we
      // could neither pull nor apply it.
      if (wm.stream === undefined || !isKnownResource(wm.stream.resource)) continue;
      const key = streamKeyString(streamKeyFromId(wm.stream));
      // A peer's view is bounded like its messages (notices add to it).
      if (!this.remote.has(key) && this.remote.size >= MAX_STREAMS_PER_MESSAGE) continue;
      // Any other claim is news (more data, or a full resync) and is
      // believed: a forged claim must not hide the peer's real ones.
      const refuted = this.refuted.get(key);
      const repeated = refuted !== undefined && wm.cursor === refuted.claimed;
      if (refuted !== undefined && !repeated) this.refuted.delete(key);
      const verifiedHead = noteHead(this.ctx, this.peer, streamKeyFromId(wm.stream), wm.head);
      this.remote.set(key, {
        verifiedHead: maxDefined(
          verifiedHead,
          replace ? undefined : this.remote.get(key)?.verifiedHead,
        ),
        cursor: repeated ? refuted.held : wm.cursor,
        liveCount: wm.liveCount,
        fingerprint: wm.fingerprint,
        tombstoneHorizon: wm.tombstoneHorizon,
        fingerprintKnown: true,
        pulling: wm.pulling,
      });
    }
  }

  /**
   * A pull from this peer ended with it holding `held` of the stream
   * (undefined: nothing). If it claimed more when the pull started and
   * still does, the claim was not backed: while the peer repeats it, `held`
   * is believed instead (PROTOCOL.md §4), so a made-up claim costs one
   * pull, not one per exchange.
   */
  settleClaim(key: string, claimed: bigint | undefined, held: bigint | undefined): void {
    const unbacked = claimed !== undefined && (held === undefined || held < claimed);
    if (unbacked && this.remote.get(key)?.cursor === claimed) {
      if (this.refuted.size >= MAX_STREAMS_PER_MESSAGE) this.refuted.clear();
      this.refuted.set(key, { claimed, held });
    }
    this.noteCursorAtMost(key, held);
  }

  /** Learnt from a push: the peer holds at least `cursor` (no fingerprint). */
  noteCursorAtLeast(key: string, cursor: bigint): void {
    const known = this.remote.get(key);
    if (known?.cursor !== undefined && known.cursor >= cursor) return;
    this.remote.set(key, {
      verifiedHead: known?.verifiedHead,
      cursor,
      liveCount: known?.liveCount ?? 0n,
      fingerprint: known?.fingerprint ?? new Uint8Array(16),
      tombstoneHorizon: known?.tombstoneHorizon,
      fingerprintKnown: false,
    });
  }

  /** The peer served less than we believed: lower our view of its cursor. */
  noteCursorAtMost(key: string, cursor: bigint | undefined): void {
    const known = this.remote.get(key);
    if (known === undefined) return;
    if (cursor !== undefined && known.cursor !== undefined && known.cursor <= cursor) return;
    this.remote.set(key, { ...known, cursor, fingerprintKnown: false });
  }

  /** Runs Hello (once per connection) then ExchangeWatermarks, in the background. */
  exchange(trigger: string): void {
    if (this.ctx.closed || !this.connected || this.state === "failed") return;
    // ER-3: inside a refusal's floor no trigger (a reconnect, a notice) repeats it early.
    if (this.deferredByRefusal()) return;
    if (this.exchanging) {
      this.exchangeAgain = trigger;
      return;
    }
    this.exchanging = true;
    this.ctx.work.spawn(
      async () => {
        try {
          await this.runExchange(trigger);
        } finally {
          this.exchanging = false;
        }
        const again = this.exchangeAgain;
        this.exchangeAgain = undefined;
        if (again !== undefined) this.exchange(again);
      },
      (err) => this.fail(err, "exchange"),
    );
  }

  private async runExchange(trigger: string): Promise<void> {
    const { ctx } = this;
    // No await when no Hello is owed: the call goes out in this turn.
    if (!this.helloDone) await this.helloWhile(() => !this.helloDone);
    const res = await this.exchangeCall().catch(async (err: unknown) => {
      // A peer that forgot our session (ER-5): counted, then a Hello and the
      // same exchange at once, not a backoff — the Hello is what changed.
      if (!isUnknownPeer(err)) throw err;
      ctx.metrics.inc("tidemark_exchange_failures_total", { peer: this.peer });
      ctx.log(
        "info",
        { event: "session-forgotten", peer: this.peer, state: this.state },
        "the peer has no session for us: saying Hello again",
      );
      this.forgotUs();
      await this.helloWhile(() => !this.helloDone);
      return this.exchangeCall();
    });
    if (res === undefined) return;
    this.lastExchangeAt = ctx.ports.clock.now();
    this.recordWatermarks(res.watermarks, true);
    ctx.metrics.inc("tidemark_exchanges_total", { peer: this.peer, trigger });
    ctx.log(
      "debug",
      {
        event: "exchange",
        peer: this.peer,
        state: this.state,
        trigger,
        streams: res.watermarks.length,
      },
      "watermarks exchanged",
    );
    this.hooks.onRemoteWatermarks(this, trigger);
    // An exchange is progress only when it leaves nothing to do with this
    // peer; a retry's exchange that starts the job that fails again must
    // not reset the count, or the backoff never grows.
    if (this.activeJobs === 0 && !this.deferredByRefusal()) {
      this.succeeded();
      if (this.state === "uninitialized" || this.state === "catching-up") {
        this.setState("ready", "exchange-in-sync");
      }
    }
  }

  /** One ExchangeWatermarks call, its answer validated; undefined once closed or retired. */
  private async exchangeCall(): Promise<ExchangeWatermarksResponse | undefined> {
    const { ctx } = this;
    // A Hello awaited before this may have outlived the replica.
    if (ctx.closed || this.retired) return undefined;
    const deadline = this.deadline("exchange");
    try {
      const res = checkResponse(
        ctx,
        this,
        "exchange",
        validateExchangeWatermarksResponse(
          await this.client().exchangeWatermarks(
            create(ExchangeWatermarksRequestSchema, {
              libraryId: ctx.libraryIdBytes,
              deviceId: ctx.deviceIdBytes,
              watermarks: watermarksFor(ctx, this.peer),
            }),
            { signal: deadline.signal },
          ),
        ),
      );
      if (ctx.closed || this.retired) return undefined;
      if (res.deviceId.length > 0 && toHex(res.deviceId) !== this.peer) {
        throw new EngineError(EngineErrorCode.Invalid, "exchange answered by another device", {
          expected: this.peer,
          actual: toHex(res.deviceId),
        });
      }
      return res;
    } finally {
      this.release(deadline);
    }
  }

  /** The peer answered UNKNOWN_PEER: no call but a Hello reaches it until one sent after this succeeds (ER-5). */
  private forgotUs(): void {
    this.session++;
    this.helloDone = false;
  }

  /** Says Hello, or waits for the one in flight if it was sent since the last UNKNOWN_PEER. */
  private hello(): Promise<void> {
    const current = this.helloing;
    if (current !== undefined && current.session === this.session) return current.done;
    const session = this.session;
    const done = this.sendHello(session).finally(() => {
      if (this.helloing?.done === done) this.helloing = undefined;
    });
    this.helloing = { session, done };
    return done;
  }

  private async sendHello(session: number): Promise<void> {
    const { ctx } = this;
    const deadline = this.deadline("hello");
    try {
      const res = await this.client().hello(
        create(HelloRequestSchema, {
          libraryId: ctx.libraryIdBytes,
          deviceId: ctx.deviceIdBytes,
          protocolVersion: PROTOCOL_VERSION,
          capabilities: CAPABILITIES,
          deviceName: ctx.deviceName,
        }),
        { signal: deadline.signal },
      );
      // Another library or a version we do not speak stays fatal (isFatal
      // looks through the EngineError to the validator's reason).
      checkResponse(
        ctx,
        this,
        "hello",
        validateHelloResponse(res, {
          libraryId: ctx.libraryIdBytes,
          offeredVersion: PROTOCOL_VERSION,
        }),
      );
      this.capabilities = [...res.capabilities];
      // A Hello sent before a later UNKNOWN_PEER answer does not stand for it.
      this.helloSession = Math.max(this.helloSession, session);
      if (session === this.session) this.helloDone = true;
    } finally {
      this.release(deadline);
    }
  }

  /** Creates a tracked deadline for one unary call. */
  deadline(what: string, ms = this.ctx.config.requestTimeoutMs): Deadline {
    const d = new Deadline(this.ctx.ports.timers, `${what} with ${this.peer.slice(0, 8)}`);
    d.arm(ms);
    this.ctx.deadlines.add(d);
    return d;
  }

  release(deadline: Deadline): void {
    deadline.disarm();
    this.ctx.deadlines.delete(deadline);
  }

  /** A recovery job with this peer as the source starts; hand the ticket to `jobFinished`. */
  jobStarted(): JobTicket {
    if (this.activeJobs === 0) {
      this.jobKind = this.state === "uninitialized" ? "backfilling" : "catching-up";
      this.setState(this.jobKind, "recovery-started");
    }
    this.activeJobs++;
    return { refusalEpoch: this.refusalEpoch };
  }

  /**
   * A job with this peer as the source ended. `progressed` (rows applied,
   * a stream finished) resets the failure count even when the job then
   * failed: only real progress resets it. ER-3's count restarts only for
   * a job begun after the last refusal: one already running when a request
   * was refused shows nothing about that request.
   */
  jobFinished(job: JobTicket, error: unknown, progressed = error === undefined): void {
    this.activeJobs--;
    if (progressed) {
      this.succeeded();
      if (job.refusalEpoch === this.refusalEpoch) this.refusals = 0;
    }
    if (error !== undefined) {
      this.fail(error, "recovery");
      return;
    }
    if (this.activeJobs === 0 && this.state !== "backoff" && this.state !== "failed") {
      this.setState("ready", `${this.jobKind}-done`);
    }
  }

  private succeeded(): void {
    if (this.consecutiveFailures !== 0 && !this.retired) {
      this.consecutiveFailures = 0;
      this.ctx.metrics.set("tidemark_consecutive_failures", { peer: this.peer }, 0);
    }
  }

  /**
   * Records a failure. Non-retryable answers (another library, unsupported
   * protocol) park the peer in `failed`; anything else backs off with
   * exponential delay + jitter and retries with an exchange (passive
   * catch-up happens only here, after failures).
   */
  fail(err: unknown, what: string): void {
    const { ctx } = this;
    if (ctx.closed || this.retired) return;
    const fatal = isFatal(err);
    this.consecutiveFailures++;
    ctx.metrics.set("tidemark_consecutive_failures", { peer: this.peer }, this.consecutiveFailures);
    ctx.metrics.inc(
      what === "exchange" ? "tidemark_exchange_failures_total" : "tidemark_pull_failures_total",
      {
        peer: this.peer,
      },
    );
    ctx.log(
      fatal ? "error" : "warn",
      {
        event: "peer-failure",
        peer: this.peer,
        state: this.state,
        what,
        failures: this.consecutiveFailures,
        error: errorText(err),
      },
      `${what} with peer failed: ${errorText(err)}`,
    );
    if (fatal) {
      this.cancelBackoff();
      this.otherLibrary = isLibraryMismatch(err);
      this.setState("failed", `${what}-fatal`);
      this.hooks.onParked?.(this);
      return;
    }
    // The responder has no session for us (ER-5): the next exchange starts
    // with a Hello, and so does any other call sent before one succeeds.
    if (isUnknownPeer(err)) this.forgotUs();
    const refused = isRefusal(err);
    if (refused) {
      this.refusals++;
      this.refusalEpoch++;
      this.refusedUntil = ctx.ports.clock.monotonic() + refusedRetryFloorMs(this.refusals);
    }
    if (!this.connected) return;
    // Already waiting out a backoff: keep that retry (a stream of failing
    // realtime pushes must not postpone the passive catch-up forever).
    if (this.state === "backoff" && this.backoffTimer !== undefined) return;
    // A refusal is repeated unchanged no sooner than ER-3's floor, whatever the configured backoff.
    const delay = Math.max(
      backoffDelayMs(
        this.consecutiveFailures,
        ctx.config.backoffBaseMs,
        ctx.config.backoffMaxMs,
        ctx.ports.random,
      ),
      refused ? refusedRetryFloorMs(this.refusals) : 0,
    );
    this.armRetry(delay, `${what}-failed`);
    ctx.log(
      "info",
      { event: "backoff", peer: this.peer, delayMs: delay, failures: this.consecutiveFailures },
      "backing off",
    );
  }

  /** Backs off for `delay` ms, then retries with an exchange. */
  private armRetry(delay: number, reason: string): void {
    const { ctx } = this;
    this.setState("backoff", reason);
    this.cancelBackoff();
    this.backoffTimer = ctx.ports.timers.set(delay, () => {
      this.backoffTimer = undefined;
      if (ctx.closed || this.state !== "backoff") return;
      this.setState(this.hasRemoteCursors() ? "catching-up" : "uninitialized", "backoff-elapsed");
      this.exchange("backoff-retry");
    });
  }

  /** Ms left before a refused request may be repeated (ER-3); 0 when none. */
  private refusalWait(): number {
    return Math.max(0, this.refusedUntil - this.ctx.ports.clock.monotonic());
  }

  /**
   * True while a refusal's floor runs (ER-3): recovery starts nothing from
   * this peer then, and a retry is armed for when the floor ends.
   */
  deferredByRefusal(): boolean {
    const wait = this.refusalWait();
    if (wait === 0) return false;
    if (this.backoffTimer === undefined) this.armRetry(wait, "refusal-floor");
    return true;
  }

  cancelBackoff(): void {
    if (this.backoffTimer !== undefined) this.ctx.ports.timers.cancel(this.backoffTimer);
    this.backoffTimer = undefined;
  }

  private hasRemoteCursors(): boolean {
    return this.ctx.store
      .streams()
      .some((s) => s.stream.origin !== this.ctx.deviceId && s.cursor !== undefined);
  }

  private publishState(): void {
    if (this.retired) return;
    for (const s of PEER_STATES) {
      this.ctx.metrics.set(
        "tidemark_peer_state",
        { peer: this.peer, state: s },
        s === this.state ? 1 : 0,
      );
    }
  }
}

/** The peer said it holds another library. */
function isLibraryMismatch(err: unknown): boolean {
  if (isEngineError(err) && isProtocolError(err.cause)) return isLibraryMismatch(err.cause);
  if (!(err instanceof ConnectError) && !isProtocolError(err)) return false;
  return ProtocolError.from(err).reason === ErrorReason.LIBRARY_MISMATCH;
}

/** The peer refused the request itself (ER-3), as opposed to a transport failure. */
function isRefusal(err: unknown): boolean {
  const cause = isEngineError(err) ? err.cause : err;
  return cause instanceof ConnectError && REFUSAL_CODES.has(cause.code);
}

/** Errors that retrying cannot fix: another library, unsupported protocol. */
export function isFatal(err: unknown): boolean {
  // An invalid answer carries the validator's ProtocolError as its cause.
  if (isEngineError(err) && isProtocolError(err.cause)) return isFatal(err.cause);
  if (!(err instanceof ConnectError) && !isProtocolError(err)) return false;
  const pe = ProtocolError.from(err);
  return (
    pe.reason === ErrorReason.LIBRARY_MISMATCH ||
    pe.reason === ErrorReason.PROTOCOL_VERSION_UNSUPPORTED ||
    pe.code === Code.Unimplemented
  );
}

function isUnknownPeer(err: unknown): boolean {
  return ProtocolError.from(err).reason === ErrorReason.UNKNOWN_PEER;
}
