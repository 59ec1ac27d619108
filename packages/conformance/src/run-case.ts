// Plays one case against the target: Hello as the case's fresh device,
// the seed pushes, then each step, checking every expectation. A case
// passes when all hold; the first failure is its detail.
import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { ReconcileInitiator } from "@tidemark/engine";
import {
  AckStatus,
  answerJudge,
  BackfillRequestSchema,
  BackfillResponseSchema,
  ErrorDetailSchema,
  ErrorReason,
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  NotifyDataAvailableRequestSchema,
  NotifyDataAvailableResponseSchema,
  PROTOCOL_VERSION,
  PushChangesRequestSchema,
  PushChangesResponseSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  StreamIdSchema,
  SyncService,
} from "@tidemark/protocol";
import { CallerError, CaseCallers, type Connection } from "./callers.js";
import type { Caller, CallStep, Case, ReconcileSessionStep, Rpc, Step, TlsStep } from "./cases.js";
import {
  type ControlScope,
  ControlStepFailure,
  ControlStepSkipped,
  pick,
  runControlStep,
} from "./control/control-steps.js";
import type { TargetHarness } from "./control/harness.js";
import type { IdentitySource } from "./identities.js";
import { describeMismatches, match } from "./match.js";
import { type Bindings, type Json, resolve, resolveString } from "./placeholders.js";
import { errorReasonName, GRPC_CODES, rawUnary } from "./raw.js";
import { type Keyring, SignDirectiveError, signPushRequest } from "./sign-request.js";
import { probeHandshake } from "./tls/handshake.js";
import {
  type SyncClient,
  syncClient,
  type TargetOptions,
  tlsOptions,
  type WireProtocol,
} from "./transport.js";

export type RunEnv = {
  readonly target: TargetOptions;
  readonly library: Uint8Array;
  readonly peer: Uint8Array;
  readonly clients: Readonly<Record<WireProtocol, SyncClient>>;
  readonly timeoutMs: number;
  /** A mutual-TLS target: where each case's devices (and certificates) come from. */
  readonly identities?: IdentitySource;
  /** TestControl and the target's process, when the operator gave them. */
  readonly harness?: TargetHarness;
};

/** `skipped`: the case could not run (an optional TestControl call the target lacks). */
export type CaseOutcome = {
  readonly ok: boolean;
  readonly detail?: string;
  readonly skipped?: boolean;
};

class StepFailure extends Error {}

/** The clients of both protocols for a target (one HTTP/2 session each, reused). */
export function clientsFor(target: TargetOptions): Record<WireProtocol, SyncClient> {
  return { connect: syncClient(target, "connect"), grpc: syncClient(target, "grpc") };
}

/** A case's placeholders, the keys of the devices it plays (@me, @me2), their connections. */
type CaseBindings = Bindings & { readonly keys: Keyring; readonly callers: CaseCallers };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export async function runCase(c: Case, env: RunEnv): Promise<CaseOutcome> {
  // Fresh devices per case: each device id derives from its key (SG-3, TI-2).
  const callers = await CaseCallers.forCase(c, env.target, env.clients, env.identities);
  const { me, me2 } = callers;
  const b: CaseBindings = {
    library: env.library,
    me: me.id,
    me2: me2.id,
    meKey: me.signer.publicKey,
    me2Key: me2.signer.publicKey,
    peer: env.peer,
    nowMs: Date.now(),
    keys: new Map([
      [b64(me.id), me.signer],
      [b64(me2.id), me2.signer],
    ]),
    callers,
  };
  const scope: ControlScope = {
    stubs: [],
    bound: new Map(),
    stubMark: 0,
    stubTls: (who) => (who === "me" ? me.creds : me2.creds),
  };
  const cb: CaseBindings = { ...b, bound: scope.bound };
  // Mutual TLS: TestControl answers paired devices only, so the case's @me calls it.
  const ownControl = me.creds === undefined ? undefined : env.harness?.controlAs?.(me.creds);
  const caseEnv: RunEnv =
    ownControl === undefined || env.harness === undefined
      ? env
      : { ...env, harness: { ...env.harness, control: ownControl.client } };
  const steps = async (list: readonly Step[], what: string) => {
    for (const [i, step] of list.entries()) await runStep(caseEnv, cb, step, i, scope, what);
  };
  let outcome: CaseOutcome;
  try {
    await call(env, cb, { call: "Hello", request: helloJson(), expect: {} }, "hello");
    for (const [i, batch] of (c.seed ?? []).entries()) await seed(env, cb, batch, i);
    await steps(c.steps, "steps");
    outcome = { ok: true };
  } catch (err) {
    outcome = failure(err);
  }
  try {
    await steps(c.cleanup ?? [], "cleanup");
  } catch (err) {
    if (outcome.ok) outcome = failure(err);
  }
  for (const stub of scope.stubs) await stub.stop();
  ownControl?.close();
  callers.close();
  return outcome;
}

