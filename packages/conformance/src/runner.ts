// Runs cases one after another against one target (each case is its own
// fresh device, so cases never see each other's streams), and sorts the
// outcomes against the known-failing list.
import { randomBytes, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConnectError } from "@connectrpc/connect";
import { deviceIdFromSpki, PROTOCOL_VERSION } from "@tidemark/protocol";
import type { Case } from "./cases.js";
import { type TargetHarness, unmetNeeds } from "./control/harness.js";
import { type IdentitySource, identitiesNeeded } from "./identities.js";
import { type CaseOutcome, clientsFor, runCase } from "./run-case.js";
import { openClients, pinTarget, TargetError, type TargetOptions } from "./transport.js";

/**
 * "not-applicable": the case needs the other kind of caller than the target has (Case.callers);
 * "skipped": it needs TestControl or a restart the operator did not give (Case.needs).
 */
export type Verdict =
  | "pass"
  | "fail"
  | "known-failing"
  | "unexpected-pass"
  | "not-applicable"
  | "skipped";

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
  /**
   * Required for an https:// (mutual-TLS) target: the identities the
   * target's operator paired; each case takes its devices from them.
   */
  readonly identities?: IdentitySource;
  /** TestControl and the target's process (--control, --peer-cmd); cases needing them skip without. */
  readonly harness?: TargetHarness;
};

export type RunReport = {
  readonly target: string;
  readonly protocol: string;
  readonly peer: string;
  /** Server runs: "authenticated" for a mutual-TLS target, "claimed" for h2c (PROTOCOL.md §15). */
  readonly callers?: "authenticated" | "claimed";
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

/** The device id (hex) a PEM certificate's key proves. */
function certDeviceId(pem: string | Buffer): Uint8Array {
  const spki = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return deviceIdFromSpki(new Uint8Array(spki));
}

/**
 * The runner's opening Hello (is the target up, which device is it): over
 * mutual TLS as --cert's device, else the first identity of the pool.
 */
async function openingHello(
  target: TargetOptions,
  opts: RunOptions,
  library: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array> {
  let as = target;
  let deviceId: Uint8Array = new Uint8Array(randomBytes(16));
  if (new URL(target.url).protocol === "https:") {
    if (target.certFile !== undefined) deviceId = certDeviceId(readFileSync(target.certFile));
    else if (opts.identities !== undefined) {
      const who = await opts.identities.take();
      as = { ...target, credentials: { cert: who.certPem, key: who.keyPem } };
      deviceId = who.id;
    }
  }
  const { clients, close } = openClients(as);
  try {
    const hello = await clients[target.protocol].hello(
      {
        libraryId: library,
        deviceId,
        protocolVersion: PROTOCOL_VERSION,
        capabilities: ["reconcile.v1"],
      },
      { timeoutMs },
    );
    return hello.deviceId;
  } catch (err) {
    throw new TargetError(
      `the target did not answer Hello (${target.protocol} at ${target.url}): ${ConnectError.from(err).message}`,
    );
  } finally {
    close();
  }
}

function verdictOf(out: CaseOutcome, listed: boolean): Verdict {
  if (out.skipped === true) return "skipped";
  if (out.ok) return listed ? "unexpected-pass" : "pass";
  return listed ? "known-failing" : "fail";
}

export async function runConformance(opts: RunOptions): Promise<RunReport> {
  const library = hexToBytes(opts.library, "--library");
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const target = await pinTarget(opts.target, timeoutMs);
  const authenticated = new URL(target.url).protocol === "https:";
  // Checked up front: a pool that runs dry mid-run would leave used identities behind.
  const need = identitiesNeeded(opts.cases.filter((c) => c.callers !== "claimed"));
  const left = opts.identities?.remaining;
  if (authenticated && left !== undefined && left < need)
    throw new TargetError(
      `these cases need ${need} unused identities, the pool has ${left}: add more with \`tidemark-conformance identities --dir D --count N\` and pair them with the target`,
    );
  const peer = await openingHello(target, opts, library, timeoutMs);
  if (authenticated && opts.identities === undefined)
    throw new TargetError(
      "a mutual-TLS (https://) target authenticates every caller: each case plays devices the target paired; make them with `tidemark-conformance identities --dir D`, pair them, and pass --identities D",
    );
  const clients = clientsFor(target);
  const known = opts.knownFailing ?? new Set<string>();
  const results: CaseResult[] = [];
  // Bursts last: a bound they fill (a token bucket shared by all callers)
  // must not make the cases after them fail.
  const burst = (c: Case) => c.steps.some((s) => "call" in s && (s.repeat ?? 1) > 1);
  // Then, over mutual TLS, cases that rewire the target's peers (SetPeers
  // unpairs the identities other cases play): after everything else.
  const rewires = (c: Case) =>
    authenticated && c.steps.some((s) => "control" in s && s.control === "SetPeers");
  const rank = (c: Case) => (rewires(c) ? 2 : burst(c) ? 1 : 0);
  const ordered = [0, 1, 2].flatMap((r) => opts.cases.filter((c) => rank(c) === r));
  for (const c of ordered) {
    const t0 = performance.now();
    const mode = authenticated ? "authenticated" : "claimed";
    const notApplicable = c.callers !== undefined && c.callers !== mode;
    const skip = notApplicable ? undefined : unmetNeeds(c.needs, opts.harness);
    if (notApplicable || skip !== undefined) {
      const r: CaseResult = {
        id: c.id,
        rules: c.rules,
        file: c.file,
        verdict: notApplicable ? "not-applicable" : "skipped",
        detail: notApplicable
          ? `needs ${c.callers} callers (${c.callers === "authenticated" ? "a mutual-TLS target" : "an --insecure-loopback h2c target"})`
          : (skip ?? ""),
        ms: 0,
      };
      results.push(r);
      opts.onResult?.(r);
      continue;
    }
    const out = await runCase(c, {
      target,
      library,
      peer,
      clients,
      timeoutMs,
      ...(opts.identities === undefined ? {} : { identities: opts.identities }),
      ...(opts.harness === undefined ? {} : { harness: opts.harness }),
    });
    const listed = known.has(c.id);
    const verdict = verdictOf(out, listed);
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
    callers: authenticated ? "authenticated" : "claimed",
    results,
    ok: results.every(
      (r) =>
        r.verdict === "pass" ||
        r.verdict === "known-failing" ||
        r.verdict === "not-applicable" ||
        r.verdict === "skipped",
    ),
  };
}
