// TI-10: cleartext HTTP/2 (h2c) MUST NOT be served on a non-loopback
// address. The runner starts the target the way its operator asks for h2c,
// once on 127.0.0.1 (the control: it must answer, so a target that never
// serves cannot pass) and once on the wildcard address 0.0.0.0, where it
// must refuse. Both are probed through 127.0.0.1 only: a wildcard listener
// answers there too, so no traffic ever leaves loopback.
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:http2";
import { freePort } from "@tidemark/chaos";
import { fillTemplate } from "@tidemark/chaos/template";

export const H2C_REFUSAL_RULES = ["TI-10"] as const;

export type H2cRefusalOptions = {
  /** Starts the target serving h2c: {host} and {port} filled in, run in `sh -c`. */
  readonly serveCmd: string;
  /** Most ms the control start may take to answer. */
  readonly readyMs?: number;
};

export type H2cRefusalOutcome = {
  readonly id: "h2c-served-on-loopback" | "h2c-refused-on-wildcard";
  readonly ok: boolean;
  readonly detail: string;
};

type Watch = { answered: boolean; ms: number; exit: string | undefined; output: string };

/** One h2c request to 127.0.0.1:port: true when any HTTP/2 response comes back. */
function answersH2c(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const done = (v: boolean) => {
      session.destroy();
      resolve(v);
    };
    session.on("error", () => done(false));
    session.setTimeout(2_000, () => done(false));
    const req = session.request({ ":method": "GET", ":path": "/" });
    req.on("response", () => done(true));
    req.on("error", () => done(false));
    req.end();
  });
}

/** Starts the command on host, probes until it answers, exits or `windowMs` passes. */
async function startAndWatch(template: string, host: string, windowMs: number): Promise<Watch> {
  const port = await freePort();
  const cmd = fillTemplate(template, { host, port });
  const child: ChildProcess = spawn("sh", ["-c", cmd], { detached: true, stdio: "pipe" });
  const w: Watch = { answered: false, ms: 0, exit: undefined, output: "" };
  const keep = (b: Buffer) => {
    w.output = (w.output + b.toString("utf8")).slice(-2_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", (code, signal) => {
    w.exit = String(code ?? signal);
  });
  const started = Date.now();
  try {
    while (Date.now() - started < windowMs && w.exit === undefined) {
      if (await answersH2c(port)) {
        w.answered = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    w.ms = Date.now() - started;
    return w;
  } finally {
    if (w.exit === undefined && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

const tail = (s: string) => s.trim().split("\n").slice(-3).join(" | ");

/** The control on loopback, then the wildcard start the target must refuse. */
export async function runH2cRefusal(opts: H2cRefusalOptions): Promise<H2cRefusalOutcome[]> {
  const control = await startAndWatch(opts.serveCmd, "127.0.0.1", opts.readyMs ?? 30_000);
  const served: H2cRefusalOutcome = {
    id: "h2c-served-on-loopback",
    ok: control.answered,
    detail: control.answered
      ? `answered h2c on 127.0.0.1 after ${control.ms} ms`
      : `never answered h2c on 127.0.0.1 (${control.exit === undefined ? "still running" : `exited ${control.exit}`}): ${tail(control.output)}`,
  };
  if (!control.answered) {
    return [
      served,
      {
        id: "h2c-refused-on-wildcard",
        ok: false,
        detail: "not judged: the control start never answered",
      },
    ];
  }
  // Three times the control's start-up, so a slow start is not taken for a refusal.
  const wild = await startAndWatch(opts.serveCmd, "0.0.0.0", Math.max(5_000, 3 * control.ms));
  const refused: H2cRefusalOutcome = {
    id: "h2c-refused-on-wildcard",
    ok: !wild.answered,
    detail: wild.answered
      ? `served h2c when asked for --host 0.0.0.0 (answered through 127.0.0.1 after ${wild.ms} ms)`
      : wild.exit === undefined
        ? `no h2c answer within ${wild.ms} ms (still running, killed)`
        : `refused: exited ${wild.exit}: ${tail(wild.output)}`,
  };
  return [served, refused];
}