function failure(err: unknown): CaseOutcome {
  if (err instanceof ControlStepSkipped) return { ok: false, skipped: true, detail: err.message };
  if (err instanceof StepFailure || err instanceof CallerError || err instanceof ControlStepFailure)
    return { ok: false, detail: err.message };
  return {
    ok: false,
    detail: `runner error: ${err instanceof Error ? err.message : String(err)}`,
  };
}

async function runStep(
  env: RunEnv,
  b: CaseBindings,
  step: Step,
  i: number,
  scope: ControlScope,
  what: string,
): Promise<void> {
  if ("reconcile" in step) return reconcileSession(env, b, step, i);
  if ("tls" in step) return checkHandshake(env, b, step, i);
  if (
    "control" in step ||
    "restart" in step ||
    "stub" in step ||
    "backup" in step ||
    "restore" in step
  ) {
    const name =
      "control" in step
        ? `control ${step.control}`
        : "restart" in step
          ? `restart (${step.restart})`
          : "backup" in step
            ? `backup ${step.backup}`
            : "restore" in step
              ? `restore ${step.restore}`
              : `stub ${step.stub}`;
    return runControlStep(env.harness, step, b, scope, `${what}[${i}] ${name}`);
  }
  return checkCall(env, b, step, i, scope);
}

/** Who makes `step`: its "as", else the case device its request's device_id names. */
function callerOf(step: CallStep): Caller {
  return step.as ?? (step.request?.deviceId === "@me2" ? "me2" : "me");
}

/** A bare TLS handshake and what the server agreed to (TI-6, TI-1, TI-2). */
async function checkHandshake(env: RunEnv, b: CaseBindings, step: TlsStep, i: number) {
  const where = `steps[${i}] tls`;
  const creds = await b.callers.credentials(step.tls.as ?? "me");
  const got = await probeHandshake({
    url: env.target.url,
    maxVersion: step.tls.version ?? "TLSv1.3",
    alpn: step.tls.alpn ?? ["h2"],
    ...(creds === "none" ? {} : creds),
    timeoutMs: Math.min(env.timeoutMs, 5_000),
  });
  const want = step.expect;
  const say = (s: string) => new StepFailure(`${where}: ${s}`);
  if (got.handshake !== want.handshake)
    throw say(
      got.handshake === "ok"
        ? `expected the server to refuse, it agreed to ${got.version} ALPN ${got.alpn ?? "none"}`
        : `expected a handshake, refused: ${got.why}`,
    );
  if (got.handshake !== "ok") return;
  if (want.version !== undefined && got.version !== want.version)
    throw say(`expected ${want.version}, got ${got.version}`);
  if (want.alpn !== undefined && got.alpn !== want.alpn)
    throw say(`expected ALPN ${want.alpn}, got ${got.alpn ?? "none"}`);
  const cert = want.serverCert;
  if (cert === undefined) return;
  if (got.serverCert === undefined) throw say("the server presented no certificate");
  if (cert.keyType !== undefined && got.serverCert.keyType !== cert.keyType)
    throw say(`server certificate key is ${got.serverCert.keyType}, expected ${cert.keyType}`);
  if (cert.selfSigned !== undefined && got.serverCert.selfSigned !== cert.selfSigned)
    throw say(`server certificate self-signed: ${got.serverCert.selfSigned}`);
  if (cert.deviceId !== undefined) {
    const expected = Buffer.from(String(resolveString(cert.deviceId, b)), "base64").toString("hex");
    if (got.serverCert.deviceId !== expected)
      throw say(
        `server certificate proves device ${got.serverCert.deviceId}, expected ${expected}`,
      );
  }
}

