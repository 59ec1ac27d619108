// Runs cases one after another against one target (each case is its own
// fresh device, so cases never see each other's streams), and sorts the
// outcomes against the known-failing list.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConnectError } from "@connectrpc/connect";
import { PROTOCOL_VERSION } from "@tidemark/protocol";
import type { Case } from "./cases.js";
import { clientsFor, runCase } from "./run-case.js";
import { pinTarget, TargetError, type TargetOptions } from "./transport.js";

export type Verdict = "pass" | "fail" | "known-failing" | "unexpected-pass";

export type CaseResult = {
  readonly id: string;
  readonly rules: readonly string[];
  readonly file: string;
  readonly verdict: Verdict;
  readonly detail?: string;
  readonly ms: number;
};

export type RunOptions = {
  readonly target: TargetOptions;
  /** The target's library (32 hex): a peer answers only callers of its own library. */
  readonly library: string;
  readonly cases: readonly Case[];
  readonly knownFailing?: ReadonlySet<string>;
  readonly timeoutMs?: number;
  readonly onResult?: (r: CaseResult) => void;
};

export type RunReport = {
  readonly target: string;
  readonly protocol: string;
  readonly peer: string;
  readonly results: readonly CaseResult[];
  readonly ok: boolean;
};

/** A known-failing file: one case id per line, `#` comments; ids must exist. */
export function readKnownFailing(file: string, cases: readonly Case[]): Set<string> {
  const ids = new Set(cases.map((c) => c.id));
  const out = new Set<string>();
  for (const [n, raw] of readFileSync(file, "utf8").split("\n").entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    if (!ids.has(line)) throw new TargetError(`${file}:${n + 1}: no case named "${line}"`);
    out.add(line);
  }
  return out;
}

export function hexToBytes(hex: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TargetError(`${what}: 32 hex digits, got "${hex}"`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export async function runConformance(opts: RunOptions): Promise<RunReport> {
  const library = hexToBytes(opts.library, "--library");
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const target = await pinTarget(opts.target, timeoutMs);
  const clients = clientsFor(target);
  let peer: Uint8Array;
  try {
    const hello = await clients[opts.target.protocol].hello(
      {
        libraryId: library,
        deviceId: new Uint8Array(randomBytes(16)),
        protocolVersion: PROTOCOL_VERSION,
        capabilities: ["reconcile.v1"],
      },
      { timeoutMs },
    );
    peer = hello.deviceId;
  } catch (err) {
    throw new TargetError(
      `the target did not answer Hello (${opts.target.protocol} at ${opts.target.url}): ${ConnectError.from(err).message}`,
    );
  }
  const known = opts.knownFailing ?? new Set<string>();
  const results: CaseResult[] = [];
  // Bursts last: a bound they fill (a token bucket shared by all callers)
  // must not make the cases after them fail.
  const burst = (c: Case) => c.steps.some((s) => "call" in s && (s.repeat ?? 1) > 1);
  const ordered = [...opts.cases.filter((c) => !burst(c)), ...opts.cases.filter(burst)];
  for (const c of ordered) {
    const t0 = performance.now();
    const out = await runCase(c, { target, library, peer, clients, timeoutMs });
    const listed = known.has(c.id);
    const verdict: Verdict = out.ok
      ? listed
        ? "unexpected-pass"
        : "pass"
      : listed
        ? "known-failing"
        : "fail";
    const detail =
      verdict === "unexpected-pass"
        ? "listed as known-failing but passes: remove it from the list"
        : out.detail;
    const r: CaseResult = {
      id: c.id,
      rules: c.rules,
      file: c.file,
      verdict,
      ...(detail === undefined ? {} : { detail }),
      ms: Math.round(performance.now() - t0),
    };
    results.push(r);
    opts.onResult?.(r);
  }
  return {
    target: opts.target.url,
    protocol: opts.target.protocol,
    peer: Buffer.from(peer).toString("hex"),
    results,
    ok: results.every((r) => r.verdict === "pass" || r.verdict === "known-failing"),
  };
}
