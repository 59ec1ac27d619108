// Case files (cases/*.json): protobuf JSON with placeholders, each case
// naming the rule ids it pins. Loaded and checked for shape here; the
// messages themselves are parsed with the generated schemas when run.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BackupStep,
  type Bind,
  CONTROL_RPCS,
  type ControlStep,
  type RestartStep,
  type StubStep,
} from "./control/control-steps.js";
import { NEEDS, type Need } from "./control/harness.js";
import type { Json } from "./placeholders.js";

export const RPCS = [
  "Hello",
  "ExchangeWatermarks",
  "Backfill",
  "PushChanges",
  "Reconcile",
  "NotifyDataAvailable",
] as const;
export type Rpc = (typeof RPCS)[number];

export type ExpectedError = {
  readonly code: string;
  readonly reason?: string;
  /** Also pass when the server closed the connection instead (a refusal at the TLS handshake, TI-8). */
  readonly orConnectionClosed?: boolean;
};

/**
 * Who makes a call over a mutual-TLS target (PROTOCOL.md §15, §17): a
 * case device with its certificate ("me", "me2"; by default the device
 * the request's device_id names), no client certificate ("anonymous"), a
 * device nobody paired ("stranger"), @me's key in an expired certificate
 * with another subject and no extensions ("me-odd-cert"), or an ECDSA
 * certificate, which proves no device id ("not-ed25519").
 */
export const CALLERS = [
  "me",
  "me2",
  "anonymous",
  "stranger",
  "me-odd-cert",
  "not-ed25519",
] as const;
export type Caller = (typeof CALLERS)[number];

export type CallStep = {
  readonly call: Rpc;
  /** Overrides --protocol for this step (transport cases). */
  readonly protocol?: "connect" | "grpc";
  /** The TLS identity making the call (mutual-TLS targets only). */
  readonly as?: Caller;
  /** The request in protobuf JSON; library_id and device_id default to @lib and @me. */
  readonly request?: { [k: string]: Json };
  /** Make the call this many times at once; at least one must give the expected error (bounds). */
  readonly repeat?: number;
  /** Bytes sent as the request body instead ("@hex:…"), for decoder cases. */
  readonly rawRequest?: string;
  readonly expect: {
    /** A subset of the (unary) response. */
    readonly response?: Json;
    /** Backfill: the pages, each a subset, exactly this many. */
    readonly pages?: Json[];
    readonly error?: ExpectedError;
  };
  /**
   * Values of the answer for later steps ("@bound:NAME"), kept as JSON (a
   * list of changes, a head): the path starts at "response" or "pages",
   * e.g. "pages.0.changes".
   */
  readonly bind?: Readonly<Record<string, Bind>>;
};

/** A whole reconciliation run by the reference initiator against the target. */
export type ReconcileSessionStep = {
  readonly reconcile: {
    readonly stream: Json;
    /** The runner's items: [id placeholder, seq]. */
    readonly items: [string, number][];
    readonly branching?: number;
    readonly listThreshold?: number;
    /** Use coded symbols (§7.9); the run fails if they do not decode and verify. */
    readonly codedSymbols?: boolean;
    /** Ids the target holds newer or the runner lacks / the runner holds that the target lacks. */
    readonly need: string[];
    readonly have: string[];
    readonly maxRounds: number;
  };
};

/** A bare TLS handshake (TI-6, the server's certificate): mutual-TLS targets only. */
export type TlsStep = {
  readonly tls: {
    /** Offer only this TLS version (default TLSv1.3). */
    readonly version?: "TLSv1.2" | "TLSv1.3";
    /** ALPN protocols offered (default ["h2"]). */
    readonly alpn?: string[];
    readonly as?: Caller;
  };
  readonly expect: {
    readonly handshake: "ok" | "refused";
    readonly version?: string;
    readonly alpn?: string;
    /** The server's certificate: its key type, the id it proves (a placeholder), self-signed. */
    readonly serverCert?: {
      readonly keyType?: string;
      readonly deviceId?: string;
      readonly selfSigned?: boolean;
    };
  };
};

export type Step =
  | CallStep
  | ReconcileSessionStep
  | TlsStep
  | ControlStep
  | RestartStep
  | BackupStep
  | StubStep;

export type Case = {
  readonly id: string;
  readonly rules: readonly string[];
  readonly title: string;
  /**
   * The callers the case needs: "authenticated" (a mutual-TLS target, PROTOCOL.md
   * §15) or "claimed" (an --insecure-loopback h2c target, which believes the
   * request's device_id); absent = either. Against the other kind it is not applicable.
   */
  readonly callers?: "authenticated" | "claimed";
  /** StreamBatches pushed first, one PushChanges each; every ack must be APPLIED. */
  readonly seed?: Json[];
  readonly steps: readonly Step[];
  /** What the runner must have beyond SyncService (TestControl, a restart); else SKIPPED. */
  readonly needs?: readonly Need[];
  /** Steps run after the others, pass or fail (undo what control steps set up). */
  readonly cleanup?: readonly Step[];
  /** File it came from (set by the loader). */
  readonly file: string;
};

