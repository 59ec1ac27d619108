// The steps a case plays on the target itself rather than over SyncService:
// a TestControl call (`{"control": "Commit", "request": …, "expect": …,
// "bind": …, "until": ms}`; with `until` it is retried until `expect` holds)
// and a restart (`{"restart": "term" | "kill"}`). A control request may
// name `"@stub:me2"` as a peer URL: a stand-in peer answering Hello as that
// device is started for the rest of the case; `{"stub": "me2", "serve":
// "ExchangeWatermarks"}` lets it answer the target's exchanges from then on.
import { fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ChangeSchema,
  StreamHeadSchema,
  StreamIdSchema,
  StreamWatermarkSchema,
} from "@tidemark/protocol";
import { TestControlService } from "@tidemark/protocol/test-control";
import { describeMismatches, match } from "../match.js";
import { type Bindings, type Json, resolve } from "../placeholders.js";
import type { ControlClient, TargetHarness } from "./harness.js";
import { type HeldStream, StubPeer, type StubTls } from "./stub-peer.js";

export const CONTROL_RPCS = [
  "Info",
  "Commit",
  "Watermarks",
  "Rows",
  "Entries",
  "Gauges",
  "Clock",
  "SetPeers",
  "Connect",
  "Disconnect",
  "Prune",
  "SetClock",
] as const;
export type ControlRpc = (typeof CONTROL_RPCS)[number];
/** Calls a target MAY leave unimplemented (docs/TESTCONTROL.md): a case using one is then skipped. */
const OPTIONAL_RPCS: readonly ControlRpc[] = ["Prune", "SetClock"];

/** A value taken from a control response, for later steps as "@bound:NAME" (null: absent). */
export type Bind = { readonly path: string; readonly default?: string | null };

export type ControlStep = {
  readonly control: ControlRpc;
  readonly request?: { [k: string]: Json };
  readonly expect?: { readonly response?: Json };
  readonly bind?: Readonly<Record<string, Bind>>;
  /** Retry (every 200 ms) for up to this many ms until `expect` holds. */
  readonly until?: number;
  /**
   * The case cannot run unless the response matches this (e.g. Info
   * reports a bound): SKIPPED with `reason`, never passed or failed.
   */
  readonly skipUnless?: { readonly response: Json; readonly reason: string };
  /** The call may fail (a rule lets the target refuse loudly): an error is no failure of the case. */
  readonly mayFail?: boolean;
};

export type RestartStep = { readonly restart: "term" | "kill" };

/**
 * The target's data directory copied while it is stopped (`backup`), or put
 * back later (`restore`): a device restored from an older backup (PROTOCOL.md
 * §3.7), which has forgotten seqs it handed out since.
 */
export type BackupStep = { readonly backup: string } | { readonly restore: string };

/**
 * A stand-in peer: `serve` ExchangeWatermarks (answering `watermarks`, protobuf
 * JSON StreamWatermarks, none by default; with `echo`, the target's own
 * watermarks, not pulling, with `watermarks` merged over the same streams');
 * `await` a call of the target within `withinMs`; or `never` get one during
 * `forMs` (both count calls since the last `serve`).
 */
export type StubStep = {
  readonly stub: "me" | "me2";
  /**
   * "none": refuse ExchangeWatermarks again (the target stops hearing from
   * it); "library-mismatch": refuse every call, Hello too, as a paired
   * device of another library (PROTOCOL.md §2.2, AU-7).
   */
  readonly serve?: "ExchangeWatermarks" | "none" | "library-mismatch";
  /**
   * Streams the stub holds from now on and serves by Backfill (any other:
   * NOT_HELD), each {"stream", "changes" (e.g. "@bound:rows"), optional
   * "completeThrough" (default: the last change's seq), "head" and
   * "originKey"};
   * echoing, it reports them as held at that seq.
   */
  readonly holds?: Json[];
  readonly watermarks?: Json[];
  readonly echo?: boolean;
  readonly await?: string;
  /** A number, or a placeholder such as "@bound:interval*3+5000" (a bound the target reported). */
  readonly withinMs?: number | string;
  readonly never?: string;
  readonly forMs?: number;
};