const helloJson = () => ({ protocolVersion: PROTOCOL_VERSION, capabilities: ["reconcile.v1"] });

async function seed(env: RunEnv, b: CaseBindings, batch: Json, i: number): Promise<void> {
  const step: CallStep = { call: "PushChanges", request: { batches: [batch] }, expect: {} };
  const out = await call(env, b, step, `seed[${i}]`);
  if (out.error !== undefined)
    throw new StepFailure(`seed[${i}]: push refused: ${out.error.code} ${out.error.reason ?? ""}`);
  const acks = (out.response as { acks?: { status?: string }[] }).acks ?? [];
  const status = acks[0]?.status;
  if (status !== `ACK_STATUS_${AckStatus[AckStatus.APPLIED]}`)
    throw new StepFailure(`seed[${i}]: push not applied (ack ${status ?? "missing"})`);
}

type CallOut = {
  readonly response?: JsonValue;
  readonly pages: JsonValue[];
  /** The first answer that broke the message rules for the request (PROTOCOL.md §4–§9). */
  readonly malformed?: string;
  readonly error?: {
    readonly code: string;
    readonly reason: string | undefined;
    readonly message: string;
  };
};

async function checkCall(
  env: RunEnv,
  b: CaseBindings,
  step: CallStep,
  i: number,
  scope: ControlScope,
): Promise<void> {
  const where = `steps[${i}] ${step.call}`;
  const { expect } = step;
  const n = Math.min(step.repeat ?? 1, 1000);
  if (n > 1) return checkBurst(env, b, step, where, n);
  const out = await call(env, b, step, where);
  if (expect.error !== undefined) {
    if (out.error === undefined)
      throw new StepFailure(
        `${where}: expected ${expect.error.code} ${expect.error.reason ?? ""}, the call succeeded`,
      );
    // TI-8: a server may refuse during the handshake instead: no Connect error then.
    if (expect.error.orConnectionClosed === true && closedByPeer(out.error)) return;
    const reasonOk = expect.error.reason === undefined || expect.error.reason === out.error.reason;
    if (out.error.code !== expect.error.code || !reasonOk)
      throw new StepFailure(
        `${where}: expected ${expect.error.code} ${expect.error.reason ?? ""}, got ${out.error.code} ${out.error.reason ?? "(no detail)"}: ${out.error.message}`,
      );
    return;
  }
  if (out.error !== undefined)
    throw new StepFailure(
      `${where}: failed with ${out.error.code} ${out.error.reason ?? ""}: ${out.error.message}`,
    );
  // Whatever the case expects of it, an answer must keep the rules for its request.
  if (out.malformed !== undefined)
    throw new StepFailure(`${where}: the answer breaks the message rules: ${out.malformed}`);
  if (expect.response !== undefined) {
    const ms = match(resolve(expect.response, b), out.response);
    if (ms.length > 0) throw new StepFailure(`${where}: ${describeMismatches(ms)}`);
  }
  if (expect.pages !== undefined) {
    const ms = match(resolve(expect.pages, b), out.pages, "pages");
    if (ms.length > 0) throw new StepFailure(`${where}: ${describeMismatches(ms)}`);
  }
  for (const [name, bind] of Object.entries(step.bind ?? {})) {
    const v = pick({ response: out.response ?? null, pages: out.pages }, bind.path);
    const value = v === undefined ? bind.default : (v as Json);
    if (value === undefined)
      throw new StepFailure(`${where}: bind ${name}: nothing at ${bind.path}`);
    scope.bound.set(name, value);
  }
}

/** A call that failed on the connection (closed, reset, handshake refused), with no ErrorDetail. */
function closedByPeer(e: NonNullable<CallOut["error"]>): boolean {
  return (
    e.reason === undefined &&
    (e.code === "unavailable" || e.code === "internal" || e.code === "unknown")
  );
}

/**
 * `repeat`: the call made n times at once (a burst, whatever the machine's
 * speed); the expected error must come back from at least one of them.
 */
