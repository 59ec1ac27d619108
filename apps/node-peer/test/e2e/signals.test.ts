// One process: `tidemark serve &` in a shell is the peer itself, so
// `kill -TERM $!` and `kill -KILL $!` stop it and free its port (issue 12:
// the old launcher's child kept serving after its parent was killed).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { freePort, runCli, TIDEMARK_BIN } from "../../src/demo/processes.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts serve in the background from bash, kills `$!`, reports exit status and port state. */
function killServe(data: string, port: number, signal: "TERM" | "KILL") {
  const script = `
    set -u
    "${TIDEMARK_BIN}" --data "${data}" serve --port ${port} >"${data}/serve.out" 2>&1 &
    pid=$!
    up=no
    for _ in $(seq 1 300); do
      if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then up=yes; break; fi
      sleep 0.1
    done
    echo "up=$up"
    kill -${signal} $pid
    wait $pid
    echo "exit=$?"
    if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then echo port=busy; else echo port=free; fi
    if kill -0 $pid 2>/dev/null; then echo pid=alive; else echo pid=gone; fi
  `;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 60_000 });
  return r.stdout;
}

describe("one process", () => {
  test("kill -TERM $! and kill -KILL $! of a started tidemark serve free its port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-signals-"));
    dirs.push(dir);
    const data = join(dir, "a");
    expect((await runCli(["init", "--library", "sig", "--data", data])).code).toBe(0);
    const port = await freePort();

    const term = killServe(data, port, "TERM");
    expect(term).toContain("up=yes");
    expect(term).toContain("exit=0"); // graceful: SIGTERM handled, clean exit
    expect(term).toContain("port=free");
    expect(term).toContain("pid=gone");

    const kill = killServe(data, port, "KILL");
    expect(kill).toContain("up=yes");
    expect(kill).toContain("exit=137"); // 128 + SIGKILL: the peer itself died
    expect(kill).toContain("port=free");
    expect(kill).toContain("pid=gone");

    // After the SIGKILL the stale lock and serve.json are recovered: it starts again.
    const again = killServe(data, port, "TERM");
    expect(again).toContain("up=yes");
    expect(again).toContain("exit=0");
  }, 120_000);
});
