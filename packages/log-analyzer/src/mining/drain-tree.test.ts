import { describe, expect, it } from "vitest";
import { DEFAULT_DRAIN_OPTIONS, DrainTree, isVariableToken, WILDCARD } from "./drain-tree.js";

function tree() {
  let id = 0;
  return new DrainTree(DEFAULT_DRAIN_OPTIONS, (namespace, tokens) => ({
    id: id++,
    namespace,
    tokens,
  }));
}
const split = (s: string) => s.split(" ");

describe("DrainTree", () => {
  it("merges lines of one template and widens the positions that differ", () => {
    const t = tree();
    const a = t.add("", split("Invalid user alice from <ip> port <num>"));
    const b = t.add("", split("Invalid user bob from <ip> port <num>"));
    expect(b.cluster.id).toBe(a.cluster.id);
    expect(b.widened).toEqual([2]);
    expect(b.previous).toEqual(["alice"]);
    expect(b.cluster.tokens).toEqual(split(`Invalid user ${WILDCARD} from <ip> port <num>`));
  });

  it("keeps templates apart when they share too few tokens, lengths or namespaces", () => {
    const t = tree();
    const a = t.add("", split("peer ready now"));
    expect(t.add("", split("peer gone away")).cluster.id).not.toBe(a.cluster.id);
    expect(t.add("", split("peer ready now please")).cluster.id).not.toBe(a.cluster.id);
    expect(t.add("other", split("peer ready now")).cluster.id).not.toBe(a.cluster.id);
    expect(t.add("", split("peer ready now")).cluster.id).toBe(a.cluster.id);
  });

  it("separates templates that differ only in their last constant word", () => {
    const t = tree();
    const https = t.add("", split("<host>:<num> open through proxy <host>:<num> HTTPS"));
    const socks = t.add("", split("<host>:<num> open through proxy <host>:<num> SOCKS5"));
    expect(socks.cluster.id).not.toBe(https.cluster.id);
  });

  it("routes placeholders, digits and key=value tokens as variables", () => {
    expect(isVariableToken("<num>")).toBe(true);
    expect(isVariableToken("blk_123")).toBe(true);
    expect(isVariableToken("user=root")).toBe(true);
    expect(isVariableToken("logname=")).toBe(false);
    expect(isVariableToken("uid=<num>")).toBe(true);
    expect(isVariableToken("ready")).toBe(false);
  });

  it("does not split a short message on the value it carries", () => {
    const t = tree();
    const a = t.add("", split("generating core.<num>"));
    expect(t.add("", split("generating core.17")).cluster.id).toBe(a.cluster.id);
    const b = t.add("", split("iar <num> dear <hex>"));
    const c = t.add("", split("iar <hex> dear <hex>"));
    expect(c.cluster.id).toBe(b.cluster.id);
    expect(c.cluster.tokens).toEqual(split(`iar ${WILDCARD} dear <hex>`));
  });

  it("keeps one-token messages apart when their values have different shapes", () => {
    const t = tree();
    const a = t.add("", ["index:<num>"]);
    expect(t.add("", ["ready=<num>,mode=<num>"]).cluster.id).not.toBe(a.cluster.id);
    expect(t.add("", ["index:<hex>"]).cluster.id).toBe(a.cluster.id);
  });

  it("still splits a short message on a differing word", () => {
    const t = tree();
    const a = t.add("", split("service started"));
    expect(t.add("", split("service stopped")).cluster.id).not.toBe(a.cluster.id);
  });
});