async function checkBurst(env: RunEnv, b: CaseBindings, step: CallStep, where: string, n: number) {
  const want = step.expect.error;
  if (want === undefined) throw new StepFailure(`${where}: "repeat" needs an expected error`);
  const outs = await Promise.all(Array.from({ length: n }, () => call(env, b, step, where)));
  const hit = outs.some(
    (o) =>
      o.error?.code === want.code && (want.reason === undefined || o.error.reason === want.reason),
  );
  if (!hit) {
    const seen = [
      ...new Set(
        outs.map((o) => (o.error === undefined ? "ok" : `${o.error.code} ${o.error.reason ?? ""}`)),
      ),
    ];
    throw new StepFailure(
      `${where}: ${n} calls at once, none answered ${want.code} ${want.reason ?? ""} (got ${seen.join(", ")})`,
    );
  }
}

/**
 * The request with library and caller filled in, placeholders resolved,
 * and pushed changes signed as their origins (or the case's directives) say.
 */
function requestJson(
  step: CallStep,
  b: CaseBindings,
  where: string,
  caller: Uint8Array,
): JsonValue {
  const req = resolve({ libraryId: "@lib", deviceId: b64(caller), ...step.request }, b);
  if (step.call !== "PushChanges") return req as JsonValue;
  try {
    return signPushRequest(req, b.library, b.keys) as JsonValue;
  } catch (err) {
    if (err instanceof SignDirectiveError) throw new StepFailure(`${where}: ${err.message}`);
    throw err;
  }
}

const LOCAL: Record<Rpc, keyof typeof SyncService.method> = {
  Hello: "hello",
  ExchangeWatermarks: "exchangeWatermarks",
  Backfill: "backfill",
  PushChanges: "pushChanges",
  Reconcile: "reconcile",
  NotifyDataAvailable: "notifyDataAvailable",
};

async function call(env: RunEnv, b: CaseBindings, step: CallStep, where: string): Promise<CallOut> {
  const protocol = step.protocol ?? env.target.protocol;
  const conn: Connection = await b.callers.connection(callerOf(step));
  if (step.rawRequest !== undefined) {
    const bytes = Buffer.from(String(resolveString(step.rawRequest, b)), "base64");
    const url = new URL(conn.target.url);
    const r = await rawUnary(
      url.origin,
      step.call,
      bytes,
      protocol,
      env.timeoutMs,
      url.protocol === "https:" ? tlsOptions(conn.target) : undefined,
    );
    return r.code === "ok"
      ? { response: {}, pages: [] }
      : { pages: [], error: { ...r, message: "" } };
  }
  const json = requestJson(step, b, where, await b.callers.deviceIdOf(callerOf(step)));
  try {
    fromJson(SyncService.method[LOCAL[step.call]].input, json);
  } catch (err) {
    throw new StepFailure(
      `${where}: the case's request is not valid protobuf JSON: ${(err as Error).message}`,
    );
  }
  const client = conn.clients[protocol];
  const opts = { timeoutMs: env.timeoutMs };
  const pages: JsonValue[] = [];
  const request = fromJson(SyncService.method[LOCAL[step.call]].input, json);
  const judge = answerJudge(step.call, request, { libraryId: env.library });
  let malformed: string | undefined;
  const check = (answer: unknown) => {
    const r = judge(answer);
    if (malformed === undefined && r !== undefined && !r.ok)
      malformed = `${ErrorReason[r.error.reason]}: ${r.error.rawMessage}`;
  };
  const judged = (out: CallOut): CallOut => (malformed === undefined ? out : { ...out, malformed });
  try {
    if (step.call === "Backfill") {
      for await (const page of client.backfill(fromJson(BackfillRequestSchema, json), opts)) {
        check(page);
        pages.push(toJson(BackfillResponseSchema, page, EMIT));
      }
      return judged({ pages });
    }
    return judged({ response: await unary(client, step.call, json, opts, check), pages });
  } catch (err) {
    const e = ConnectError.from(err);
    const detail = e.findDetails(ErrorDetailSchema)[0];
    return {
      pages,
      error: {
        code: GRPC_CODES[e.code] ?? String(e.code),
        reason: detail === undefined ? undefined : errorReasonName(detail.reason),
        message: e.rawMessage,
      },
    };
  }
}

