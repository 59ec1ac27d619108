// docs/TESTCONTROL.md is what implementers in other languages read: it
// must describe every RPC of the service and its links must resolve.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { TestControlService } from "@tidemark/protocol/test-control";
import { describe, expect, test } from "vitest";

const DOC = resolve(import.meta.dirname, "../../../docs/TESTCONTROL.md");
const text = readFileSync(DOC, "utf8");

describe("docs/TESTCONTROL.md", () => {
  test.each(TestControlService.methods.map((m) => m.name))("specifies %s", (name) => {
    // A table row naming the RPC (cells are padded to the column's width).
    expect(text).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, "m"));
  });

  test("every relative link resolves", () => {
    const links = [...text.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) expect(existsSync(join(dirname(DOC), l)), l).toBe(true);
  });
});