export class ControlStepFailure extends Error {
  override readonly name = "ControlStepFailure";
}

/** The target left an optional TestControl call unimplemented: the case cannot run. */
export class ControlStepSkipped extends Error {
  override readonly name = "ControlStepSkipped";
}

/** Per case: stub peers to stop and values bound by control steps. */
export type ControlScope = {
  readonly stubs: StubPeer[];
  readonly bound: Map<string, Json>;
  /** When a stub last changed its answers: `await`/`never` count calls since then. */
  stubMark: number;
  /** A mutual-TLS target: the certificate a stub of @me / @me2 serves with (it pins that id). */
  readonly stubTls?: (who: "me" | "me2") => StubTls | undefined;
};

export async function runControlStep(
  h: TargetHarness | undefined,
  step: ControlStep | RestartStep | BackupStep | StubStep,
  b: Bindings,
  scope: ControlScope,
  where: string,
): Promise<void> {
  if ("restart" in step) {
    if (h?.process === undefined) throw new ControlStepFailure(`${where}: no --peer-cmd`);
    await h.process.restart(step.restart);
    return;
  }
  if ("backup" in step || "restore" in step) {
    if (h?.process === undefined) throw new ControlStepFailure(`${where}: no --peer-cmd`);
    if ("backup" in step) await h.process.backup(step.backup);
    else await h.process.restore(step.restore);
    return;
  }
  if ("stub" in step) return stubStep(step, b, scope, where);
  if (h?.control === undefined) throw new ControlStepFailure(`${where}: no --control`);
  const json = await withStubs(resolve(step.request ?? {}, b), b, scope);
  let res: JsonValue;
  try {
    res = await untilExpected(h.control, step, json as JsonValue, b, where);
  } catch (err) {
    if (step.mayFail === true && err instanceof ControlStepFailure) return;
    throw err;
  }
  const unless = step.skipUnless;
  if (unless !== undefined && match(resolve(unless.response, b), res).length > 0)
    throw new ControlStepSkipped(`skipped: ${unless.reason}`);
  for (const [name, bind] of Object.entries(step.bind ?? {})) {
    const v = pick(res, bind.path);
    const value = v === undefined ? bind.default : String(v);
    if (value === undefined)
      throw new ControlStepFailure(`${where}: bind ${name}: nothing at ${bind.path}`);
    scope.bound.set(name, value);
  }
}