export class CaseError extends Error {
  override readonly name = "CaseError";
}

const RULE_ID = /^[A-Z]{2}-[1-9]\d*$/;
const CASE_ID = /^[a-z0-9][a-z0-9-]*$/;

/** The directory of the cases shipped with this package. */
export const CASES_DIR = join(import.meta.dirname, "..", "cases");

/** Every case of every *.json file in `dir`, shape-checked, ids unique. */
export function loadCases(dir = CASES_DIR): Case[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const out: Case[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, f), "utf8"));
    } catch (err) {
      throw new CaseError(`${f}: not JSON: ${(err as Error).message}`);
    }
    const cases = (parsed as { cases?: unknown }).cases;
    if (!Array.isArray(cases)) throw new CaseError(`${f}: expected {"cases": [...]}`);
    for (const [i, c] of cases.entries()) {
      const k = checkCase(c, `${f} cases[${i}]`);
      const prev = seen.get(k.id);
      if (prev !== undefined) throw new CaseError(`${f}: case id ${k.id} also in ${prev}`);
      seen.set(k.id, f);
      out.push({ ...k, file: f });
    }
  }
  return out;
}

function checkCase(c: unknown, where: string): Omit<Case, "file"> {
  const k = c as Partial<Case>;
  if (typeof k.id !== "string" || !CASE_ID.test(k.id))
    throw new CaseError(`${where}: "id" must be kebab-case`);
  if (!Array.isArray(k.rules) || k.rules.length === 0 || !k.rules.every((r) => RULE_ID.test(r)))
    throw new CaseError(`${where} (${k.id}): "rules" must list rule ids like "BF-7"`);
  if (typeof k.title !== "string") throw new CaseError(`${where} (${k.id}): "title" missing`);
  if (!Array.isArray(k.steps) || k.steps.length === 0)
    throw new CaseError(`${where} (${k.id}): "steps" must be a non-empty list`);
  if (k.callers !== undefined && k.callers !== "authenticated" && k.callers !== "claimed")
    throw new CaseError(`${where} (${k.id}): "callers" is "authenticated" or "claimed"`);
  if (k.needs !== undefined && !k.needs.every((n) => NEEDS.includes(n)))
    throw new CaseError(`${where} (${k.id}): "needs" lists ${NEEDS.join(", ")}`);
  for (const [i, s] of [...k.steps, ...(k.cleanup ?? [])].entries())
    checkStep(s, k, `${where} (${k.id}) steps[${i}]`);
  return k as Omit<Case, "file">;
}

function checkStep(s: Step, k: Partial<Case>, where: string): void {
  const need = (n: Need) => {
    if (!(k.needs ?? []).includes(n)) throw new CaseError(`${where}: declare "needs": ["${n}"]`);
  };
  if ("control" in s) {
    if (!CONTROL_RPCS.includes(s.control))
      throw new CaseError(`${where}: "control" is one of ${CONTROL_RPCS.join(", ")}`);
    need("control");
    return;
  }
  if ("stub" in s) {
    const known = ["ExchangeWatermarks", "none", "library-mismatch", undefined];
    if (s.stub !== "me" && s.stub !== "me2") throw new CaseError(`${where}: "stub" is me or me2`);
    if (!known.includes(s.serve))
      throw new CaseError(
        `${where}: a stub serves ExchangeWatermarks, "none" or "library-mismatch"`,
      );
    need("control");
    return;
  }
  if ("restart" in s) {
    if (s.restart !== "term" && s.restart !== "kill")
      throw new CaseError(`${where}: "restart" is "term" or "kill"`);
    need("restart");
    return;
  }
  if ("backup" in s || "restore" in s) {
    const name = "backup" in s ? s.backup : s.restore;
    if (typeof name !== "string" || !CASE_ID.test(name))
      throw new CaseError(`${where}: a backup's name is kebab-case`);
    need("backup");
    return;
  }
  const ok =
    ("call" in s && RPCS.includes(s.call) && typeof s.expect === "object") ||
    "reconcile" in s ||
    ("tls" in s && typeof s.expect === "object");
  if (!ok)
    throw new CaseError(
      `${where}: a call with "expect", "reconcile", "tls" with "expect", "control", "stub", "restart", "backup" or "restore"`,
    );
  const as = "reconcile" in s ? undefined : "tls" in s ? s.tls.as : s.as;
  if (as !== undefined && !CALLERS.includes(as))
    throw new CaseError(`${where}: "as" is one of ${CALLERS.join(", ")}`);
  const needsTls = "tls" in s || (as !== undefined && as !== "me" && as !== "me2");
  if (needsTls && k.callers !== "authenticated")
    throw new CaseError(
      `${where}: TLS steps and "as" callers other than me/me2 need "callers": "authenticated"`,
    );
}