const EMIT = { alwaysEmitImplicit: true };

async function unary(
  client: SyncClient,
  rpc: Exclude<Rpc, "Backfill">,
  json: JsonValue,
  opts: { timeoutMs: number },
  check: (answer: unknown) => void,
): Promise<JsonValue> {
  const seen = <T>(answer: T): T => {
    check(answer);
    return answer;
  };
  switch (rpc) {
    case "Hello":
      return toJson(
        HelloResponseSchema,
        seen(await client.hello(fromJson(HelloRequestSchema, json), opts)),
        EMIT,
      );
    case "ExchangeWatermarks":
      return toJson(
        ExchangeWatermarksResponseSchema,
        seen(
          await client.exchangeWatermarks(fromJson(ExchangeWatermarksRequestSchema, json), opts),
        ),
        EMIT,
      );
    case "PushChanges":
      return toJson(
        PushChangesResponseSchema,
        seen(await client.pushChanges(fromJson(PushChangesRequestSchema, json), opts)),
        EMIT,
      );
    case "Reconcile":
      return toJson(
        ReconcileResponseSchema,
        seen(await client.reconcile(fromJson(ReconcileRequestSchema, json), opts)),
        EMIT,
      );
    case "NotifyDataAvailable":
      return toJson(
        NotifyDataAvailableResponseSchema,
        seen(
          await client.notifyDataAvailable(fromJson(NotifyDataAvailableRequestSchema, json), opts),
        ),
        EMIT,
      );
  }
}

/** The reference initiator against the target until done; need/have must match. */
async function reconcileSession(
  env: RunEnv,
  b: CaseBindings,
  step: ReconcileSessionStep,
  i: number,
) {
  const s = step.reconcile;
  const where = `steps[${i}] reconcile session`;
  const id = (p: string) => Buffer.from(String(resolveString(p, b)), "base64");
  const items = s.items
    .map(([p, seq]) => ({ id: new Uint8Array(id(p)), seq: BigInt(seq) }))
    .sort((x, y) => Buffer.compare(x.id, y.id));
  const initiator = new ReconcileInitiator(items, {
    ...(s.branching === undefined ? {} : { branching: s.branching }),
    ...(s.listThreshold === undefined ? {} : { listThreshold: s.listThreshold }),
    ...(s.codedSymbols === undefined ? {} : { codedSymbols: s.codedSymbols }),
  });
  const stream = fromJson(StreamIdSchema, resolve(s.stream, b) as JsonValue);
  let next: ReturnType<ReconcileInitiator["reconcile"]> = initiator.initiate();
  let rounds = 0;
  const client = (await b.callers.connection("me")).clients[env.target.protocol];
  while (next !== undefined) {
    if (++rounds > s.maxRounds)
      throw new StepFailure(
        `${where}: not done after ${s.maxRounds} rounds (RC-11: rounds must terminate)`,
      );
    let res: Awaited<ReturnType<SyncClient["reconcile"]>>;
    try {
      res = await client.reconcile(
        { libraryId: b.library, deviceId: b.me, stream, ranges: next, wantIds: [] },
        { timeoutMs: env.timeoutMs },
      );
    } catch (err) {
      throw new StepFailure(`${where}: round ${rounds} failed: ${ConnectError.from(err).message}`);
    }
    try {
      next = initiator.reconcile(res.ranges);
    } catch (err) {
      throw new StepFailure(
        `${where}: round ${rounds}: the reply is invalid: ${(err as Error).message}`,
      );
    }
  }
  if (initiator.fallbackReason !== undefined)
    throw new StepFailure(
      `${where}: the target's coded symbols failed: ${initiator.fallbackReason}`,
    );
  const hex = (ids: readonly Uint8Array[]) => ids.map((x) => Buffer.from(x).toString("hex")).sort();
  const want = (ps: readonly string[]) => hex(ps.map((p) => new Uint8Array(id(p))));
  const got = { need: hex(initiator.need), have: hex(initiator.have) };
  const expected = { need: want(s.need), have: want(s.have) };
  if (JSON.stringify(got) !== JSON.stringify(expected))
    throw new StepFailure(
      `${where}: after ${rounds} rounds expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`,
    );
}
