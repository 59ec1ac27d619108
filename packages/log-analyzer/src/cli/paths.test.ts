import { describe, expect, it } from "vitest";
import { userCwd, userPath } from "./paths.js";

describe("user paths", () => {
  it("uses INIT_CWD for our own `logs` script (pnpm runs it in the package directory)", () => {
    const env = {
      npm_lifecycle_event: "logs",
      npm_package_name: "tidemark",
      INIT_CWD: "/home/u/x",
    };
    expect(userCwd(env)).toBe("/home/u/x");
    expect(userPath("a.log", env)).toBe("/home/u/x/a.log");
    expect(userPath("-", env)).toBe("-");
  });

  it("ignores INIT_CWD when another script calls the bin (its paths are relative to its package)", () => {
    const env = {
      npm_lifecycle_event: "analyze",
      npm_package_name: "theirs",
      INIT_CWD: "/elsewhere",
    };
    expect(userCwd(env)).toBe(process.cwd());
    expect(userCwd({})).toBe(process.cwd());
  });
});