async function stubStep(step: StubStep, b: Bindings, scope: ControlScope, where: string) {
  const id = step.stub === "me" ? b.me : b.me2;
  const stub = scope.stubs.find((x) => Buffer.compare(x.deviceId, id) === 0);
  if (stub === undefined) throw new ControlStepFailure(`${where}: no @stub:${step.stub} started`);
  if (step.holds !== undefined) stub.holds = heldStreams(step.holds, b, where);
  if (step.serve !== undefined) stub.otherLibrary = step.serve === "library-mismatch";
  if (step.serve === "none" || step.serve === "library-mismatch") {
    scope.stubMark = Date.now();
    stub.echo = undefined;
    stub.watermarks = undefined;
  } else if (step.serve !== undefined) {
    scope.stubMark = Date.now();
    const json = resolve(step.watermarks ?? [], b) as JsonValue[];
    if (step.echo === true) {
      // Parsed once here, so a bad entry fails the step, not the stub's answer.
      for (const w of json) fromJson(StreamWatermarkSchema, w);
      stub.echo = json as JsonObject[];
    } else {
      stub.echo = undefined;
      stub.watermarks = json.map((w) => fromJson(StreamWatermarkSchema, w));
    }
  }
  const since = scope.stubMark;
  const seen = (rpc: string) => stub.calls.some((c) => c.rpc === rpc && c.at >= since);
  if (step.await !== undefined) {
    const within = Number(resolve(step.withinMs ?? 10_000, b));
    if (!Number.isFinite(within)) throw new ControlStepFailure(`${where}: bad withinMs`);
    const deadline = Date.now() + Math.min(within, 120_000);
    while (!seen(step.await)) {
      if (Date.now() > deadline)
        throw new ControlStepFailure(
          `${where}: the target made no ${step.await} call to @${step.stub} within ${within} ms`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (step.never !== undefined) {
    await new Promise((r) => setTimeout(r, Math.min(step.forMs ?? 3_000, 60_000)));
    if (seen(step.never))
      throw new ControlStepFailure(`${where}: the target called ${step.never} on @${step.stub}`);
  }
}

function heldStreams(list: Json[], b: Bindings, where: string): HeldStream[] {
  return list.map((item, i) => {
    const h = resolve(item, b) as { [k: string]: Json };
    try {
      const changes = (h.changes ?? []) as JsonValue[];
      if (!Array.isArray(changes)) throw new Error('"changes" is a list');
      return {
        stream: fromJson(StreamIdSchema, (h.stream ?? null) as JsonValue),
        changes: changes.map((c) => fromJson(ChangeSchema, c)),
        ...(h.completeThrough === undefined
          ? {}
          : { completeThrough: BigInt(String(h.completeThrough)) }),
        ...(h.head === undefined ? {} : { head: fromJson(StreamHeadSchema, h.head as JsonValue) }),
        ...(typeof h.originKey === "string" && h.originKey !== ""
          ? { originKey: new Uint8Array(Buffer.from(h.originKey, "base64")) }
          : {}),
      };
    } catch (err) {
      throw new ControlStepFailure(`${where}: holds[${i}]: ${(err as Error).message}`);
    }
  });
}

/** The call, repeated while `expect` fails and `until` ms have not passed. */
async function untilExpected(
  client: ControlClient,
  step: ControlStep,
  json: JsonValue,
  b: Bindings,
  where: string,
): Promise<JsonValue> {
  const deadline = Date.now() + Math.min(step.until ?? 0, 120_000);
  for (;;) {
    const res = await callControl(client, step.control, json, where);
    const ms =
      step.expect?.response === undefined ? [] : match(resolve(step.expect.response, b), res);
    if (ms.length === 0) return res;
    if (Date.now() >= deadline) {
      const waited = step.until === undefined ? "" : ` (still after ${step.until} ms)`;
      throw new ControlStepFailure(`${where}${waited}: ${describeMismatches(ms)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Unary = (req: unknown, opts: { timeoutMs: number }) => Promise<unknown>;

async function callControl(
  client: ControlClient,
  rpc: ControlRpc,
  json: JsonValue,
  where: string,
): Promise<JsonValue> {
  const local = (rpc.charAt(0).toLowerCase() +
    rpc.slice(1)) as keyof typeof TestControlService.method;
  const method = TestControlService.method[local];
  let req: unknown;
  try {
    req = fromJson(method.input, json);
  } catch (err) {
    throw new ControlStepFailure(`${where}: bad ${rpc} request: ${(err as Error).message}`);
  }
  try {
    const fn = (client as unknown as Record<string, Unary>)[local] as Unary;
    const res = await fn(req, { timeoutMs: 30_000 });
    return toJson(method.output, res as never, { alwaysEmitImplicit: true });
  } catch (err) {
    const e = ConnectError.from(err);
    if (e.code === Code.Unimplemented && OPTIONAL_RPCS.includes(rpc))
      throw new ControlStepSkipped(`skipped: the target does not implement TestControl ${rpc}`);
    throw new ControlStepFailure(`${where}: TestControl ${rpc} failed: ${e.message}`);
  }
}

/** "@stub:me" / "@stub:me2" in `url` fields: start that stand-in, use its URL. */
async function withStubs(json: Json, b: Bindings, scope: ControlScope): Promise<Json> {
  if (Array.isArray(json)) return Promise.all(json.map((j) => withStubs(j, b, scope)));
  if (json === null || typeof json !== "object") return json;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(json)) {
    if (typeof v === "string" && v.startsWith("@stub:")) {
      const who = v.slice(6);
      if (who !== "me" && who !== "me2")
        throw new ControlStepFailure(`bad stub "${v}": @stub:me or @stub:me2`);
      const stub = new StubPeer(who === "me" ? b.me : b.me2, b.library, scope.stubTls?.(who));
      scope.stubs.push(stub);
      out[k] = await stub.start();
    } else out[k] = await withStubs(v, b, scope);
  }
  return out;
}

/** "committed.batches.0.prevSeq" in a JSON value. */
export function pick(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
